package io.drain4j.servlet;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainStatus;
import io.drain4j.servlet.tomcat.TomcatDrain;
import jakarta.servlet.http.HttpServlet;
import java.nio.file.Path;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.http2.Http2Protocol;
import org.apache.tomcat.util.descriptor.web.ErrorPage;
import org.junit.jupiter.api.io.TempDir;

/** The servlet drain contract on embedded Tomcat 11. */
class TomcatContractTest extends ServletContainerContractTest {

  @TempDir Path baseDir;

  @Override
  RunningContainer start(
      DrainCoordinator coordinator,
      DrainFilter filter,
      Map<String, HttpServlet> servlets,
      boolean connectorControl)
      throws Exception {
    Tomcat tomcat = TomcatSupport.newTomcat(baseDir);
    Connector connector = tomcat.getConnector();
    connector.addUpgradeProtocol(new Http2Protocol());
    Context context = TomcatSupport.addFilteredContext(tomcat, filter, servlets);
    ErrorPage errorPage = new ErrorPage();
    errorPage.setErrorCode(TestServlets.ErrorPage.STATUS);
    errorPage.setLocation(TestServlets.ErrorPage.PATH);
    context.addErrorPage(errorPage);
    ((StandardHost) tomcat.getHost())
        .setErrorReportValveClass(HeldErrorReportValve.class.getName());
    if (connectorControl) {
      TomcatDrain.install(coordinator, tomcat);
    }
    tomcat.start();
    return new RunningContainer() {
      @Override
      public int port() {
        return connector.getLocalPort();
      }

      @Override
      public DrainStatus stopAfterDrain() {
        return TomcatDrain.stopAfterDrain(coordinator, tomcat);
      }

      @Override
      public void stop() throws Exception {
        tomcat.stop();
        tomcat.destroy();
      }
    };
  }

  /**
   * Tomcat's error report, which waits at the gate the request names in {@code holdErrorPage}
   * before it is written. Tomcat instantiates it by name.
   */
  public static final class HeldErrorReportValve extends ErrorReportValve {
    @Override
    protected void report(Request request, Response response, Throwable throwable) {
      TestServlets.holdErrorPage(request.getParameter("holdErrorPage"));
      super.report(request, response, throwable);
    }
  }
}

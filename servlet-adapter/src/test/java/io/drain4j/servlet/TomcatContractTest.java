package io.drain4j.servlet;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainStatus;
import io.drain4j.servlet.tomcat.TomcatDrain;
import jakarta.servlet.http.HttpServlet;
import java.nio.file.Path;
import java.util.Map;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.coyote.http2.Http2Protocol;
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
    TomcatSupport.addFilteredContext(tomcat, filter, servlets);
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
}

package io.drain4j.servlet;

import io.drain4j.DrainCoordinator;
import io.drain4j.servlet.tomcat.TomcatDrain;
import jakarta.servlet.http.HttpServlet;
import java.nio.file.Path;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.junit.jupiter.api.io.TempDir;

/** The servlet drain contract on embedded Tomcat 11. */
class TomcatContractTest extends ServletContainerContractTest {

  @TempDir
  Path baseDir;

  @Override
  RunningContainer start(DrainCoordinator coordinator, DrainFilter filter,
      Map<String, HttpServlet> servlets, boolean connectorControl) throws Exception {
    Tomcat tomcat = TomcatSupport.newTomcat(baseDir);
    Connector connector = tomcat.getConnector();
    Context context = tomcat.addContext("", null);
    FilterDef def = new FilterDef();
    def.setFilterName("drain4j");
    def.setFilter(filter);
    def.setAsyncSupported("true");
    context.addFilterDef(def);
    FilterMap map = new FilterMap();
    map.setFilterName("drain4j");
    map.addURLPattern("/*");
    context.addFilterMap(map);
    servlets.forEach((path, servlet) -> {
      Wrapper wrapper = Tomcat.addServlet(context, path.substring(1), servlet);
      wrapper.setAsyncSupported(true);
      context.addServletMapping(path, path.substring(1));
    });
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
      public void stop() throws Exception {
        tomcat.stop();
        tomcat.destroy();
      }
    };
  }
}

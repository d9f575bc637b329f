package io.drain4j.servlet;

import jakarta.servlet.http.HttpServlet;
import java.nio.file.Path;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

/** Builds embedded Tomcats for the tests: loopback, any free port, a temporary base directory. */
final class TomcatSupport {

  private TomcatSupport() {}

  static Tomcat newTomcat(Path baseDir) {
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(baseDir.toString());
    Connector connector = new Connector();
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    tomcat.setConnector(connector);
    return tomcat;
  }

  /**
   * Adds the root context with {@code filter} in front of {@code servlets}, mapped for every path
   * and the REQUEST dispatcher type, with async support.
   */
  static Context addFilteredContext(
      Tomcat tomcat, DrainFilter filter, Map<String, HttpServlet> servlets) {
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
    servlets.forEach(
        (path, servlet) -> {
          Wrapper wrapper = Tomcat.addServlet(context, path.substring(1), servlet);
          wrapper.setAsyncSupported(true);
          context.addServletMapping(path, path.substring(1));
        });
    return context;
  }
}

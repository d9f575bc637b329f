package io.drain4j.servlet;

import java.nio.file.Path;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

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
}

package io.drain4j.servlet;

import io.drain4j.DrainCoordinator;
import io.drain4j.servlet.jetty.JettyDrain;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import java.util.EnumSet;
import java.util.Map;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** The servlet drain contract on embedded Jetty 12 (EE 11). */
class JettyContractTest extends ServletContainerContractTest {

  @Override
  RunningContainer start(DrainCoordinator coordinator, DrainFilter filter,
      Map<String, HttpServlet> servlets, boolean connectorControl) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);

    ServletContextHandler context = new ServletContextHandler("/");
    FilterHolder filterHolder = new FilterHolder(filter);
    filterHolder.setAsyncSupported(true);
    context.addFilter(filterHolder, "/*", EnumSet.of(DispatcherType.REQUEST));
    servlets.forEach((path, servlet) -> {
      ServletHolder holder = new ServletHolder(servlet);
      holder.setAsyncSupported(true);
      context.addServlet(holder, path);
    });
    server.setHandler(context);
    if (connectorControl) {
      JettyDrain.install(coordinator, server);
    }
    server.start();
    return new RunningContainer() {
      @Override
      public int port() {
        return connector.getLocalPort();
      }

      @Override
      public void stop() throws Exception {
        server.stop();
      }
    };
  }
}

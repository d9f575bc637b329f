package io.drain4j.servlet.jetty;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import java.util.Objects;
import org.eclipse.jetty.server.Server;

/**
 * Connector control for an embedded Jetty 12 server, so that the drain reaches below the servlet
 * filter:
 *
 * <ul>
 *   <li>when {@link DrainState#QUIESCING} begins, every connector of the server stops accepting and
 *       closes its listening socket (new connections are refused, so clients and proxies go
 *       elsewhere at once), and HTTP/1.1 connections that wait idle between requests are closed;
 *   <li>when {@link DrainState#DRAINED} is reached, idle connections left over are closed; after a
 *       forced drain (the deadline passed) every connection is closed, requests still running
 *       included, so that nothing keeps the process from exiting.
 * </ul>
 *
 * <p>Connections with a request in progress are left alone until then: they close after their
 * response, which carries {@code Connection: close} (see {@link io.drain4j.servlet.DrainFilter}).
 * Jetty's own idle timeout is not shortened, because in Jetty 12 an idle timeout fails a request
 * that is still being handled.
 *
 * <p>Install it once, before or after {@code server.start()}. It does not stop the server: stop it
 * after {@link DrainCoordinator#whenDrained()} so that the last responses are written out. Also
 * turn Jetty's own shutdown hook off ({@code server.setStopAtShutdown(false)}, which is the
 * default): it would stop the server at SIGTERM while the drain still runs.
 */
public final class JettyDrain {

  private JettyDrain() {}

  /**
   * Controls the connectors of {@code server} from the coordinator's drain. The connectors are
   * looked up when the drain reaches them, so connectors added after this call are included.
   *
   * @param coordinator the application's coordinator; must not be {@code null}
   * @param server the embedded server; must not be {@code null}
   */
  public static void install(DrainCoordinator coordinator, Server server) {
    Objects.requireNonNull(coordinator, "coordinator");
    Objects.requireNonNull(server, "server");
    coordinator.addListener(new JettyConnectorControl(server));
  }
}

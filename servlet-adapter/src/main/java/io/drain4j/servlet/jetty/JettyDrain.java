package io.drain4j.servlet.jetty;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import io.drain4j.DrainStatus;
import io.drain4j.servlet.AfterDrain;
import java.time.Duration;
import java.util.Objects;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * with {@link #stopAfterDrain(DrainCoordinator, Server)} (from a shutdown hook), which waits for
 * {@link DrainState#DRAINED} and bounds Jetty's own stop. Also turn Jetty's own shutdown hook off
 * ({@code server.setStopAtShutdown(false)}, which is the default): it would stop the server at
 * SIGTERM while the drain still runs.
 */
public final class JettyDrain {

  /**
   * The stop timeout of the server and of its thread pool after a drain that ended cleanly: every
   * response is written out by then, so the stop has only idle threads to end.
   */
  static final Duration STOP_TIMEOUT_AFTER_DRAIN = Duration.ofMillis(500);

  private static final Logger log = LoggerFactory.getLogger(JettyDrain.class);

  private JettyDrain() {}

  /**
   * Drains, then stops the server within a bounded time: starts the drain (idempotent: usually
   * drain4j's own SIGTERM hook or {@code POST /drain} started it), waits for {@link
   * DrainState#DRAINED} (at most the rest of the deadline and one second), then stops the server.
   * Jetty's stop would otherwise wait up to its stop timeout for connections and join its threads
   * (a thread stuck in a request holds it for seconds): after a clean drain both timeouts are cut
   * to half a second, and after a forced drain to zero, so that the threads left in requests are
   * not waited for and the process exits within a second of DRAINED (DESIGN §3, invariant 7). Call
   * it from the application's shutdown hook; it never throws.
   *
   * @param coordinator the application's coordinator; must not be {@code null}
   * @param server the embedded server; must not be {@code null}
   * @return the status at DRAINED, or {@code null} when the wait was interrupted or outlived the
   *     deadline (the server is stopped as after a forced drain then)
   */
  public static DrainStatus stopAfterDrain(DrainCoordinator coordinator, Server server) {
    Objects.requireNonNull(coordinator, "coordinator");
    Objects.requireNonNull(server, "server");
    DrainStatus status = AfterDrain.awaitDrained(coordinator);
    long timeout = AfterDrain.forced(status) ? 0 : STOP_TIMEOUT_AFTER_DRAIN.toMillis();
    server.setStopTimeout(timeout);
    if (server.getThreadPool() instanceof QueuedThreadPool pool) {
      pool.setStopTimeout(timeout);
    }
    try {
      server.stop();
    } catch (Exception e) {
      log.warn("drain4j: Jetty's stop after the drain failed", e);
    }
    return status;
  }

  /**
   * Controls the connectors of {@code server} from the coordinator's drain. The connectors are
   * looked up when the drain reaches them, so connectors added after this call are included.
   *
   * <p>It also lets {@link io.drain4j.servlet.DrainFilter} follow a request to the end of an error
   * page that Jetty writes after the filter chain (after {@code sendError}, or for an exception):
   * the request's unit then ends once the page has been written out. That part reaches only the
   * connectors present when it is called (install after the connectors are added; a running server
   * is fine); on a connector added later, such a unit ends when the chain returns.
   *
   * @param coordinator the application's coordinator; must not be {@code null}
   * @param server the embedded server; must not be {@code null}
   */
  public static void install(DrainCoordinator coordinator, Server server) {
    Objects.requireNonNull(coordinator, "coordinator");
    Objects.requireNonNull(server, "server");
    JettyResponseCompletion.install(server);
    coordinator.addListener(new JettyConnectorControl(server));
  }
}

package io.drain4j.servlet.tomcat;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import io.drain4j.DrainStatus;
import io.drain4j.servlet.AfterDrain;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connector control for an embedded Tomcat 11, so that the drain reaches below the servlet filter:
 *
 * <ul>
 *   <li>when {@link DrainState#QUIESCING} begins, every connector is paused ({@link
 *       Connector#pause()}: it stops accepting, and Tomcat answers any further request on an open
 *       connection with {@code 503} and closes it), its listening socket is closed ({@code
 *       ProtocolHandler.closeServerSocketGraceful()}: new connections are refused), and HTTP/1.1
 *       connections that wait idle between requests are closed;
 *   <li>when {@link DrainState#DRAINED} is reached, idle connections left over are closed; after a
 *       forced drain (the deadline passed) every connection is closed, requests still running
 *       included.
 * </ul>
 *
 * <p>Tomcat can close its listening socket early only when the connector binds it on start rather
 * than on init: {@code install} sets {@code bindOnInit=false} on the connectors that are not
 * initialized yet, so install before {@code tomcat.start()} (Spring Boot already binds on start). A
 * connector bound on init keeps its port open, paused, until Tomcat stops: connections queue in the
 * backlog instead of being refused, and a warning says so.
 *
 * <p>Tomcat exposes its open connections only through its endpoint, which is not public API: the
 * idle and forced closes reach it by reflection, and without it (for example on a module path that
 * does not open {@code org.apache.coyote}) they are skipped with a warning; pausing and closing the
 * listening socket do not depend on it.
 *
 * <p>It does not stop Tomcat: stop it with {@link #stopAfterDrain(DrainCoordinator, Tomcat)} (from
 * a shutdown hook), which waits for {@link DrainState#DRAINED} and bounds Tomcat's own stop.
 */
public final class TomcatDrain {

  private static final Logger log = LoggerFactory.getLogger(TomcatDrain.class);

  private TomcatDrain() {}

  /**
   * How long a stop after a forced drain is waited for: past it, the stop goes on in the background
   * while the process exits.
   */
  static final Duration FORCED_STOP_WAIT = Duration.ofMillis(500);

  /**
   * Drains, then stops and destroys the embedded Tomcat within a bounded time: starts the drain
   * (idempotent), waits for {@link DrainState#DRAINED} (at most the rest of the deadline and one
   * second), then stops Tomcat. After a forced drain, requests may still run, stuck, and Tomcat's
   * stop would wait for them, up to each servlet's unload delay (2 s by default) and each
   * connector's {@code executorTerminationTimeoutMillis} (5 s): the executors' wait is set to zero,
   * and the stop runs on a daemon thread that is waited for at most half a second, so that the
   * process exits within a second of DRAINED (DESIGN §3, invariant 7). Call it from the
   * application's shutdown hook; it never throws.
   *
   * @param coordinator the application's coordinator; must not be {@code null}
   * @param tomcat the embedded Tomcat; must not be {@code null}
   * @return the status at DRAINED, or {@code null} when the wait was interrupted or outlived the
   *     deadline (Tomcat is stopped as after a forced drain then)
   */
  public static DrainStatus stopAfterDrain(DrainCoordinator coordinator, Tomcat tomcat) {
    Objects.requireNonNull(tomcat, "tomcat");
    DrainStatus status = AfterDrain.awaitDrained(coordinator);
    if (!AfterDrain.forced(status)) {
      stop(tomcat);
      return status;
    }
    for (Connector connector : tomcat.getService().findConnectors()) {
      connector.setProperty("executorTerminationTimeoutMillis", "0");
    }
    Thread stopper = new Thread(() -> stop(tomcat), "drain4j-tomcat-stop");
    stopper.setDaemon(true);
    stopper.start();
    try {
      stopper.join(FORCED_STOP_WAIT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return status;
  }

  private static void stop(Tomcat tomcat) {
    try {
      tomcat.stop();
      tomcat.destroy();
    } catch (LifecycleException | RuntimeException e) {
      log.warn("drain4j: Tomcat's stop after the drain failed", e);
    }
  }

  /**
   * Controls the connectors of the embedded Tomcat's service from the coordinator's drain. The
   * connectors are looked up when the drain reaches them, so connectors added later are included
   * (but only those present now are switched to bind on start).
   *
   * <p>It also adds a valve to the engine that lets {@link io.drain4j.servlet.DrainFilter} follow a
   * request to the end of an error page that Tomcat writes after the filter chain (after {@code
   * sendError}, or for an exception): the request's unit then ends once the page has been written
   * out.
   *
   * @param coordinator the application's coordinator; must not be {@code null}
   * @param tomcat the embedded Tomcat; must not be {@code null}
   */
  public static void install(DrainCoordinator coordinator, Tomcat tomcat) {
    Objects.requireNonNull(coordinator, "coordinator");
    Objects.requireNonNull(tomcat, "tomcat");
    TomcatResponseCompletion.install(tomcat.getEngine());
    Supplier<List<Connector>> connectors =
        () -> Arrays.asList(tomcat.getService().findConnectors());
    bindOnStart(connectors.get());
    coordinator.addListener(new TomcatConnectorControl(connectors));
  }

  /**
   * Controls the given connectors from the coordinator's drain, for example those of Spring Boot's
   * {@code TomcatWebServer}. The engine of each connector's service gets the error-page valve of
   * {@link #install(DrainCoordinator, Tomcat)}; a connector without a service yet does not.
   *
   * @param coordinator the application's coordinator; must not be {@code null}
   * @param connectors one or more connectors; none may be {@code null}
   * @throws IllegalArgumentException when no connector is given
   */
  public static void install(DrainCoordinator coordinator, Connector... connectors) {
    Objects.requireNonNull(coordinator, "coordinator");
    Objects.requireNonNull(connectors, "connectors");
    if (connectors.length == 0) {
      throw new IllegalArgumentException("TomcatDrain.install needs at least one connector");
    }
    List<Connector> fixed = List.of(connectors);
    for (Connector connector : fixed) {
      if (connector.getService() != null && connector.getService().getContainer() != null) {
        TomcatResponseCompletion.install(connector.getService().getContainer());
      }
    }
    bindOnStart(fixed);
    coordinator.addListener(new TomcatConnectorControl(() -> fixed));
  }

  private static void bindOnStart(List<Connector> connectors) {
    for (Connector connector : connectors) {
      if (connector.getState() == LifecycleState.NEW) {
        connector.setProperty("bindOnInit", "false");
      }
    }
  }
}

package io.drain4j.servlet.tomcat;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

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
 * <p>It does not stop Tomcat: stop it after {@link DrainCoordinator#whenDrained()} so that the last
 * responses are written out.
 */
public final class TomcatDrain {

  private TomcatDrain() {}

  /**
   * Controls the connectors of the embedded Tomcat's service from the coordinator's drain. The
   * connectors are looked up when the drain reaches them, so connectors added later are included
   * (but only those present now are switched to bind on start).
   *
   * @param coordinator the application's coordinator; must not be {@code null}
   * @param tomcat the embedded Tomcat; must not be {@code null}
   */
  public static void install(DrainCoordinator coordinator, Tomcat tomcat) {
    Objects.requireNonNull(coordinator, "coordinator");
    Objects.requireNonNull(tomcat, "tomcat");
    Supplier<List<Connector>> connectors =
        () -> Arrays.asList(tomcat.getService().findConnectors());
    bindOnStart(connectors.get());
    coordinator.addListener(new TomcatConnectorControl(connectors));
  }

  /**
   * Controls the given connectors from the coordinator's drain, for example those of Spring Boot's
   * {@code TomcatWebServer}.
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

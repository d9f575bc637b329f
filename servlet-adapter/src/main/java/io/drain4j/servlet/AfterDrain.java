package io.drain4j.servlet;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import io.drain4j.DrainStatus;
import java.time.Duration;
import java.util.Objects;

/**
 * The wait that comes before a server's stop: {@link io.drain4j.servlet.jetty.JettyDrain} and
 * {@link io.drain4j.servlet.tomcat.TomcatDrain} use it to stop their server, and a shutdown hook of
 * any other container can use it the same way.
 */
public final class AfterDrain {

  private AfterDrain() {}

  /**
   * Starts the drain (idempotent: usually drain4j's own SIGTERM hook or {@code POST /drain} started
   * it) and waits for {@link DrainState#DRAINED}, at most the rest of the deadline and one second.
   *
   * @param coordinator the application's coordinator; must not be {@code null}
   * @return the status at DRAINED, or {@code null} when the wait was interrupted (the interrupt
   *     flag is set again) or outlived the deadline; treat {@code null} as a forced drain
   */
  public static DrainStatus awaitDrained(DrainCoordinator coordinator) {
    Objects.requireNonNull(coordinator, "coordinator");
    coordinator.startDrain();
    try {
      Duration rest = Duration.ofMillis(coordinator.status().deadlineRemainingMs());
      return coordinator.awaitDrained(rest.plusSeconds(1))
          ? coordinator.whenDrained().getNow(null)
          : null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /**
   * Whether the server's stop must not wait for anything: the drain was forced (requests may still
   * run, stuck) or did not end.
   *
   * @param status what {@link #awaitDrained} returned
   * @return {@code true} for {@code null} or a forced drain
   */
  public static boolean forced(DrainStatus status) {
    return status == null || status.forced();
  }
}

package io.drain4j.spring.boot.autoconfigure;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainListener;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.util.ClassUtils;

/**
 * Runs the drain when the application context closes, before the web server shuts down.
 *
 * <p>Spring stops {@link SmartLifecycle} beans from the highest phase to the lowest and waits for
 * each phase. This bean's phase lies between the default phase and the web server's graceful
 * shutdown ({@code WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE}, default phase − 1024), so
 * its {@link #stop(Runnable)} holds the web server, the task executors (phase {@code
 * Integer.MAX_VALUE / 2}) and the HTTP client resources (phase 0 and 1) open until the coordinator
 * reports DRAINED: requests in flight finish, their outbound calls and {@code @Async} tasks still
 * run. The drain already starts at {@link ContextClosedEvent}, which precedes every lifecycle stop,
 * so readiness turns to refusing at once.
 *
 * <p>Exit (DESIGN invariant 7): when the context closes during JVM shutdown, the coordinator's exit
 * bound is armed ({@link DrainCoordinator#haltAfterDrained}, {@link #EXIT_GRACE} after DRAINED); a
 * forced drain stops the web server right away, so that its graceful shutdown does not wait again
 * for the requests the deadline gave up on.
 */
final class DrainLifecycle implements SmartLifecycle, ApplicationListener<ContextClosedEvent> {
  private static final Logger log = LoggerFactory.getLogger(DrainLifecycle.class);

  /**
   * Above the web server's graceful shutdown phase ({@code DEFAULT_PHASE - 1024}) and below the
   * default phase, so the drain runs after ordinary lifecycle beans stop and before the server.
   */
  static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

  /**
   * How long the JVM may take to exit after DRAINED once it is shutting down (DESIGN invariant 7:
   * within 1 s), Spring's later lifecycle phases and other shutdown hooks included.
   */
  static final Duration EXIT_GRACE = Duration.ofMillis(900);

  /** How a drain started by the context's closing is logged. */
  static final String TRIGGER =
      "Spring application context closing (SIGTERM through Spring's shutdown hook, or close())";

  private static final boolean WEB_SERVER_PRESENT =
      ClassUtils.isPresent(
          "org.springframework.boot.web.server.context.WebServerApplicationContext",
          DrainLifecycle.class.getClassLoader());

  private final DrainCoordinator coordinator;
  private final ApplicationContext context;
  private final Duration shutdownPhaseTimeout;
  private final AtomicBoolean listening = new AtomicBoolean();
  private volatile boolean running;

  DrainLifecycle(
      DrainCoordinator coordinator, ApplicationContext context, Duration shutdownPhaseTimeout) {
    this.coordinator = coordinator;
    this.context = context;
    this.shutdownPhaseTimeout = shutdownPhaseTimeout;
  }

  @Override
  public void start() {
    if (listening.compareAndSet(false, true)) {
      coordinator.addListener(new ReadinessPublisher());
      if (shutdownPhaseTimeout.compareTo(coordinator.deadline()) < 0) {
        log.warn(
            "spring.lifecycle.timeout-per-shutdown-phase={} is shorter than drain4j.deadline={}:"
                + " Spring stops waiting for the drain after {} and shuts the web server down with"
                + " requests still in flight; set spring.lifecycle.timeout-per-shutdown-phase to more"
                + " than the deadline",
            shutdownPhaseTimeout,
            coordinator.deadline(),
            shutdownPhaseTimeout);
      }
    }
    running = true;
  }

  @Override
  public void onApplicationEvent(ContextClosedEvent event) {
    // A child context (the management server's) closing is not this application shutting down.
    if (event.getApplicationContext() != context) {
      return;
    }
    // drain4j's own JVM hook is off under Spring, whose hook closes the context: bound the exit
    // from here. Does nothing unless the JVM is shutting down (a close() in a running JVM).
    coordinator.haltAfterDrained(EXIT_GRACE);
    if (coordinator.startDrain(TRIGGER)) {
      log.info(
          "Application context closing: draining (propagation delay {}, deadline {})",
          coordinator.propagationDelay(),
          coordinator.deadline());
    }
  }

  @Override
  public void stop() {
    throw new UnsupportedOperationException("stop(Runnable) must be used");
  }

  @Override
  public void stop(Runnable callback) {
    running = false;
    coordinator.haltAfterDrained(EXIT_GRACE);
    coordinator.startDrain(TRIGGER);
    // Spring waits on the callback, not on the returned stage: the callback must run whatever
    // the outcome, so a failed drain is logged here rather than left in an unobserved future.
    CompletableFuture<?> unused =
        coordinator
            .whenDrained()
            .whenComplete(
                (status, failure) -> {
                  if (failure != null) {
                    log.warn("Drain did not complete normally; letting shutdown go on", failure);
                  } else if (status.forced()) {
                    stopWebServer();
                  }
                  callback.run();
                });
  }

  /**
   * After a forced drain, closes what is left at once: the web server's graceful shutdown (the next
   * phase) would wait again for the requests the deadline gave up on, and its stop for their
   * threads (Tomcat's unload delay, Jetty's stop timeout).
   */
  private void stopWebServer() {
    if (WEB_SERVER_PRESENT) {
      try {
        WebServers.stop(context);
      } catch (Throwable e) {
        // A server that fails to stop must not hold the rest of the shutdown.
        log.warn("Forced drain: could not stop the web server", e);
      }
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }

  @Override
  public boolean isPauseable() {
    // A context stop() without close (pause) must not drain: the drain cannot be undone.
    return false;
  }

  /** Turns readiness to refusing the moment the drain starts, whatever started it. */
  private final class ReadinessPublisher implements DrainListener {
    @Override
    public void onDraining() {
      try {
        AvailabilityChangeEvent.publish(context, ReadinessState.REFUSING_TRAFFIC);
      } catch (RuntimeException e) {
        // The context may be past the point of publishing events; readiness is moot then.
        log.debug("Could not publish ReadinessState.REFUSING_TRAFFIC", e);
      }
    }
  }
}

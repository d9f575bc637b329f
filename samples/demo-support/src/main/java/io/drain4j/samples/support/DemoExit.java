package io.drain4j.samples.support;

import io.drain4j.DrainCoordinator;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;

/**
 * A demo's shutdown hook. drain4j's own hook drains as well; starting the drain here too is
 * idempotent and covers {@code DRAIN4J_SHUTDOWN_HOOK=false}. The hook returns at DRAINED (forced at
 * the deadline at the latest), so the JVM exits then, and it arms the exit bound so that the JVM is
 * gone soon after DRAINED whatever else blocks its exit (DESIGN invariant 7).
 */
public final class DemoExit {
  /** How long the JVM may still run after DRAINED before the exit bound halts it. */
  public static final Duration EXIT_GRACE = Duration.ofMillis(900);

  private final CountDownLatch exiting = new CountDownLatch(1);

  private DemoExit() {}

  /**
   * Installs the hook.
   *
   * @param drain the demo's coordinator; not null
   * @param demo the demo's name, for the hook thread's name and the messages; not null
   * @return the installed hook, whose {@link #awaitExit()} the main thread parks in
   */
  public static DemoExit install(DrainCoordinator drain, String demo) {
    Objects.requireNonNull(drain, "drain");
    Objects.requireNonNull(demo, "demo");
    DemoExit exit = new DemoExit();
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> exit.drainBeforeExit(drain, demo), demo + "-shutdown"));
    return exit;
  }

  /**
   * Parks the calling thread until the JVM begins to exit. A demo's main thread ends here once its
   * server stopped serving: the coordinator stays open, and its status endpoint answers until the
   * process exits, whatever started the drain.
   *
   * @throws InterruptedException when interrupted while waiting
   */
  public void awaitExit() throws InterruptedException {
    exiting.await();
  }

  private void drainBeforeExit(DrainCoordinator drain, String demo) {
    exiting.countDown();
    boolean unused = drain.haltAfterDrained(EXIT_GRACE);
    drain.startDrain();
    try {
      if (!drain.awaitDrained(drain.deadline().plusSeconds(1))) {
        System.err.println(demo + ": not drained by the deadline, exiting anyway");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

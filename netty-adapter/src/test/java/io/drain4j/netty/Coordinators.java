package io.drain4j.netty;

import io.drain4j.DrainCoordinator;
import io.drain4j.InFlight;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Coordinators for tests: status endpoint on any free port, no JVM hook, short timings. */
final class Coordinators {
  private Coordinators() {}

  /** Quiesces soon after the drain starts; the deadline is far enough never to be reached. */
  static DrainCoordinator quick() {
    return create(Duration.ofMillis(200), Duration.ofSeconds(30));
  }

  /** Stays in DRAINING for the whole test. */
  static DrainCoordinator longDraining() {
    return create(Duration.ofSeconds(60), Duration.ofSeconds(120));
  }

  /** Reaches its deadline soon: for what the deadline cuts. */
  static DrainCoordinator shortDeadline() {
    return create(Duration.ofMillis(200), Duration.ofMillis(1500));
  }

  static DrainCoordinator create(Duration propagationDelay, Duration deadline) {
    return DrainCoordinator.builder()
        .statusPort(0)
        .shutdownHook(false)
        .propagationDelay(propagationDelay)
        .deadline(deadline)
        .build();
  }

  /**
   * Waits until QUIESCING began and checks that new inbound requests are refused. The core closes
   * admission before it completes {@code whenQuiescing()}, so the first probe is refused; the loop
   * only bounds the check should that order ever change. The probe adds 1 to {@code
   * rejectedCount()}. Only for tests that hold a unit, so a probe cannot end the drain.
   */
  static void awaitRefusing(DrainCoordinator c) throws Exception {
    c.whenQuiescing().get(10, TimeUnit.SECONDS);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (InFlight probe = c.admitInbound("probe"); probe != null; probe = c.admitInbound("probe")) {
      probe.exit();
      if (System.nanoTime() > end) {
        throw new AssertionError("still admitting 10 s after QUIESCING began");
      }
      Thread.onSpinWait();
    }
  }
}

package io.drain4j.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import io.drain4j.UnitKind;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Bounded waits on a coordinator's in-flight count. */
final class Inflight {

  private static final long MAX_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

  private Inflight() {}

  /**
   * Waits until {@code kind}'s in-flight count is {@code expected}, then asserts it. A client can
   * read a response's last byte before the container returns from the filter chain (Jetty sends a
   * response whose content length is reached at once), so the unit's exit may trail the read by a
   * moment; no coordinator event marks a single exit before DRAINED, hence the bounded poll.
   */
  static void awaitCount(DrainCoordinator drain, UnitKind kind, long expected) {
    long deadline = System.nanoTime() + MAX_WAIT_NANOS;
    while (drain.inflight(kind) != expected && System.nanoTime() - deadline < 0) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    assertThat(drain.inflight(kind)).as("%s units in flight", kind).isEqualTo(expected);
  }
}

package io.drain4j.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

class DrainMetricsTest {

  @Test
  void whenBoundThenGaugesCountersAndTimerFollowTheDrain() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (DrainCoordinator c =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(false)
            .propagationDelay(Duration.ofMillis(1))
            .deadline(Duration.ofSeconds(30))
            .build()) {
      new DrainMetrics(c, Tags.of("app", "test")).bindTo(registry);
      InFlight in = c.admitInbound("GET /a");
      InFlight out = c.enter(UnitKind.OUTBOUND, "call");
      assertThat(registry.get("drain4j.inflight").tag("kind", "inbound").gauge().value())
          .isEqualTo(1);
      assertThat(registry.get("drain4j.inflight").tag("kind", "outbound").gauge().value())
          .isEqualTo(1);
      assertThat(registry.get("drain4j.inflight").tag("kind", "background").gauge().value())
          .isZero();
      assertThat(registry.get("drain4j.state").tag("app", "test").gauge().value()).isZero();

      c.startDrain();
      c.whenQuiescing().get(10, TimeUnit.SECONDS);
      assertThat(registry.get("drain4j.state").gauge().value()).isEqualTo(2);
      assertThat(c.admitInbound("GET /refused")).isNull();
      assertThat(registry.get("drain4j.rejected").functionCounter().count()).isEqualTo(1);

      out.exit();
      in.exit();
      c.whenDrained().get(10, TimeUnit.SECONDS);
      assertThat(registry.get("drain4j.state").gauge().value()).isEqualTo(3);
      awaitRecorded(() -> registry.get("drain4j.drain.duration").timer().count());
      assertThat(registry.get("drain4j.drain.forced").counter().count()).isZero();
    }
  }

  @Test
  void whenDeadlineForcesTheDrainThenTheForcedCounterIsIncremented() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (DrainCoordinator c =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(false)
            .propagationDelay(Duration.ofMillis(1))
            .deadline(Duration.ofMillis(50))
            .build()) {
      new DrainMetrics(c).bindTo(registry);
      c.admitInbound("GET /forever");
      c.startDrain();
      assertThat(c.whenDrained().get(10, TimeUnit.SECONDS).forced()).isTrue();
      awaitRecorded(() -> (long) registry.get("drain4j.drain.forced").counter().count());
      assertThat(registry.get("drain4j.drain.duration").timer().count()).isEqualTo(1);
    }
  }

  /**
   * Waits (bounded) until the DRAINED listener has recorded the drain, once. DRAINED's future does
   * not wait for it when its callback thread starts more than 250 ms late, as one can on a loaded
   * machine.
   */
  private static void awaitRecorded(LongSupplier recorded) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (recorded.getAsLong() == 0 && System.nanoTime() - end < 0) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    assertThat(recorded.getAsLong()).as("drains recorded by the listener").isEqualTo(1);
  }
}

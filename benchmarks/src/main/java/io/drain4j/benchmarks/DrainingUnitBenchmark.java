package io.drain4j.benchmarks;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainDurations;
import io.drain4j.DrainState;
import io.drain4j.InFlight;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of an inbound admission while DRAINING, with and without a quiet period: with one, each
 * admission also notes its time for the quiet period (a clock read and a store to one shared word).
 * The drain is started in the set-up with delays far longer than the run, so every measured
 * admission happens in DRAINING. Run with {@code -t 1} and {@code -t 2}; see docs/benchmarks.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class DrainingUnitBenchmark {
  /** {@code drain4j.quiet-period}: 0s (off) or a period far longer than the run. */
  @Param({"0s", "20h"})
  public String quietPeriod;

  private DrainCoordinator coordinator;

  @Setup(Level.Trial)
  public void setUp() {
    coordinator =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(false)
            .propagationDelay(Duration.ofHours(23))
            .deadline(Duration.ofHours(24))
            .quietPeriod(DrainDurations.parse(quietPeriod))
            .minPropagationDelay(Duration.ZERO)
            .build();
    coordinator.startDrain();
    if (coordinator.state() != DrainState.DRAINING) {
      throw new IllegalStateException("not draining: " + coordinator.state());
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (coordinator.state() != DrainState.DRAINING) {
      throw new IllegalStateException("left DRAINING during the run: " + coordinator.state());
    }
    coordinator.close();
  }

  /** An inbound request admitted while DRAINING, then its exit. */
  @Benchmark
  public InFlight inboundAdmitExitWhileDraining() {
    InFlight unit = coordinator.admitInbound("GET /work");
    unit.exit();
    return unit;
  }
}

package io.drain4j.benchmarks;

import io.drain4j.DrainCoordinator;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of tracking one unit (enter + exit), next to the floor set by the shared counters a
 * tracker cannot do without: an {@link AtomicLong} and a {@link LongAdder} increment/decrement
 * pair, measured in the same run. Run with {@code -t 1}, {@code -t 2}, {@code -t 4} and {@code
 * -prof gc}; see docs/benchmarks.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class UnitBenchmark {
  private DrainCoordinator coordinator;
  private final AtomicLong atomic = new AtomicLong();
  private final LongAdder adder = new LongAdder();

  @Setup(Level.Trial)
  public void setUp() {
    coordinator =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(false)
            .propagationDelay(Duration.ofSeconds(5))
            .deadline(Duration.ofSeconds(25))
            .build();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    coordinator.close();
  }

  /** An inbound request as the adapters track it: admission with the drain policy, then exit. */
  @Benchmark
  public InFlight inboundAdmitExit() {
    InFlight unit = coordinator.admitInbound("GET /work");
    unit.exit();
    return unit;
  }

  /** A background or outbound unit: enter, then exit. */
  @Benchmark
  public InFlight enterExit() {
    InFlight unit = coordinator.enter(UnitKind.OUTBOUND, "GET upstream/work");
    unit.exit();
    return unit;
  }

  /** Floor: one shared atomic counter, incremented and decremented. */
  @Benchmark
  public long atomicLongPair() {
    atomic.incrementAndGet();
    return atomic.decrementAndGet();
  }

  /** Floor: a striped counter, incremented and decremented. */
  @Benchmark
  public void longAdderPair() {
    adder.increment();
    adder.decrement();
  }
}

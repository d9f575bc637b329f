package io.drain4j.micrometer;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainListener;
import io.drain4j.DrainStatus;
import io.drain4j.UnitKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.Objects;

/**
 * Publishes a coordinator's metrics to a Micrometer registry:
 *
 * <ul>
 *   <li>{@code drain4j.inflight{kind=inbound|outbound|background}}: gauge of units in flight;
 *   <li>{@code drain4j.state}: gauge, 0 serving, 1 draining, 2 quiescing, 3 drained;
 *   <li>{@code drain4j.rejected}: counter of requests answered 503 while quiescing;
 *   <li>{@code drain4j.drain.duration}: timer, recorded once when the drain completes;
 *   <li>{@code drain4j.drain.forced}: counter, incremented when the deadline forced the drain.
 * </ul>
 *
 * <p>Micrometer is an optional dependency of drain4j-core; this class is the only one that uses it.
 *
 * <pre>{@code
 * new DrainMetrics(coordinator).bindTo(registry);
 * }</pre>
 */
public final class DrainMetrics implements MeterBinder {
  private final DrainCoordinator coordinator;
  private final Iterable<Tag> tags;

  /**
   * Metrics for a coordinator, with no extra tags.
   *
   * @param coordinator the coordinator to observe; must not be {@code null}
   */
  public DrainMetrics(DrainCoordinator coordinator) {
    this(coordinator, Tags.empty());
  }

  /**
   * Metrics for a coordinator, with tags added to every meter.
   *
   * @param coordinator the coordinator to observe; must not be {@code null}
   * @param tags extra tags, such as the application name; must not be {@code null}
   */
  public DrainMetrics(DrainCoordinator coordinator, Iterable<Tag> tags) {
    this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
    this.tags = Objects.requireNonNull(tags, "tags");
  }

  /**
   * Registers the meters; the drain timer and forced counter are recorded when the drain ends.
   *
   * @param registry the registry; must not be {@code null}
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    for (UnitKind kind : UnitKind.values()) {
      Gauge.builder("drain4j.inflight", coordinator, c -> c.inflight(kind))
          .description("Units of work in flight")
          .tags(tags)
          .tag("kind", kind.tag())
          .register(registry);
    }
    Gauge.builder("drain4j.state", coordinator, c -> c.state().code())
        .description("Drain state: 0 serving, 1 draining, 2 quiescing, 3 drained")
        .tags(tags)
        .register(registry);
    FunctionCounter.builder("drain4j.rejected", coordinator, DrainCoordinator::rejectedCount)
        .description("Inbound requests answered 503 while quiescing")
        .tags(tags)
        .register(registry);
    Timer duration =
        Timer.builder("drain4j.drain.duration")
            .description("Time from the start of the drain to DRAINED")
            .tags(tags)
            .register(registry);
    Counter forced =
        Counter.builder("drain4j.drain.forced")
            .description("Drains ended by the deadline with work still in flight")
            .tags(tags)
            .register(registry);
    coordinator.addListener(
        new DrainListener() {
          @Override
          public void onDrained(DrainStatus status) {
            duration.record(Duration.ofMillis(status.drainElapsedMs()));
            if (status.forced()) {
              forced.increment();
            }
          }
        });
  }
}

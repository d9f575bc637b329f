package io.drain4j.jcstress;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import io.drain4j.DrainStatus;
import io.drain4j.DrainedException;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What every test shares: how a coordinator is built for one sample, how the arbiter waits for the
 * end of its drain, and the codes the outcomes use.
 *
 * <p>jcstress builds one {@code @State} per sample, so every sample pays for a whole coordinator,
 * whose timer is a daemon thread started by {@link io.drain4j.DrainCoordinatorBuilder#build()} and
 * stopped by {@link DrainCoordinator#close()}, which the arbiter calls. Starting and stopping a
 * thread costs far more than the racing code, so these tests gather a few thousand samples a second
 * rather than millions; each sample still runs the whole race. jcstress keeps {@code strideSize x
 * strideCount} states alive at once (10,240 by default, each with its thread), so {@code run.sh}
 * lowers that to 16 x 8.
 */
final class Drains {

  /** Arbiter code: DRAINED was reported, not forced, with nothing in flight. */
  static final int DRAINED = 0;

  /** Arbiter code: DRAINED was reported forced, at the deadline. */
  static final int FORCED = 1;

  /** Arbiter code: DRAINED was reported unforced while units were still in flight. */
  static final int DRAINED_WITH_UNITS_IN_FLIGHT = 2;

  /** Arbiter code: DRAINED was not reported within {@link #DRAIN_WAIT}. */
  static final int NOT_DRAINED = 3;

  /**
   * Far longer than any sample takes (a drain lasts at most until its arbiter runs, at the end of
   * the jcstress epoch, some milliseconds later), so a deadline never forces a drain unless a test
   * asks for it; a unit leaked by a bug still ends the drain, forced, and the outcome tells.
   */
  static final Duration DEADLINE = Duration.ofSeconds(10);

  /**
   * How long the arbiter waits for DRAINED, which the timer thread reports a few microseconds after
   * admission closes. Generous, for a loaded machine; beyond {@link #DEADLINE} so that a leaked
   * unit shows as {@link #FORCED} rather than as a timeout. Below jcstress's own 30 s limit for a
   * test VM to finish its work.
   */
  static final Duration DRAIN_WAIT = Duration.ofSeconds(20);

  private Drains() {}

  /** A coordinator with no status endpoint, no shutdown hook and no propagation delay. */
  static DrainCoordinator newCoordinator() {
    return newCoordinator(DEADLINE);
  }

  /** As {@link #newCoordinator()}, with the given deadline. */
  static DrainCoordinator newCoordinator(Duration deadline) {
    return DrainCoordinator.builder()
        .statusEnabled(false)
        .shutdownHook(false)
        .propagationDelay(Duration.ZERO)
        .deadline(deadline)
        .build();
  }

  /**
   * Whether DRAINED has been reported. The state is the first thing the drain's completion
   * publishes (before the listeners and the future), so this is the earliest sign of it.
   */
  static int drainedReported(DrainCoordinator c) {
    return c.state() == DrainState.DRAINED ? 1 : 0;
  }

  /**
   * Whether admission is open: 1 when a probe unit is admitted (and at once exits again), 0 when it
   * is refused. Refusal means the drain has closed admission and DRAINED is on its way, so a probe
   * made while the caller holds a unit in flight must answer 1.
   */
  static int admissionOpen(DrainCoordinator c) {
    try {
      InFlight probe = c.enter(UnitKind.BACKGROUND, "probe");
      probe.exit();
      return 1;
    } catch (DrainedException e) {
      return 0;
    }
  }

  /**
   * Waits for DRAINED, bounded by {@link #DRAIN_WAIT}, then closes the coordinator, which stops its
   * timer thread.
   *
   * @return {@link #DRAINED}, {@link #FORCED}, {@link #DRAINED_WITH_UNITS_IN_FLIGHT} or {@link
   *     #NOT_DRAINED}
   */
  static int awaitDrainedAndClose(DrainCoordinator c) {
    try {
      DrainStatus status = c.whenDrained().get(DRAIN_WAIT.toNanos(), TimeUnit.NANOSECONDS);
      if (status.forced()) {
        return FORCED;
      }
      return status.inflight() == 0 ? DRAINED : DRAINED_WITH_UNITS_IN_FLIGHT;
    } catch (TimeoutException e) {
      return NOT_DRAINED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return NOT_DRAINED;
    } catch (ExecutionException e) {
      // The coordinator never completes the future exceptionally; if it did, the drain failed.
      return NOT_DRAINED;
    } finally {
      c.close();
    }
  }
}

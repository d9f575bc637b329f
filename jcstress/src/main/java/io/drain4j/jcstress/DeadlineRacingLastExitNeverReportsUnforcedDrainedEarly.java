package io.drain4j.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.drain4j.DrainCoordinator;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import java.time.Duration;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Invariant 2 at the deadline: the drain starts with a deadline of one nanosecond, so its timer
 * thread forces DRAINED at about the moment the actor exits the only unit in flight. Either the
 * exit wins and the drain ends normally, or the deadline wins and DRAINED is {@code forced}; an
 * unforced DRAINED reported before the unit exited is forbidden.
 *
 * <p>r1: 1 when DRAINED had been reported before the unit exited. r2: how the drain ended (see
 * {@link Drains}).
 */
@JCStressTest
@Outcome(
    id = "0, 0",
    expect = ACCEPTABLE,
    desc = "The unit exited first; the drain ended normally.")
@Outcome(
    id = "0, 1",
    expect = ACCEPTABLE_INTERESTING,
    desc = "The deadline closed admission with the unit in flight; DRAINED forced, seen after.")
@Outcome(
    id = "1, 1",
    expect = ACCEPTABLE_INTERESTING,
    desc = "The deadline forced DRAINED before the unit exited.")
@Outcome(
    expect = FORBIDDEN,
    desc = "DRAINED was reported unforced while the unit was in flight, or did not end.")
@State
public class DeadlineRacingLastExitNeverReportsUnforcedDrainedEarly {
  private final DrainCoordinator coordinator = Drains.newCoordinator(Duration.ofNanos(1));
  private final InFlight unit = coordinator.enter(UnitKind.OUTBOUND, "call");

  /** Starts the drain, which arms the deadline on the timer thread. */
  @Actor
  public void trigger() {
    coordinator.startDrain();
  }

  /** Notes whether DRAINED was reported, then exits the unit. */
  @Actor
  public void exit(II_Result r) {
    r.r1 = Drains.drainedReported(coordinator);
    unit.exit();
  }

  /** Waits for the end of the drain. */
  @Arbiter
  public void drainEnds(II_Result r) {
    r.r2 = Drains.awaitDrainedAndClose(coordinator);
  }
}

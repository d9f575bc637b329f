package io.drain4j.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainedException;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Invariant 1, no unit is admitted after DRAINED: while quiescing, with one unit left in flight,
 * one actor enters a new unit as the other exits the last one. {@code enter} admits units of every
 * kind while quiescing, so the race is decided only by the exit driving the count to zero and
 * closing admission.
 *
 * <p>r1: 1 when the late unit was admitted, 0 when it was refused. r2: 1 when DRAINED had been
 * reported by the time {@code enter} returned; an admitted unit that finds DRAINED reported was
 * admitted after DRAINED or is in flight while DRAINED is reported, both forbidden. r3: how the
 * drain ended, seen by the arbiter (see {@link Drains}).
 */
@JCStressTest
@Outcome(
    id = "1, 0, 0",
    expect = ACCEPTABLE,
    desc = "The late unit entered before the last exit; the drain waited for it.")
@Outcome(
    id = "0, 0, 0",
    expect = ACCEPTABLE,
    desc = "The late unit was refused after admission closed; DRAINED not reported yet.")
@Outcome(
    id = "0, 1, 0",
    expect = ACCEPTABLE,
    desc = "The late unit was refused after admission closed; DRAINED already reported.")
@Outcome(
    id = "1, 1, .*",
    expect = FORBIDDEN,
    desc = "A unit was admitted although DRAINED was reported.")
@Outcome(
    expect = FORBIDDEN,
    desc = "The drain was forced, reported units in flight, or did not end.")
@State
public class EnterRacingLastExitIsNeverAdmittedAfterDrained {
  private final DrainCoordinator coordinator = Drains.newCoordinator();
  private final InFlight last = coordinator.enter(UnitKind.BACKGROUND, "last");

  /** Puts the coordinator in QUIESCING with {@link #last} the only unit in flight. */
  public EnterRacingLastExitIsNeverAdmittedAfterDrained() {
    coordinator.startDrain();
  }

  /** Enters a late unit, notes whether DRAINED was already reported, and exits it. */
  @Actor
  public void lateUnit(III_Result r) {
    try {
      InFlight late = coordinator.enter(UnitKind.OUTBOUND, "late");
      r.r1 = 1;
      r.r2 = Drains.drainedReported(coordinator);
      late.exit();
    } catch (DrainedException e) {
      r.r1 = 0;
      r.r2 = Drains.drainedReported(coordinator);
    }
  }

  /** Exits the last unit in flight. */
  @Actor
  public void lastExit() {
    last.exit();
  }

  /** Waits for the end of the drain. */
  @Arbiter
  public void drainEnds(III_Result r) {
    r.r3 = Drains.awaitDrainedAndClose(coordinator);
  }
}

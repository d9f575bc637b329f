package io.drain4j.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.drain4j.DrainCoordinator;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIII_Result;

/**
 * Invariant 2, DRAINED is never reported unforced while a unit is in flight: two units are in
 * flight; one actor starts the drain while the other exits the first unit. The second unit stays in
 * flight until the arbiter, so through both actors admission must stay open and DRAINED unreported,
 * whichever order the drain's "count is zero" check and the exit take.
 *
 * <p>Admission closing is the drain's decision to complete (DRAINED then follows on the timer
 * thread), and it is visible at once: a probe {@code enter} is refused. r1, r2: the probe before
 * and after the exit admitted (1) or refused (0). r3: DRAINED reported after the exit (1) or not
 * (0). r4: DRAINED reported (1) or not (0) when the arbiter starts, the second unit still in
 * flight. r5: how the drain ended once the arbiter exited the second unit (see {@link Drains}).
 */
@JCStressTest
@Outcome(
    id = "1, 1, 0, 0, 0",
    expect = ACCEPTABLE,
    desc = "Admission stayed open while a unit was in flight; the drain ended after the last.")
@Outcome(
    expect = FORBIDDEN,
    desc =
        "Admission closed or DRAINED was reported while a unit was in flight, or the drain"
            + " was forced or did not end.")
@State
public class DrainNeverCompletesWhileUnitInFlight {
  private final DrainCoordinator coordinator = Drains.newCoordinator();
  private final InFlight first = coordinator.enter(UnitKind.INBOUND, "first");
  private final InFlight second = coordinator.enter(UnitKind.BACKGROUND, "second");

  /** Starts the drain, which quiesces at once. */
  @Actor
  public void trigger() {
    coordinator.startDrain();
  }

  /** Exits the first unit, probing admission on either side of the exit. */
  @Actor
  public void exitFirst(IIIII_Result r) {
    r.r1 = Drains.admissionOpen(coordinator);
    first.exit();
    r.r2 = Drains.admissionOpen(coordinator);
    r.r3 = Drains.drainedReported(coordinator);
  }

  /** Checks DRAINED is still unreported, then exits the second unit and waits for the drain. */
  @Arbiter
  public void drainEnds(IIIII_Result r) {
    r.r4 = Drains.drainedReported(coordinator);
    second.exit();
    r.r5 = Drains.awaitDrainedAndClose(coordinator);
  }
}

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
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Invariant 2 across the coordinator's striped counts: while serving, units are counted in
 * per-thread cells, and QUIESCING moves the cells' counts into one word, cell by cell. Here one
 * unit was entered on the state's thread (one cell) and another is entered by an actor on its own
 * thread (another cell), which then exits the first unit while the other actor starts the drain.
 * Whatever the order of the cells' moves and the exit, the second unit keeps the drain open: a
 * partial sum must never read as zero.
 *
 * <p>r1: the probe after the exit admitted (1) or refused (0). r2: DRAINED reported (1) or not (0)
 * when the arbiter starts, the second unit still in flight. r3: how the drain ended once the
 * arbiter exited the second unit (see {@link Drains}).
 */
@JCStressTest
@Outcome(
    id = "1, 0, 0",
    expect = ACCEPTABLE,
    desc = "The unit on the second cell kept the drain open; the drain ended after it.")
@Outcome(
    expect = FORBIDDEN,
    desc =
        "Admission closed or DRAINED was reported with a unit in flight, or the drain was forced.")
@State
public class PartialCountNeverDrainsWithAUnitInFlight {
  private final DrainCoordinator coordinator = Drains.newCoordinator();
  private final InFlight first = coordinator.enter(UnitKind.INBOUND, "first");
  private InFlight second;

  /** Starts the drain, which quiesces (and moves the counts) at once. */
  @Actor
  public void trigger() {
    coordinator.startDrain();
  }

  /** Enters the second unit on this thread's cell, then exits the first one. */
  @Actor
  public void enterSecondExitFirst(III_Result r) {
    second = coordinator.enter(UnitKind.OUTBOUND, "second");
    first.exit();
    r.r1 = Drains.admissionOpen(coordinator);
  }

  /** Checks DRAINED is still unreported, then exits the second unit and waits for the drain. */
  @Arbiter
  public void drainEnds(III_Result r) {
    r.r2 = Drains.drainedReported(coordinator);
    second.exit();
    r.r3 = Drains.awaitDrainedAndClose(coordinator);
  }
}

package io.drain4j.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.drain4j.DrainCoordinator;
import io.drain4j.InFlight;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Invariant 1 on the inbound path: a request arrives as the drain starts. With no propagation delay
 * the drain goes straight to QUIESCING and, with nothing in flight, closes admission and completes;
 * the request's admission increments the same word, so either it gets in first and the drain waits
 * for it, or it is refused.
 *
 * <p>r1: 1 when the request was admitted, 0 when refused (answered 503). r2: 1 when DRAINED had
 * been reported by the time {@code admitInbound} returned. r3: how the drain ended (see {@link
 * Drains}).
 */
@JCStressTest
@Outcome(
    id = "1, 0, 0",
    expect = ACCEPTABLE,
    desc = "The request was admitted before QUIESCING; the drain waited for it.")
@Outcome(
    id = "0, 0, 0",
    expect = ACCEPTABLE,
    desc = "The request was refused; DRAINED not reported yet.")
@Outcome(
    id = "0, 1, 0",
    expect = ACCEPTABLE,
    desc = "The request was refused; DRAINED already reported.")
@Outcome(
    id = "1, 1, .*",
    expect = FORBIDDEN,
    desc = "A request was admitted although DRAINED was reported.")
@Outcome(
    expect = FORBIDDEN,
    desc = "The drain was forced, reported units in flight, or did not end.")
@State
public class InboundRacingDrainStartIsNeverAdmittedAfterDrained {
  private final DrainCoordinator coordinator = Drains.newCoordinator();

  /** Admits a request, notes whether DRAINED was already reported, and ends it. */
  @Actor
  public void request(III_Result r) {
    InFlight request = coordinator.admitInbound("GET /");
    if (request != null) {
      r.r1 = 1;
      r.r2 = Drains.drainedReported(coordinator);
      request.exit();
    } else {
      r.r1 = 0;
      r.r2 = Drains.drainedReported(coordinator);
    }
  }

  /** Starts the drain. */
  @Actor
  public void trigger() {
    coordinator.startDrain();
  }

  /** Waits for the end of the drain. */
  @Arbiter
  public void drainEnds(III_Result r) {
    r.r3 = Drains.awaitDrainedAndClose(coordinator);
  }
}

package io.drain4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code drain4j.quiet-period} and {@code drain4j.min-propagation-delay}, on an injected clock:
 * DRAINING ends once no new inbound request arrived for the quiet period, never before the minimum
 * delay and never after the propagation delay.
 */
class QuietPeriodTest {
  private static final Duration PROPAGATION = Duration.ofSeconds(5);

  private final ManualTimer timer = new ManualTimer();
  private DrainCoordinator coordinator;

  private DrainCoordinator coordinator(Duration quiet, Duration min) {
    coordinator =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(false)
            .propagationDelay(PROPAGATION)
            .deadline(Duration.ofSeconds(25))
            .quietPeriod(quiet)
            .minPropagationDelay(min)
            .timer(timer)
            .build();
    return coordinator;
  }

  /** Quiet period 1 s, minimum 2 s, propagation delay 5 s. */
  private DrainCoordinator coordinator() {
    return coordinator(Duration.ofSeconds(1), Duration.ofSeconds(2));
  }

  @AfterEach
  void close() {
    if (coordinator != null) {
      coordinator.close();
    }
  }

  private void advance(long millis) {
    timer.advance(Duration.ofMillis(millis));
  }

  private static void serve(DrainCoordinator c, String name) {
    InFlight unit = c.admitInbound(name);
    assertThat(unit).as("%s admitted", name).isNotNull();
    unit.exit();
  }

  @Test
  void whenNoRequestArrivesThenQuiescingBeginsAtTheMinimumDelayNotBefore() {
    DrainCoordinator c = coordinator();
    c.startDrain();
    advance(1999);
    assertThat(c.state())
        .as("quiet for 1.999 s, but the minimum is 2 s")
        .isEqualTo(DrainState.DRAINING);
    advance(1);
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
    assertThat(c.status().drainElapsedMs()).isEqualTo(2000);
    assertThat(timer.pending()).as("the propagation delay's task is cancelled").isZero();
  }

  @Test
  void whenRequestsArriveAroundTheMinimumDelayThenQuiescingBeginsOneQuietPeriodAfterTheLast() {
    DrainCoordinator c = coordinator();
    c.startDrain();
    advance(1500);
    serve(c, "GET /before-the-minimum");
    advance(500);
    assertThat(c.state()).as("2 s: quiet for only 0.5 s").isEqualTo(DrainState.DRAINING);
    advance(300);
    serve(c, "GET /after-the-minimum");
    advance(999);
    assertThat(c.state()).as("3.299 s").isEqualTo(DrainState.DRAINING);
    timer.advance(Duration.ofMillis(1).minusNanos(1));
    assertThat(c.state())
        .as("one nanosecond short of the quiet period")
        .isEqualTo(DrainState.DRAINING);
    timer.advance(Duration.ofNanos(1));
    assertThat(c.state())
        .as("exactly one quiet period after the last request")
        .isEqualTo(DrainState.DRAINED);
    assertThat(c.status().drainElapsedMs()).isEqualTo(3300);
  }

  @Test
  void whenRequestsKeepArrivingThenTheFullPropagationDelayIsUsed() {
    DrainCoordinator c = coordinator();
    c.startDrain();
    for (int i = 0; i < 9; i++) {
      advance(500);
      serve(c, "GET /steady");
    }
    advance(499);
    assertThat(c.state())
        .as("4.999 s, the last request 0.499 s ago")
        .isEqualTo(DrainState.DRAINING);
    assertThat(timer.pending())
        .as("no quiet check left to run: the propagation delay ends DRAINING first")
        .isEqualTo(2); // the propagation delay and the deadline
    advance(1);
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
    assertThat(c.status().drainElapsedMs()).isEqualTo(5000);
  }

  @Test
  void whenRequestsStopThenQuiescingBeginsOneQuietPeriodAfterTheLastOne() {
    DrainCoordinator c = coordinator();
    c.startDrain();
    for (int i = 0; i < 5; i++) {
      advance(500);
      serve(c, "GET /tail");
    }
    advance(999);
    assertThat(c.state()).as("3.499 s").isEqualTo(DrainState.DRAINING);
    advance(1);
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
    assertThat(c.status().drainElapsedMs()).isEqualTo(3500);
  }

  @Test
  void whenTheQuietPeriodIsLongerThanThePropagationDelayThenThePropagationDelayEndsDraining() {
    DrainCoordinator c = coordinator(Duration.ofSeconds(10), Duration.ofSeconds(2));
    c.startDrain();
    assertThat(timer.pending())
        .as("no quiet check: it could never come before the propagation delay")
        .isEqualTo(2);
    advance(4999);
    assertThat(c.state()).isEqualTo(DrainState.DRAINING);
    advance(1);
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
    assertThat(c.status().drainElapsedMs()).isEqualTo(5000);
  }

  @Test
  void whenTheQuietPeriodIsOffThenDrainingLastsThePropagationDelayAsBefore() {
    DrainCoordinator c = coordinator(Duration.ZERO, Duration.ofSeconds(2));
    c.startDrain();
    assertThat(timer.pending()).as("the propagation delay and the deadline only").isEqualTo(2);
    advance(4999);
    assertThat(c.state()).as("silent for 4.999 s, still DRAINING").isEqualTo(DrainState.DRAINING);
    serve(c, "GET /still-served");
    advance(1);
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
    assertThat(c.status().drainElapsedMs()).isEqualTo(5000);
  }

  @Test
  void
      whenARequestArrivesAtTheVeryMomentTheQuietPeriodEndsThenItIsServedAndTheQuietPeriodRestarts() {
    DrainCoordinator c = coordinator();
    c.startDrain();
    // 2 s after the start: the quiet check falls due, but the request is admitted first.
    timer.advanceClockOnly(Duration.ofSeconds(2));
    InFlight boundary = c.admitInbound("GET /boundary");
    assertThat(boundary).isNotNull();
    timer.advance(Duration.ZERO); // the check runs now, at the same nanosecond
    assertThat(c.state())
        .as("the request restarted the quiet period")
        .isEqualTo(DrainState.DRAINING);
    advance(999);
    assertThat(c.state()).isEqualTo(DrainState.DRAINING);
    advance(1);
    assertThat(c.state()).as("quiet for 1 s after it").isEqualTo(DrainState.QUIESCING);
    assertThat(c.admitInbound("GET /after")).isNull();
    boundary.exit();
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
    assertThat(c.status().drainElapsedMs()).isEqualTo(3000);
  }

  @Test
  void whenTheQuietPeriodEndsDrainingThenWorkInFlightRunsOnAndNewRequestsAreRefused() {
    DrainCoordinator c = coordinator();
    InFlight held = c.admitInbound("GET /long");
    c.startDrain();
    advance(2000);
    assertThat(c.state()).isEqualTo(DrainState.QUIESCING);
    assertThat(c.whenQuiescing()).succeedsWithin(Duration.ofSeconds(10));
    assertThat(c.admitInbound("GET /new")).isNull();
    assertThat(c.rejectedCount()).isEqualTo(1);
    assertThat(timer.pending()).as("only the deadline is left").isEqualTo(1);
    advance(10_000);
    assertThat(c.state()).isEqualTo(DrainState.QUIESCING);
    held.exit();
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
    assertThat(c.whenDrained().join().forced()).isFalse();
    assertThat(timer.pending()).isZero();
  }

  @Test
  void whenOutboundCallsAndBackgroundTasksStartThenTheyDoNotHoldDrainingOpen() {
    DrainCoordinator c = coordinator();
    c.startDrain();
    advance(1500);
    InFlight call = c.enter(UnitKind.OUTBOUND, "GET upstream");
    InFlight job = c.enter(UnitKind.BACKGROUND, "job");
    advance(500);
    assertThat(c.state()).isEqualTo(DrainState.QUIESCING);
    call.exit();
    job.exit();
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
  }

  @Test
  void whenAnInboundUnitIsEnteredDirectlyThenItCountsAsAnArrivalToo() {
    DrainCoordinator c = coordinator();
    c.startDrain();
    advance(1500);
    c.enter(UnitKind.INBOUND, "record").exit();
    advance(500);
    assertThat(c.state()).isEqualTo(DrainState.DRAINING);
    advance(500);
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
  }

  @Test
  void whenTheMinimumDelayIsZeroThenTheQuietPeriodAloneEndsDraining() {
    DrainCoordinator c = coordinator(Duration.ofMillis(300), Duration.ZERO);
    c.startDrain();
    advance(299);
    assertThat(c.state()).isEqualTo(DrainState.DRAINING);
    advance(1);
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
  }

  @Test
  void whenTheDrainStartsAgainAfterDrainedThenNothingIsScheduledAndItStaysDrained() {
    DrainCoordinator c = coordinator();
    c.startDrain();
    advance(2000);
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
    assertThat(c.startDrain()).isFalse();
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
    assertThat(timer.pending()).isZero();
    assertThat(c.status().drainElapsedMs()).isEqualTo(2000);
  }

  @Test
  void whenTheDrainStartsTwiceWhileDrainingThenOneQuietCheckIsScheduled() {
    DrainCoordinator c = coordinator();
    c.startDrain();
    int once = timer.pending();
    advance(1000);
    assertThat(c.startDrain()).isFalse();
    assertThat(timer.pending()).isEqualTo(once);
    advance(1000);
    assertThat(c.state()).as("2 s after the first start").isEqualTo(DrainState.DRAINED);
  }

  @Test
  void whenClosedWhileServingThenTheQuietPeriodPlaysNoPart() {
    DrainCoordinator c = coordinator();
    c.close();
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
    assertThat(timer.pending()).isZero();
  }
}

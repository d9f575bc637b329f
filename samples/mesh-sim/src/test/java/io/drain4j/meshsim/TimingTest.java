package io.drain4j.meshsim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimingTest {

  private final Timing standard = Timing.standard();

  @Test
  void whenStandardTimingIsValidatedThenEveryRelationHolds() {
    assertThat(standard.validate()).isSameAs(standard);
    assertThat(standard.gracePeriod()).isEqualTo(Duration.ofSeconds(30));
    assertThat(standard.istioDrain()).isEqualTo(Duration.ofSeconds(5));
    assertThat(standard.longestRequest()).isEqualTo(Duration.ofSeconds(12));
  }

  @Test
  void whenQuickThenEveryDurationIsHalvedAndTheTimingStaysValid() {
    Timing quick = standard.scaled(Timing.QUICK_SCALE).validate();

    assertThat(quick.scale()).isEqualTo(0.5);
    assertThat(quick.gracePeriod()).isEqualTo(Duration.ofSeconds(15));
    assertThat(quick.raisedDrain()).isEqualTo(Duration.ofSeconds(7));
    assertThat(quick.endpointLag()).isEqualTo(Duration.ofSeconds(2));
    assertThat(quick.appDeadline()).isEqualTo(Duration.ofSeconds(10));
    for (int i = 0; i < standard.longRequests().size(); i++) {
      Timing.Shot full = standard.longRequests().get(i);
      Timing.Shot half = quick.longRequests().get(i);
      assertThat(half.endpoint()).isEqualTo(full.endpoint());
      assertThat(half.at().toMillis() * 2).isEqualTo(full.at().toMillis());
      assertThat(half.length().toMillis() * 2).isEqualTo(full.length().toMillis());
    }
  }

  @Test
  void whenScaledThenTheRatiosBetweenDrainsLagAndRequestsAreKept() {
    Timing quick = standard.scaled(Timing.QUICK_SCALE);

    assertThat(ratio(quick.raisedDrain(), quick.istioDrain()))
        .isEqualTo(ratio(standard.raisedDrain(), standard.istioDrain()));
    assertThat(ratio(quick.lastRequestEnd(), quick.gracePeriod()))
        .isEqualTo(ratio(standard.lastRequestEnd(), standard.gracePeriod()));
    assertThat(ratio(quick.endpointLag(), quick.appPropagationDelay()))
        .isEqualTo(ratio(standard.endpointLag(), standard.appPropagationDelay()));
  }

  @Test
  void whenTheStandardWorkloadMeetsEachBaselineCutOffThenItLosesTheExpectedRequests() {
    // The outcome each baseline scenario must show, computed from the schedule alone: the long
    // requests (jobs aside, answered at once) still running when the sidecar is killed.
    assertThat(cutBy(standard, Scenario.ISTIO_DEFAULT)).isEqualTo(12);
    assertThat(cutBy(standard, Scenario.LONG_DRAIN)).isEqualTo(3);
    assertThat(cutBy(standard, Scenario.NETSTAT_NO_AGENT)).isEqualTo(6);
    Timing quick = standard.scaled(Timing.QUICK_SCALE);
    assertThat(cutBy(quick, Scenario.ISTIO_DEFAULT)).isEqualTo(12);
    assertThat(cutBy(quick, Scenario.LONG_DRAIN)).isEqualTo(3);
    assertThat(cutBy(quick, Scenario.NETSTAT_NO_AGENT)).isEqualTo(6);
  }

  @Test
  void whenTheDrain4jScenarioRunsThenEveryRequestEndsBeforeTheDeadlineAndTheGracePeriod() {
    for (Timing t : List.of(standard, standard.scaled(Timing.QUICK_SCALE))) {
      assertThat(t.lastRequestEnd()).isLessThan(t.appDeadline());
      assertThat(t.appDeadline().plus(t.istioDrain())).isLessThan(t.gracePeriod());
    }
  }

  @Test
  void whenTheQuietRowsAreTimedThenTheQuietPeriodAndMinimumScaleAndStayBelowThePropagationDelay() {
    Timing quick = standard.scaled(Timing.QUICK_SCALE);

    assertThat(standard.quietPeriod()).isEqualTo(Duration.ofSeconds(1));
    assertThat(standard.minPropagationDelay()).isEqualTo(Duration.ofSeconds(2));
    assertThat(quick.quietPeriod()).isEqualTo(Duration.ofMillis(500));
    assertThat(quick.minPropagationDelay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(quick.minPropagationDelay()).isLessThan(quick.appPropagationDelay());
    assertThat(Timing.NODE_PROXY_LAG).isBetween(Duration.ofMillis(200), Duration.ofMillis(500));
  }

  @Test
  void whenTheApplicationExitsBeforeTheEndpointRemovalThenOnlyAmbientClientsStopEarly() {
    Duration exit = Duration.ofMillis(400);

    assertThat(standard.lastNewRequest(Scenario.Mode.AMBIENT, exit))
        .isEqualTo(Duration.ofMillis(750));
    assertThat(standard.lastNewRequest(Scenario.Mode.NATIVE, exit))
        .isEqualTo(standard.endpointLag());
    assertThat(standard.lastNewRequest(Scenario.Mode.CLASSIC, exit))
        .isEqualTo(standard.endpointLag());
  }

  @Test
  void whenTheApplicationOutlivesTheEndpointRemovalOrStillRunsThenTheRemovalDecides() {
    assertThat(standard.lastNewRequest(Scenario.Mode.AMBIENT, Duration.ofSeconds(15)))
        .isEqualTo(standard.endpointLag());
    assertThat(standard.lastNewRequest(Scenario.Mode.AMBIENT, null))
        .isEqualTo(standard.endpointLag());
  }

  @Test
  void whenTheMinimumPropagationDelayReachesThePropagationDelayThenValidationNamesIt() {
    Timing bad =
        standard(standard.raisedDrain(), standard.endpointLag(), standard.appPropagationDelay());

    assertThatThrownBy(bad::validate).hasMessageContaining("minimum propagation delay");
  }

  @Test
  void whenAScaleLeavesARequestEndingAtACutOffThenValidationRefusesIt() {
    Timing tiny = standard.scaled(0.2);

    assertThatThrownBy(tiny::validate)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("too small for a clear outcome");
  }

  @Test
  void whenTheScaleIsOutOfRangeThenItIsRejected() {
    assertThatThrownBy(() -> standard.scaled(0.05)).hasMessageContaining("0.1 to 4");
    assertThatThrownBy(() -> standard.scaled(Double.NaN)).hasMessageContaining("0.1 to 4");
  }

  @Test
  void whenTheEndpointLagReachesThePropagationDelayThenValidationNamesIt() {
    Timing bad =
        standard(
            standard.raisedDrain(), standard.appPropagationDelay(), standard.minPropagationDelay());

    assertThatThrownBy(bad::validate).hasMessageContaining("endpoint lag");
  }

  @Test
  void whenScenarioTwoDrainIsNotAboveTheLongestRequestThenValidationNamesIt() {
    Timing bad =
        standard(Duration.ofSeconds(11), standard.endpointLag(), standard.minPropagationDelay());

    assertThatThrownBy(bad::validate).hasMessageContaining("raised above the longest request");
  }

  private static long cutBy(Timing timing, Scenario scenario) {
    Timing.Cutoff cut =
        timing.cutoffs().stream().filter(c -> c.scenario() == scenario).findFirst().orElseThrow();
    return timing.longRequests().stream()
        .filter(s -> s.endpoint() != Endpoint.JOB)
        .filter(s -> s.end().compareTo(cut.from()) > 0)
        .count();
  }

  private static double ratio(Duration a, Duration b) {
    return Math.round(1000.0 * a.toMillis() / b.toMillis()) / 1000.0;
  }

  /** The standard timing with a raised drain, an endpoint lag and a minimum propagation delay. */
  private Timing standard(Duration raisedDrain, Duration lag, Duration minPropagation) {
    return new Timing(
        1,
        standard.gracePeriod(),
        standard.graceExtension(),
        standard.istioDrain(),
        raisedDrain,
        lag,
        standard.appPropagationDelay(),
        standard.appDeadline(),
        standard.quietPeriod(),
        minPropagation,
        standard.warmup(),
        standard.shortLength(),
        standard.shortPause(),
        standard.shortClients(),
        standard.longRequests());
  }
}

package io.drain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The keys {@code drain4j.quiet-period}, {@code drain4j.min-propagation-delay} and {@code
 * drain4j.termination-grace-period}: defaults, every source, and the errors for bad values.
 */
class QuietPeriodConfigurationTest {

  private static DrainCoordinatorBuilder quietBuilder() {
    return DrainCoordinator.builder().statusEnabled(false).shutdownHook(false);
  }

  @Test
  void whenNothingIsConfiguredThenTheQuietPeriodIsOffTheMinimumIsTwoSecondsAndNoGracePeriodIsSet() {
    DrainCoordinatorBuilder b = DrainCoordinator.builder();
    assertThat(b.quietPeriod).isZero();
    assertThat(b.minPropagationDelay).isEqualTo(Duration.ofSeconds(2));
    assertThat(b.terminationGracePeriod).isNull();
  }

  @Test
  void whenTheEnvironmentSetsTheNewKeysThenTheyAreAppliedAndSystemPropertiesWin() {
    Map<String, String> env =
        Map.of(
            "DRAIN4J_QUIET_PERIOD", "1s",
            "DRAIN4J_MIN_PROPAGATION_DELAY", "500ms",
            "DRAIN4J_TERMINATION_GRACE_PERIOD", "40s");
    Map<String, String> props = Map.of("drain4j.quiet-period", "PT0.75S");
    DrainCoordinatorBuilder b = DrainCoordinator.builder().configureFrom(env::get, props::get);
    assertThat(b.quietPeriod).isEqualTo(Duration.ofMillis(750));
    assertThat(b.minPropagationDelay).isEqualTo(Duration.ofMillis(500));
    assertThat(b.terminationGracePeriod).isEqualTo(Duration.ofSeconds(40));
  }

  @Test
  void whenAMapSetsTheNewKeysThenTheyAreAccepted() {
    DrainCoordinatorBuilder b =
        DrainCoordinator.builder()
            .configure(
                Map.of(
                    "drain4j.quiet-period", "2s",
                    "drain4j.min-propagation-delay", "0ms",
                    "drain4j.termination-grace-period", "1m"));
    assertThat(b.quietPeriod).isEqualTo(Duration.ofSeconds(2));
    assertThat(b.minPropagationDelay).isZero();
    assertThat(b.terminationGracePeriod).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void whenTheMinimumIsLargerThanThePropagationDelayWithAQuietPeriodThenBuildFailsNamingBoth() {
    assertThatThrownBy(
            () ->
                quietBuilder()
                    .propagationDelay(Duration.ofSeconds(1))
                    .quietPeriod(Duration.ofMillis(500))
                    .build())
        .isInstanceOf(DrainConfigException.class)
        .hasMessage(
            "drain4j.min-propagation-delay=2s must not be larger than drain4j.propagation-delay=1s"
                + " when drain4j.quiet-period=500ms is set; accepted: 0s to 1s (default 2s)")
        .extracting(e -> ((DrainConfigException) e).key())
        .isEqualTo("drain4j.min-propagation-delay");
  }

  @Test
  void whenTheMinimumIsLargerThanThePropagationDelayWithoutAQuietPeriodThenItIsIgnored() {
    try (DrainCoordinator c =
        quietBuilder()
            .propagationDelay(Duration.ofSeconds(1))
            .minPropagationDelay(Duration.ofSeconds(3))
            .build()) {
      assertThat(c.propagationDelay()).isEqualTo(Duration.ofSeconds(1));
    }
  }

  @Test
  void whenTheMinimumEqualsThePropagationDelayThenItIsAccepted() {
    try (DrainCoordinator c =
        quietBuilder()
            .propagationDelay(Duration.ofSeconds(2))
            .quietPeriod(Duration.ofMillis(500))
            .build()) {
      assertThat(c.state()).isEqualTo(DrainState.SERVING);
    }
  }

  @Test
  void whenANewDurationIsNegativeOrTooLongThenTheErrorNamesKeyValueAndAcceptedForms() {
    DrainCoordinatorBuilder b = DrainCoordinator.builder();
    assertThatThrownBy(() -> b.quietPeriod(Duration.ofSeconds(-1)))
        .isInstanceOf(DrainConfigException.class)
        .hasMessage(
            "drain4j.quiet-period=-1s is not a duration of zero or more; accepted: "
                + DrainDurations.FORMS);
    assertThatThrownBy(() -> b.minPropagationDelay(Duration.ofMillis(-1)))
        .hasMessageContaining("drain4j.min-propagation-delay=-1ms is not a duration of zero");
    assertThatThrownBy(() -> b.quietPeriod(Duration.ofHours(25)))
        .hasMessageContaining(
            "drain4j.quiet-period=PT25H is too long to schedule; accepted: at most 24h");
    assertThatThrownBy(() -> b.minPropagationDelay(Duration.ofHours(25)))
        .hasMessageContaining("drain4j.min-propagation-delay=PT25H is too long to schedule");
    assertThatThrownBy(() -> b.terminationGracePeriod(Duration.ZERO))
        .hasMessageContaining("drain4j.termination-grace-period=0ms is not a positive duration");
    assertThatThrownBy(() -> b.terminationGracePeriod(Duration.ofHours(25)))
        .hasMessageContaining("drain4j.termination-grace-period=PT25H is too long to schedule");
    assertThatThrownBy(() -> b.quietPeriod(null)).hasMessageContaining("drain4j.quiet-period=null");
    assertThat(b.terminationGracePeriod(null).terminationGracePeriod).as("null unsets").isNull();
  }

  @Test
  void whenAnEnvironmentValueIsBadThenTheErrorNamesTheVariable() {
    Map<String, String> env = Map.of("DRAIN4J_QUIET_PERIOD", "1 second");
    assertThatThrownBy(() -> DrainCoordinator.builder().configureFrom(env::get, k -> null))
        .isInstanceOf(DrainConfigException.class)
        .hasMessage(
            "DRAIN4J_QUIET_PERIOD=1 second is not a duration; accepted: " + DrainDurations.FORMS);
    Map<String, String> negative = Map.of("DRAIN4J_MIN_PROPAGATION_DELAY", "PT-1S");
    assertThatThrownBy(() -> DrainCoordinator.builder().configureFrom(negative::get, k -> null))
        .hasMessageContaining(
            "DRAIN4J_MIN_PROPAGATION_DELAY=-1s is not a duration of zero or more");
    Map<String, String> zero = Map.of("DRAIN4J_TERMINATION_GRACE_PERIOD", "0s");
    assertThatThrownBy(() -> DrainCoordinator.builder().configureFrom(zero::get, k -> null))
        .hasMessageContaining("DRAIN4J_TERMINATION_GRACE_PERIOD=0ms is not a positive duration");
  }

  @Test
  void whenKeysAreTranslatedThenTheEnvironmentNamesMatchTheContract() {
    assertThat(Settings.envName(Settings.QUIET_PERIOD)).isEqualTo("DRAIN4J_QUIET_PERIOD");
    assertThat(Settings.envName(Settings.MIN_PROPAGATION_DELAY))
        .isEqualTo("DRAIN4J_MIN_PROPAGATION_DELAY");
    assertThat(Settings.envName(Settings.TERMINATION_GRACE_PERIOD))
        .isEqualTo("DRAIN4J_TERMINATION_GRACE_PERIOD");
  }
}

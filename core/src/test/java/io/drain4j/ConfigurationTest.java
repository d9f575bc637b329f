package io.drain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigurationTest {

  @ParameterizedTest
  @CsvSource({
    "250ms,250",
    "5s,5000",
    "2m,120000",
    "1h,3600000",
    "PT5S,5000",
    "pt0.5s,500",
    " 7s ,7000",
    "0ms,0"
  })
  void whenDurationIsInAnAcceptedFormThenItParses(String text, long millis) {
    assertThat(Settings.parseDuration("drain4j.deadline", text))
        .isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "5", "abc", "5 s", "-5s", "5sec", "P", "PTXS", "1.5s", "5S"})
  void whenDurationIsMalformedThenTheErrorNamesKeyValueAndAcceptedForms(String text) {
    assertThatThrownBy(() -> Settings.parseDuration("drain4j.deadline", text))
        .isInstanceOf(DrainConfigException.class)
        .hasMessageContaining("drain4j.deadline=" + text)
        .hasMessageContaining("250ms, 5s, 2m, 1h or ISO-8601");
  }

  @Test
  void whenEnvironmentVariablesAreSetThenTheyAreAppliedAndSystemPropertiesWin() {
    Map<String, String> env =
        Map.of(
            "DRAIN4J_PROPAGATION_DELAY", "1s",
            "DRAIN4J_DEADLINE", "9s",
            "DRAIN4J_STATUS_ENABLED", "false",
            "DRAIN4J_STATUS_ADDRESS", "0.0.0.0",
            "DRAIN4J_STATUS_PORT", "9500",
            "DRAIN4J_SHUTDOWN_HOOK", "FALSE",
            "DRAIN4J_OUTBOUND_CLOSE_TIMEOUT", "300ms");
    Map<String, String> props = Map.of("drain4j.deadline", "PT12S");
    DrainCoordinatorBuilder b = DrainCoordinator.builder().configureFrom(env::get, props::get);
    assertThat(b.propagationDelay).isEqualTo(Duration.ofSeconds(1));
    assertThat(b.deadline).isEqualTo(Duration.ofSeconds(12));
    assertThat(b.statusEnabled).isFalse();
    assertThat(b.statusAddress).isEqualTo("0.0.0.0");
    assertThat(b.statusPort).isEqualTo(9500);
    assertThat(b.shutdownHook).isFalse();
    assertThat(b.outboundCloseTimeout).isEqualTo(Duration.ofMillis(300));
  }

  @Test
  void whenEnvironmentValueIsBadThenTheErrorNamesTheVariable() {
    Map<String, String> env = Map.of("DRAIN4J_STATUS_PORT", "70000");
    assertThatThrownBy(() -> DrainCoordinator.builder().configureFrom(env::get, k -> null))
        .isInstanceOf(DrainConfigException.class)
        .hasMessage("DRAIN4J_STATUS_PORT=70000 is not a port; accepted: 0 (any free port) to 65535")
        .extracting(e -> ((DrainConfigException) e).key())
        .isEqualTo("DRAIN4J_STATUS_PORT");
  }

  @Test
  void whenBooleanIsNotTrueOrFalseThenItIsRejected() {
    assertThatThrownBy(
            () -> DrainCoordinator.builder().configure(Map.of("drain4j.shutdown-hook", "yes")))
        .hasMessage("drain4j.shutdown-hook=yes is not a boolean; accepted: true or false");
  }

  @Test
  void whenMapHasAnUnknownDrain4jKeyThenItIsRejectedAsATypo() {
    assertThatThrownBy(() -> DrainCoordinator.builder().configure(Map.of("drain4j.dedline", "5s")))
        .isInstanceOf(DrainConfigException.class)
        .hasMessageContaining("drain4j.dedline=5s is not a drain4j setting")
        .hasMessageContaining("drain4j.deadline");
  }

  @Test
  void whenMapHasOtherKeysThenTheyAreIgnored() {
    DrainCoordinatorBuilder b =
        DrainCoordinator.builder()
            .configure(Map.of("server.port", "8080", "drain4j.status.port", "0"));
    assertThat(b.statusPort).isZero();
  }

  @Test
  void whenDeadlineIsNotLargerThanPropagationDelayThenBuildFails() {
    assertThatThrownBy(
            () ->
                DrainCoordinator.builder()
                    .statusEnabled(false)
                    .shutdownHook(false)
                    .propagationDelay(Duration.ofSeconds(5))
                    .deadline(Duration.ofSeconds(5))
                    .build())
        .isInstanceOf(DrainConfigException.class)
        .hasMessage(
            "drain4j.deadline=5s must be larger than drain4j.propagation-delay=5s:"
                + " the drain must outlive the propagation delay");
  }

  @Test
  void whenBuilderArgumentIsOutOfRangeThenItFailsAtOnceNamingTheKey() {
    DrainCoordinatorBuilder b = DrainCoordinator.builder();
    assertThatThrownBy(() -> b.propagationDelay(Duration.ofSeconds(-1)))
        .hasMessageContaining("drain4j.propagation-delay=-1s");
    assertThatThrownBy(() -> b.deadline(Duration.ZERO))
        .hasMessageContaining("drain4j.deadline=0ms is not a positive duration");
    assertThatThrownBy(() -> b.deadline(null)).hasMessageContaining("drain4j.deadline=null");
    assertThatThrownBy(() -> b.statusPort(-1)).hasMessageContaining("drain4j.status.port=-1");
    assertThatThrownBy(() -> b.statusAddress(" ")).hasMessageContaining("drain4j.status.address");
    assertThatThrownBy(() -> b.outboundCloseTimeout(Duration.ZERO))
        .hasMessageContaining("drain4j.outbound-close-timeout");
  }

  @Test
  void whenNothingIsConfiguredThenTheDefaultsOfTheContractApply() {
    DrainCoordinatorBuilder b = DrainCoordinator.builder();
    assertThat(b.propagationDelay).isEqualTo(Duration.ofSeconds(5));
    assertThat(b.deadline).isEqualTo(Duration.ofSeconds(25));
    assertThat(b.statusEnabled).isTrue();
    assertThat(b.statusAddress).isEqualTo("127.0.0.1");
    assertThat(b.statusPort).isEqualTo(9401);
    assertThat(b.shutdownHook).isTrue();
  }

  @Test
  void whenKeyIsTranslatedThenEnvironmentNamesMatchTheContract() {
    assertThat(Settings.envName("drain4j.propagation-delay"))
        .isEqualTo("DRAIN4J_PROPAGATION_DELAY");
    assertThat(Settings.envName("drain4j.status.enabled")).isEqualTo("DRAIN4J_STATUS_ENABLED");
  }
}

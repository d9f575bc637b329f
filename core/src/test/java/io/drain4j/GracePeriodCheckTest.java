package io.drain4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code drain4j.termination-grace-period}: one WARN at start-up when propagation delay + deadline
 * + 2 s exceeds the pod's grace period, naming the three values.
 */
class GracePeriodCheckTest {

  @Test
  void whenTheBudgetExceedsTheGracePeriodThenTheWarningNamesTheThreeValues() {
    assertThat(
            DefaultDrainCoordinator.graceBudgetWarning(
                Duration.ofSeconds(5), Duration.ofSeconds(25), Duration.ofSeconds(30)))
        .isEqualTo(
            "drain4j: drain4j.propagation-delay=5s + drain4j.deadline=25s + 2s = 32s exceeds"
                + " drain4j.termination-grace-period=30s: the pod may be killed before its drain"
                + " ends; raise the pod's terminationGracePeriodSeconds or lower the deadline");
  }

  @Test
  void whenTheBudgetFitsExactlyOrNoGracePeriodIsSetThenThereIsNoWarning() {
    assertThat(
            DefaultDrainCoordinator.graceBudgetWarning(
                Duration.ofSeconds(5), Duration.ofSeconds(25), Duration.ofSeconds(32)))
        .isNull();
    assertThat(
            DefaultDrainCoordinator.graceBudgetWarning(
                Duration.ofSeconds(5), Duration.ofSeconds(25), Duration.ofSeconds(40)))
        .isNull();
    assertThat(
            DefaultDrainCoordinator.graceBudgetWarning(
                Duration.ofSeconds(5), Duration.ofSeconds(25), null))
        .isNull();
  }

  @Test
  void whenTheBudgetIsOneMillisecondOverThenItWarns() {
    assertThat(
            DefaultDrainCoordinator.graceBudgetWarning(
                Duration.ofMillis(5001), Duration.ofSeconds(25), Duration.ofSeconds(32)))
        .contains("= 32001ms exceeds drain4j.termination-grace-period=32s");
  }

  /** The pod spec passes its grace period in through the environment; the child logs with SLF4J. */
  @Test
  void whenAnApplicationStartsWithATooShortGracePeriodThenItLogsOneWarningAtStartUp()
      throws Exception {
    List<String> output = startAndCollectOutput(Map.of("DRAIN4J_TERMINATION_GRACE_PERIOD", "30s"));
    assertThat(output.stream().filter(l -> l.contains("WARN")).toList())
        .as("output: %s", output)
        .hasSize(1)
        .first()
        .asString()
        .contains(
            "drain4j.propagation-delay=5s + drain4j.deadline=25s + 2s = 32s exceeds"
                + " drain4j.termination-grace-period=30s");
  }

  @Test
  void whenAnApplicationStartsWithAGracePeriodThatFitsThenItLogsNoWarning() throws Exception {
    List<String> output = startAndCollectOutput(Map.of("DRAIN4J_TERMINATION_GRACE_PERIOD", "40s"));
    assertThat(output).as("output: %s", output).noneMatch(l -> l.contains("WARN"));
    assertThat(output).anyMatch(l -> l.contains("drain4j serving"));
  }

  /** Everything the child printed up to READY, which it prints after the coordinator started. */
  private static List<String> startAndCollectOutput(Map<String, String> env) throws Exception {
    Map<String, String> all = new java.util.HashMap<>(env);
    all.put("DRAIN4J_STATUS_ENABLED", "false");
    try (ChildJvm child = ChildJvm.start(SigtermProbe.class, all)) {
      child.awaitLine("READY");
      return child.output();
    }
  }
}

package io.drain4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The exit is bounded (DESIGN §3 invariants 6 and 7), proven on real child JVMs: neither a thread
 * that calls {@code System.exit} inside a unit nor a shutdown hook that never returns keeps the
 * process alive, and the bound of one coordinator does not cut another's drain short.
 */
class ExitBoundTest {

  @Test
  void aUnitWhoseThreadCallsSystemExitEndsInsteadOfHoldingTheDrainToTheDeadline() throws Exception {
    try (ChildJvm child =
        ChildJvm.start(
            ExitProbe.class,
            Map.of(
                "DRAIN4J_PROPAGATION_DELAY", "100ms",
                // Far beyond the wait below: a drain held to the deadline cannot pass.
                "DRAIN4J_DEADLINE", "120s",
                "DRAIN4J_STATUS_ENABLED", "false"),
            "exit-in-unit")) {
      child.awaitLine("EXITING");
      assertThat(child.awaitLine("DRAINED")).isEqualTo("DRAINED forced=false");
      assertThat(child.exited(60)).as("exited: %s", child.output()).isTrue();
      assertThat(child.process.exitValue()).isEqualTo(3);
      assertThat(child.output()).anyMatch(l -> l.contains("called System.exit"));
    }
  }

  @Test
  void aShutdownHookThatNeverReturnsCannotHoldTheJvmPastDrained() throws Exception {
    try (ChildJvm child = quickProbe("blocking-hook")) {
      child.awaitLine("READY");
      child.sigterm();
      child.awaitLine("DRAINED forced=false");
      // Without the bound the blocked hook holds the JVM until SIGKILL.
      assertThat(child.exited(60)).as("exited: %s", child.output()).isTrue();
      assertThat(child.process.exitValue()).isEqualTo(143);
      assertThat(child.output()).anyMatch(l -> l.contains("halting it"));
    }
  }

  @Test
  void theExitBoundWaitsForAnotherCoordinatorOfTheJvmThatIsStillDraining() throws Exception {
    try (ChildJvm child = quickProbe("second-coordinator")) {
      child.awaitLine("READY");
      child.sigterm();
      child.awaitLine("DRAINED forced=false");
      // Without the wait the first coordinator's bound halts the JVM 900 ms after its DRAINED,
      // in the middle of the second one's 2 s propagation delay.
      child.awaitLine("SECOND DRAINED");
      assertThat(child.exited(60)).as("exited: %s", child.output()).isTrue();
      assertThat(child.output()).noneMatch(l -> l.contains("halting it"));
    }
  }

  /** The probe with a 100 ms propagation delay, a 5 s deadline and no status endpoint. */
  private static ChildJvm quickProbe(String mode) throws Exception {
    return ChildJvm.start(
        ExitProbe.class,
        Map.of(
            "DRAIN4J_PROPAGATION_DELAY", "100ms",
            "DRAIN4J_DEADLINE", "5s",
            "DRAIN4J_STATUS_ENABLED", "false"),
        mode);
  }
}

package io.drain4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SIGTERM to a real child JVM: the shutdown hook keeps it alive until the unit in flight ends. */
class ShutdownHookTest {

  @Test
  void whenSigtermArrivesWithAUnitInFlightThenTheJvmWaitsForItAndExitsAfterDrained()
      throws Exception {
    try (ChildJvm child =
        ChildJvm.start(
            SigtermProbe.class,
            Map.of(
                "DRAIN4J_PROPAGATION_DELAY", "100ms",
                "DRAIN4J_DEADLINE", "60s",
                "DRAIN4J_STATUS_ENABLED", "false"))) {
      child.awaitLine("READY");
      child.sigterm();
      child.awaitLine("DRAINING");
      // The hook holds the JVM: the child is alive until its unit ends.
      assertThat(child.process.isAlive())
          .as("alive while the unit is in flight: %s", child.output())
          .isTrue();
      child.send("finish");
      assertThat(child.exited(60)).as("exited: %s", child.output()).isTrue();
      assertThat(child.process.exitValue()).isEqualTo(143);
      List<String> events = new ArrayList<>();
      for (String l : child.output()) {
        if (l.equals("UNIT DONE") || l.startsWith("DRAINED")) {
          events.add(l);
        }
      }
      assertThat(events)
          .as("output: %s", child.output())
          .containsExactly("UNIT DONE", "DRAINED forced=false");
    }
  }
}

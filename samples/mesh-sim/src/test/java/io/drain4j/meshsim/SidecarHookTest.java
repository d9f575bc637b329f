package io.drain4j.meshsim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SidecarHookTest {

  @Test
  void whenTheNetstatHookIsUsedThenItIsTheSeedsLoopVerbatim() {
    assertThat(SidecarHook.NETSTAT.command(9401, false))
        .isEqualTo(
            "while [ $(netstat -plunt | grep tcp | grep -v envoy | wc -l | xargs) -ne 0 ];"
                + " do sleep 1; done");
  }

  @Test
  void whenTheVariantIsUsedThenItOnlyAddsTheExclusionOfPilotAgent() {
    assertThat(SidecarHook.NETSTAT_NO_AGENT.command(9401, false))
        .isEqualTo(
            SidecarHook.NETSTAT
                .command(9401, false)
                .replace("grep -v envoy |", "grep -v envoy | grep -v pilot-agent |"));
  }

  @Test
  void whenTheDrain4jHookIsUsedThenItIsTheDesignsHookForThePortServed() {
    assertThat(SidecarHook.DRAIN4J.command(9401, false))
        .isEqualTo(
            "curl -s -X POST http://127.0.0.1:9401/drain;"
                + " curl -s -m 3600 http://127.0.0.1:9401/drain/await; exit 0");
    assertThat(SidecarHook.DRAIN4J.command(19401, true))
        .contains("wget")
        .contains("http://127.0.0.1:19401/drain/await")
        .endsWith("exit 0");
  }

  @Test
  void whenThereIsNoHookThenThereIsNoCommand() {
    assertThat(SidecarHook.NONE.command(9401, false)).isNull();
  }

  @Test
  void whenOnlyTheDrain4jScenarioRunsTheHookThenOnlyItServesTheStatusEndpoint() {
    for (Scenario s : Scenario.values()) {
      assertThat(s.statusEndpoint()).isEqualTo(s == Scenario.DRAIN4J);
      assertThat(s.needsOwnNetwork())
          .isEqualTo(s == Scenario.NETSTAT || s == Scenario.NETSTAT_NO_AGENT);
    }
  }
}

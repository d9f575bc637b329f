package io.drain4j.meshsim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SidecarHookTest {

  private static final Duration WAIT = Duration.ofMillis(25_500);

  @Test
  void whenTheNetstatHookIsUsedThenItIsTheSeedsLoopVerbatim() {
    assertThat(SidecarHook.NETSTAT.command(9401, false, "pilot-agent", WAIT))
        .isEqualTo(
            "while [ $(netstat -plunt | grep tcp | grep -v envoy | wc -l | xargs) -ne 0 ];"
                + " do sleep 1; done");
  }

  @Test
  void whenTheVariantIsUsedThenItOnlyAddsTheExclusionOfPilotAgent() {
    assertThat(SidecarHook.NETSTAT_NO_AGENT.command(9401, false, "pilot-agent", WAIT))
        .isEqualTo(
            SidecarHook.NETSTAT
                .command(9401, false, "pilot-agent", WAIT)
                .replace("grep -v envoy |", "grep -v envoy | grep -v pilot-agent |"));
  }

  @Test
  void whenTheDrain4jHookIsUsedThenItIsTheDesignsHookForThePortServed() {
    assertThat(SidecarHook.DRAIN4J.command(9401, false, "pilot-agent", WAIT))
        .isEqualTo(
            "curl -s -X POST http://127.0.0.1:9401/drain;"
                + " curl -s -m 3600 http://127.0.0.1:9401/drain/await; exit 0");
    assertThat(SidecarHook.DRAIN4J.command(19401, true, "pilot-agent", WAIT))
        .contains("wget")
        .contains("http://127.0.0.1:19401/drain/await")
        .endsWith("exit 0");
  }

  @Test
  void whenThereIsNoHookThenThereIsNoCommand() {
    assertThat(SidecarHook.NONE.command(9401, false, "pilot-agent", WAIT)).isNull();
  }

  @Test
  void whenTheNativeSidecarIsHookedThenItIsIstiosInjectedDrainRequest() {
    assertThat(SidecarHook.ISTIO_NATIVE_DRAIN.command(9401, false, "pilot-agent", WAIT))
        .isEqualTo("pilot-agent request --debug-port=15020 POST drain");
  }

  @Test
  void whenTheProxyIsDistrolessThenTheHookIsPilotAgentWaitBoundedByTheDrain() {
    assertThat(SidecarHook.DRAIN4J_DISTROLESS.command(9401, false, "pilot-agent", WAIT))
        .isEqualTo(
            "pilot-agent wait --url=http://127.0.0.1:9401/drain/await"
                + " --requestTimeoutMillis=25500 --periodMillis=200 --timeoutSeconds=26");
    assertThat(Timing.standard().drainFor(Scenario.DRAIN4J_DISTROLESS))
        .isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void whenTheFastExitHookIsUsedThenPilotAgentsDrainFollowsDrained() {
    assertThat(SidecarHook.DRAIN4J_FAST_EXIT.command(9401, false, "/pod/hookbin/pilot-agent", WAIT))
        .isEqualTo(
            "curl -s -X POST http://127.0.0.1:9401/drain;"
                + " curl -s -m 3600 http://127.0.0.1:9401/drain/await;"
                + " /pod/hookbin/pilot-agent request --debug-port=15020 POST drain; exit 0");
  }

  @Test
  void whenTheScenariosAreListedThenOnlyDrain4jRowsServeTheStatusEndpointAndMustLoseNothing() {
    for (Scenario s : Scenario.values()) {
      boolean drain4jRow =
          switch (s) {
            case DRAIN4J,
                DRAIN4J_DISTROLESS,
                DRAIN4J_FAST_EXIT,
                DRAIN4J_QUIET,
                NATIVE_DRAIN4J,
                NATIVE_QUIET,
                AMBIENT_DRAIN4J,
                AMBIENT_QUIET ->
                true;
            default -> false;
          };
      assertThat(s.drain4jRow()).as(s.label()).isEqualTo(drain4jRow);
      assertThat(s.statusEndpoint()).as(s.label()).isEqualTo(drain4jRow);
      assertThat(s.today()).as(s.label()).isEqualTo(s.id().endsWith("t"));
      assertThat(s.drain4jInApp()).as(s.label()).isEqualTo(!s.today());
      assertThat(s.hasSidecar()).as(s.label()).isEqualTo(s.mode() != Scenario.Mode.AMBIENT);
      assertThat(s.needsOwnNetwork())
          .isEqualTo(s.hook() == SidecarHook.NETSTAT || s.hook() == SidecarHook.NETSTAT_NO_AGENT);
    }
  }

  @Test
  void whenPilotAgentsOwnDrainStartsTheIngressDrainThenItLastsUntilTheAgentsSigterm() {
    Timing t = Timing.standard();

    assertThat(t.ingressGraceFor(Scenario.NATIVE_TODAY)).isEqualTo(Timing.DRAIN_FOREVER);
    assertThat(t.ingressGraceFor(Scenario.DRAIN4J_QUIET)).isEqualTo(Timing.DRAIN_FOREVER);
    assertThat(t.ingressGraceFor(Scenario.DRAIN4J)).isEqualTo(t.istioDrain());
    assertThat(t.ingressGraceFor(Scenario.LONG_DRAIN)).isEqualTo(t.raisedDrain());
  }
}

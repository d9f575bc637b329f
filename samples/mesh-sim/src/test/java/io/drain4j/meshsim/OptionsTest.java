package io.drain4j.meshsim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class OptionsTest {

  @Test
  void whenNoArgumentIsGivenThenTheStoryRunsAtFullScaleForTheDemosThatMatterMost() {
    Options o = Options.parse();

    assertThat(o.scale()).isEqualTo(1.0);
    assertThat(o.quick()).isFalse();
    assertThat(o.demos()).isEmpty();
    assertThat(o.defaultDemos()).containsExactly("spring-demo", "servlet-demo");
    assertThat(o.scenarios())
        .containsExactly(
            Scenario.TODAY_ISTIO_DEFAULT,
            Scenario.DRAIN4J,
            Scenario.DRAIN4J_QUIET,
            Scenario.NATIVE_TODAY,
            Scenario.NATIVE_QUIET,
            Scenario.AMBIENT_TODAY,
            Scenario.AMBIENT_QUIET);
    // Today against drain4j in every mesh mode.
    for (Scenario.Mode mode : Scenario.Mode.values()) {
      assertThat(o.scenarios()).anyMatch(s -> s.mode() == mode && s.today());
      assertThat(o.scenarios()).anyMatch(s -> s.mode() == mode && s.drain4jRow());
    }
    assertThat(o.parallel()).isEqualTo(5);
    assertThat(o.install()).isTrue();
    assertThat(o.mode()).isEqualTo("default");
  }

  @Test
  void whenQuickIsGivenThenTheGrpcDemoRunsOnlyDrain4jsRowOfEachMeshMode() {
    Options quick = Options.parse("--quick");
    Options named = Options.parse("--quick", "--demo", "grpc-demo");
    Options chosen = Options.parse("--quick", "--scenario", "1t,4");

    assertThat(quick.scenariosFor("grpc-demo"))
        .containsExactly(Scenario.DRAIN4J_QUIET, Scenario.NATIVE_QUIET, Scenario.AMBIENT_QUIET);
    assertThat(quick.scenariosFor("servlet-demo")).isEqualTo(Scenario.QUICK);
    assertThat(named.scenariosFor("grpc-demo")).isEqualTo(Scenario.QUICK);
    assertThat(chosen.scenariosFor("grpc-demo"))
        .containsExactly(Scenario.TODAY_ISTIO_DEFAULT, Scenario.DRAIN4J);
    assertThat(Options.parse().scenariosFor("grpc-demo")).isEqualTo(Scenario.STORY);
  }

  @Test
  void whenQuickIsGivenThenTheScaleIsHalvedAndEveryDemoRunsTheDrain4jRowsOfEachMode() {
    Options o = Options.parse("--quick");

    assertThat(o.scale()).isEqualTo(Timing.QUICK_SCALE);
    assertThat(o.mode()).isEqualTo("quick");
    assertThat(o.defaultDemos()).isEmpty();
    assertThat(o.scenarios()).hasSize(5).contains(Scenario.TODAY_ISTIO_DEFAULT);
    for (Scenario.Mode mode : Scenario.Mode.values()) {
      assertThat(o.scenarios()).anyMatch(s -> s.mode() == mode && s.drain4jRow());
    }
  }

  @Test
  void whenAllIsGivenThenEveryScenarioRunsForEveryDemo() {
    Options o = Options.parse("--all");

    assertThat(o.scenarios()).containsExactly(Scenario.values());
    assertThat(o.defaultDemos()).isEmpty();
    assertThat(o.mode()).isEqualTo("default, full matrix");
    assertThat(Options.parse("--all", "--quick").scenarios()).containsExactly(Scenario.values());
  }

  @Test
  void whenDemosAndScenariosAreRepeatedOrListedThenAllAreKeptAndScenariosSorted() {
    Options o =
        Options.parse(
            "--demo",
            "netty-demo,servlet-demo",
            "--demo=spring-demo",
            "--scenario",
            "4",
            "--scenario",
            "netstat,3b,1");

    assertThat(o.demos()).containsExactly("netty-demo", "servlet-demo", "spring-demo");
    assertThat(o.scenarios())
        .containsExactly(
            Scenario.ISTIO_DEFAULT, Scenario.NETSTAT, Scenario.NETSTAT_NO_AGENT, Scenario.DRAIN4J);
  }

  @Test
  void whenPathsAndFlagsAreGivenThenTheyAreKept() {
    Options o =
        Options.parse(
            "--report",
            "/tmp/r.md",
            "--logs=/tmp/logs",
            "--samples",
            "s",
            "--parallel",
            "2",
            "--loopback",
            "--no-install");

    assertThat(o.report()).isEqualTo(Path.of("/tmp/r.md"));
    assertThat(o.logs()).isEqualTo(Path.of("/tmp/logs"));
    assertThat(o.samples()).isEqualTo(Path.of("s"));
    assertThat(o.parallel()).isEqualTo(2);
    assertThat(o.loopback()).isTrue();
    assertThat(o.install()).isFalse();
  }

  @Test
  void whenAnArgumentIsUnknownOrIncompleteThenTheErrorNamesIt() {
    assertThatThrownBy(() -> Options.parse("--fast")).hasMessageContaining("'--fast'");
    assertThatThrownBy(() -> Options.parse("--demo")).hasMessageContaining("--demo needs a value");
    assertThatThrownBy(() -> Options.parse("--scenario", "7"))
        .hasMessageContaining("unknown scenario '7'")
        .hasMessageContaining("3b (netstat-no-agent)");
    assertThatThrownBy(() -> Options.parse("--parallel", "0")).hasMessageContaining("1 to 16");
    assertThatThrownBy(() -> Options.parse("--scale", "x")).hasMessageContaining("not a number");
    assertThatThrownBy(() -> Options.parse("--scale", "9")).hasMessageContaining("0.1 to 4");
    assertThatThrownBy(() -> Options.parse("--quick", "--scale", "0.5"))
        .hasMessageContaining("exclude each other");
  }
}

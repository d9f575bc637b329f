package io.drain4j.meshsim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTest {

  private static final ScenarioResult.Phases PHASES =
      new ScenarioResult.Phases(-4.0, 4.0, 15.5, 15.5, 15.5, 20.5, 20.5, 15.6, null, true, true);

  @Test
  void whenRowsAreTabulatedThenColumnsAlignAndNumbersAreRightAligned() {
    String table =
        Report.table(
            List.of(
                row(Scenario.ISTIO_DEFAULT, 120, 108, 12, 4, 0),
                row(Scenario.DRAIN4J, 99, 99, 0, 0, 0)));
    List<String> lines = table.lines().toList();

    assertThat(lines).hasSize(4);
    assertThat(lines.get(0)).startsWith("demo          scenario         sent   ok");
    assertThat(lines.get(1)).matches("-+");
    assertThat(lines.get(2)).startsWith("servlet-demo  1 istio-default   120  108");
    assertThat(lines.get(3)).startsWith("servlet-demo  4 drain4j          99   99");
    int okEnd = lines.get(0).indexOf(" ok ") + 3;
    assertThat(lines.get(2).substring(0, okEnd)).endsWith(" 108");
    assertThat(lines.get(3).substring(0, okEnd)).endsWith("  99");
  }

  @Test
  void whenRowsGoToMarkdownThenTheDrain4jRowIsBoldAndPipesAreEscaped() {
    ScenarioResult odd =
        new ScenarioResult(
            "servlet-demo",
            Scenario.NETSTAT,
            1,
            1,
            0,
            0,
            0,
            Duration.ofMillis(5),
            Duration.ofSeconds(32),
            "a|b",
            true,
            137,
            PHASES,
            List.of(),
            List.of(),
            Map.of(),
            null);

    String md = Report.markdownTable(List.of(odd, row(Scenario.DRAIN4J, 9, 9, 0, 0, 0)));

    assertThat(md)
        .contains("| demo | scenario | sent | ok | inbound failures |")
        .contains("| --- | --- | ---: |")
        .contains("| a\\|b |")
        .contains("| servlet-demo | **4 drain4j** | 9 | 9 | 0 | 0 | 0 | 40 ms | 20.5 s |");
  }

  @Test
  void whenTheDrain4jRowLostNothingThenTheRunPasses() {
    List<ScenarioResult> results =
        List.of(
            row(Scenario.ISTIO_DEFAULT, 120, 108, 12, 4, 0),
            row(Scenario.DRAIN4J, 99, 99, 0, 0, 0));

    assertThat(Report.passed(results)).isTrue();
    assertThat(Report.verdict(results)).startsWith("drain4j scenarios (4): nothing lost");
  }

  @Test
  void whenTheDrain4jRowLostARequestOrACallThenTheRunFails() {
    List<ScenarioResult> inbound = List.of(row(Scenario.DRAIN4J, 99, 98, 1, 0, 0));
    List<ScenarioResult> outbound = List.of(row(Scenario.DRAIN4J, 99, 99, 0, 1, 0));
    List<ScenarioResult> rejected = List.of(row(Scenario.DRAIN4J, 99, 98, 0, 0, 1));

    assertThat(Report.passed(inbound)).isFalse();
    assertThat(Report.passed(outbound)).isFalse();
    assertThat(Report.passed(rejected)).isFalse();
    assertThat(Report.verdict(inbound))
        .startsWith("drain4j scenario FAILED for servlet-demo / 4 drain4j");
  }

  @Test
  void whenTheKubeletHadToKillTheDrain4jPodOrARunFailedThenTheRunFails() {
    ScenarioResult killed =
        new ScenarioResult(
            "servlet-demo",
            Scenario.DRAIN4J,
            9,
            9,
            0,
            0,
            0,
            null,
            Duration.ofSeconds(32),
            "kubelet +32.0s: app",
            true,
            137,
            PHASES,
            List.of(),
            List.of(),
            Map.of(),
            null);
    ScenarioResult failed =
        ScenarioResult.failed("netty-demo", Scenario.ISTIO_DEFAULT, "did not start", List.of());

    assertThat(Report.passed(List.of(killed))).isFalse();
    assertThat(Report.passed(List.of(row(Scenario.DRAIN4J, 9, 9, 0, 0, 0), failed))).isFalse();
    assertThat(Report.cells(failed)).last().isEqualTo("run failed");
  }

  @Test
  void whenAPhaseChartIsDrawnThenEachMomentLandsOnItsColumn() {
    String chart = Report.chart(row(Scenario.DRAIN4J, 9, 9, 0, 0, 0));
    List<String> lines = chart.lines().toList();
    // From the first client (-4 s) to the sidecar's exit (20.5 s), rounded out.
    Report.Axis axis = new Report.Axis(-4, 21, 64);

    assertThat(lines).hasSize(4);
    assertThat(lines.get(0)).startsWith("t (s)").doesNotContain("-0 ");
    String app = lines.get(2).substring(12);
    String sidecar = lines.get(3).substring(12);
    assertThat(app.charAt(axis.column(0))).isEqualTo('T');
    assertThat(app.charAt(axis.column(15.6))).isEqualTo('x');
    assertThat(sidecar.charAt(axis.column(1))).isEqualTo(':');
    assertThat(sidecar.charAt(axis.column(15.5))).isEqualTo('T');
    assertThat(sidecar.charAt(axis.column(20.5))).isEqualTo('K');
    assertThat(lines.get(1).substring(12).charAt(axis.column(0))).isEqualTo('=');
    assertThat(lines.get(1).substring(12).charAt(axis.column(10))).isEqualTo('-');
  }

  @Test
  void whenDurationsAreFormattedThenWholeSecondsHaveNoDecimals() {
    assertThat(Report.secs(Duration.ofSeconds(30))).isEqualTo("30 s");
    assertThat(Report.secs(Duration.ofMillis(2500))).isEqualTo("2.5 s");
    assertThat(Report.secs(null)).isEqualTo("-");
    assertThat(Report.millis(Duration.ofMillis(42))).isEqualTo("42 ms");
  }

  @Test
  void whenTheMarkdownReportIsWrittenThenItHasSettingsResultsAndTimelines() {
    Report.Header header =
        new Report.Header(
            "quick",
            "loopback",
            "HAProxy 2.6.12",
            Timing.standard().scaled(0.5),
            "2026-01-01 00:00",
            List.of("a note"));
    ScenarioResult r =
        new ScenarioResult(
            "servlet-demo",
            Scenario.ISTIO_DEFAULT,
            10,
            9,
            1,
            1,
            0,
            Duration.ofSeconds(5),
            Duration.ofSeconds(8),
            "envoy +2.5s, 1 cut",
            false,
            143,
            PHASES,
            List.of(new ScenarioResult.Entry(0, "kubelet", "pod deleted")),
            List.of("/work 6.0 s sent at +0.5 s: inbound failure"),
            Map.of(),
            null);

    String md = Report.markdown(header, List.of(r));

    assertThat(md)
        .contains("mode **quick** (durations × 0.50)")
        .contains("> a note")
        .contains("| terminationGracePeriodSeconds | 15 s |")
        .contains("### servlet-demo / 1 istio-default")
        .contains("(terminationDrainDuration 2.5 s)")
        .contains("   +0.00 s  kubelet      pod deleted")
        .contains("- /work 6.0 s sent at +0.5 s: inbound failure")
        .contains("No drain4j scenario was run.");
  }

  @Test
  void whenGrpcRowsAreInTheTableThenTheirFailedCallsAreCountedByStatus() {
    ScenarioResult grpc =
        row(
            "grpc-demo",
            Scenario.TODAY_ISTIO_DEFAULT,
            70,
            55,
            13,
            2,
            Map.of("CANCELLED", 2, "UNAVAILABLE", 13));
    ScenarioResult clean = row(Scenario.DRAIN4J, 99, 99, 0, 0, 0);
    ScenarioResult grpcClean = row("grpc-demo", Scenario.DRAIN4J, 99, 99, 0, 0, Map.of());

    List<String> lines = Report.table(List.of(clean, grpc, grpcClean)).lines().toList();
    String md = Report.markdownTable(List.of(grpc));

    assertThat(lines.get(0)).contains("  SIGKILL  ").endsWith("  failed calls by gRPC status");
    assertThat(lines.get(2)).endsWith(" -");
    assertThat(lines.get(3)).endsWith("UNAVAILABLE 13, CANCELLED 2");
    assertThat(lines.get(4)).endsWith("none");
    assertThat(md).contains("| envoy +20.5s, idle | UNAVAILABLE 13, CANCELLED 2 |");
    assertThat(Report.table(List.of(clean))).doesNotContain("gRPC");
  }

  private static ScenarioResult row(
      Scenario scenario, int sent, int ok, int in, int out, int rejected) {
    return row("servlet-demo", scenario, sent, ok, in, out, rejected, Map.of());
  }

  private static ScenarioResult row(
      String demo,
      Scenario scenario,
      int sent,
      int ok,
      int in,
      int out,
      Map<String, Integer> byStatus) {
    return row(demo, scenario, sent, ok, in, out, 0, byStatus);
  }

  private static ScenarioResult row(
      String demo,
      Scenario scenario,
      int sent,
      int ok,
      int in,
      int out,
      int rejected,
      Map<String, Integer> byStatus) {
    return new ScenarioResult(
        demo,
        scenario,
        sent,
        ok,
        in,
        out,
        rejected,
        Duration.ofMillis(40),
        Duration.ofMillis(20_500),
        "envoy +20.5s, idle",
        false,
        143,
        PHASES,
        List.of(),
        List.of(),
        byStatus,
        null);
  }
}

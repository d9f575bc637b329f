package io.drain4j.meshsim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/** Renders the results: the terminal table, the phase charts and the Markdown report. */
final class Report {

  static final List<String> COLUMNS =
      List.of(
          "demo",
          "scenario",
          "sent",
          "ok",
          "inbound failures",
          "outbound failures",
          "503",
          "last request -> app exit",
          "pod gone",
          "SIGKILL");

  /** The column added when gRPC rows are present: their failed calls by gRPC status. */
  static final String GRPC_COLUMN = "failed calls by gRPC status";

  static final String LEGEND =
      "= clients send new requests   - requests still in flight"
          + "   : preStop hook   T SIGTERM   ~ terminating/draining   K SIGKILL   x exit";

  private static final int CHART_WIDTH = 64;

  /**
   * What the report says about the run itself.
   *
   * @param mode {@code default} or {@code quick}
   * @param network how pods were networked
   * @param haproxy the HAProxy version line
   * @param timing the durations
   * @param started when the run started, as text
   * @param notes lines to show under the header (skipped scenarios and the like)
   */
  record Header(
      String mode,
      String network,
      String haproxy,
      Timing timing,
      String started,
      List<String> notes) {}

  private Report() {}

  /** One row's cells, in {@link #COLUMNS} order. */
  static List<String> cells(ScenarioResult r) {
    if (r.error() != null) {
      return List.of(
          r.demo(), r.scenario().label(), "-", "-", "-", "-", "-", "-", "-", "run failed");
    }
    return List.of(
        r.demo(),
        r.scenario().label(),
        Integer.toString(r.sent()),
        Integer.toString(r.ok()),
        Integer.toString(r.inboundFailures()),
        Integer.toString(r.outboundFailures()),
        Integer.toString(r.rejected()),
        millis(r.lastRequestToAppExit()),
        r.podGone() == null ? "never" : secs(r.podGone()),
        r.sigkill());
  }

  /** The columns of a table of {@code results}: {@link #GRPC_COLUMN} last when gRPC rows are in. */
  static List<String> columns(List<ScenarioResult> results) {
    if (results.stream().noneMatch(Report::grpc)) {
      return COLUMNS;
    }
    List<String> columns = new ArrayList<>(COLUMNS);
    columns.add(GRPC_COLUMN);
    return columns;
  }

  /** A row's cells for a table of {@code columns}. */
  private static List<String> cells(ScenarioResult r, List<String> columns) {
    List<String> cells = new ArrayList<>(cells(r));
    if (columns.size() > COLUMNS.size()) {
      cells.add(grpc(r) && r.error() == null ? statuses(r.failedByStatus()) : "-");
    }
    return cells;
  }

  /**
   * Failed calls by gRPC status, most frequent first: {@code UNAVAILABLE 11, CANCELLED 2}, or
   * {@code none}.
   */
  static String statuses(Map<String, Integer> byStatus) {
    if (byStatus.isEmpty()) {
      return "none";
    }
    List<Map.Entry<String, Integer>> entries = new ArrayList<>(byStatus.entrySet());
    entries.sort(
        Map.Entry.<String, Integer>comparingByValue()
            .reversed()
            .thenComparing(Map.Entry.comparingByKey()));
    List<String> parts = new ArrayList<>();
    entries.forEach(e -> parts.add(e.getKey() + " " + e.getValue()));
    return String.join(", ", parts);
  }

  private static boolean grpc(ScenarioResult r) {
    return DemoKind.of(r.demo()) == DemoKind.GRPC;
  }

  /** The results as a fixed-width table for the terminal. */
  static String table(List<ScenarioResult> results) {
    List<String> columns = columns(results);
    List<List<String>> rows = new ArrayList<>();
    rows.add(columns);
    results.forEach(r -> rows.add(cells(r, columns)));
    int[] widths = new int[columns.size()];
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (int n = 0; n < rows.size(); n++) {
      List<String> row = rows.get(n);
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        boolean numeric = i >= 2 && i <= 8;
        String cell = row.get(i);
        String pad = " ".repeat(widths[i] - cell.length());
        line.append(i == 0 ? "" : "  ").append(numeric ? pad + cell : cell + pad);
      }
      out.append(line.toString().stripTrailing()).append('\n');
      if (n == 0) {
        int total = Arrays.stream(widths).sum() + 2 * (widths.length - 1);
        out.append("-".repeat(total)).append('\n');
      }
    }
    return out.toString();
  }

  /** The results as a Markdown table. */
  static String markdownTable(List<ScenarioResult> results) {
    List<String> columns = columns(results);
    StringBuilder out = new StringBuilder();
    out.append("| ").append(String.join(" | ", columns)).append(" |\n|");
    for (int i = 0; i < columns.size(); i++) {
      out.append(i >= 2 && i <= 8 ? " ---: |" : " --- |");
    }
    out.append('\n');
    for (ScenarioResult r : results) {
      List<String> cells = new ArrayList<>(cells(r, columns));
      if (r.mustBeClean()) {
        cells.set(1, "**" + cells.get(1) + "**");
      }
      out.append("| ")
          .append(String.join(" | ", cells.stream().map(c -> c.replace("|", "\\|")).toList()))
          .append(" |\n");
    }
    return out.toString();
  }

  /**
   * The phase chart of one run: clients, application and sidecar on one time axis, in seconds from
   * the pod's deletion.
   */
  static String chart(ScenarioResult r) {
    ScenarioResult.Phases p = r.phases();
    // A failed run's phases (Phases.NONE) start with no clients' start either.
    if (p.clientsStart() == null) {
      return "(no timeline: the run failed)\n";
    }
    double start = Math.floor(Math.min(p.clientsStart(), 0));
    double end =
        Math.max(
            0,
            max(
                p.lastRequestEnd(),
                p.appExit(),
                p.sidecarExit(),
                p.endpointRemoved(),
                p.kubeletKill()));
    end = Math.ceil(end + 0.5);
    Axis axis = new Axis(start, end, CHART_WIDTH);

    char[] clients = axis.blank();
    axis.fill(clients, p.clientsStart(), p.endpointRemoved(), '=');
    axis.fill(clients, p.endpointRemoved(), p.lastRequestEnd(), '-');

    char[] app = axis.blank();
    axis.fill(app, 0.0, p.appExit(), '~');
    axis.mark(app, 0.0, 'T');
    axis.mark(
        app,
        p.appExit(),
        p.kubeletKill() != null
                && p.appExit() != null
                && Math.abs(p.appExit() - p.kubeletKill()) < 0.2
            ? 'K'
            : 'x');

    char[] sidecar = axis.blank();
    Double hookStop =
        p.hook() ? firstNonNull(p.sidecarTerm(), p.kubeletKill(), p.sidecarExit()) : null;
    if (p.hook()) {
      axis.fill(sidecar, 0.0, hookStop, ':');
    }
    axis.fill(sidecar, p.sidecarTerm(), p.sidecarExit(), '~');
    axis.mark(sidecar, p.sidecarTerm(), 'T');
    axis.mark(sidecar, p.sidecarExit(), 'x');
    axis.mark(sidecar, p.agentKill(), 'K');
    if (p.kubeletKill() != null
        && p.sidecarExit() != null
        && Math.abs(p.sidecarExit() - p.kubeletKill()) < 0.2) {
      axis.mark(sidecar, p.sidecarExit(), 'K');
    }

    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%-12s%s%n", "t (s)", axis.labels()));
    out.append(
        String.format(Locale.ROOT, "%-12s%s%n", "clients", new String(clients).stripTrailing()));
    out.append(String.format(Locale.ROOT, "%-12s%s%n", "app", new String(app).stripTrailing()));
    if (p.sidecar()) {
      out.append(
          String.format(
              Locale.ROOT, "%-12s%s%n", "istio-proxy", new String(sidecar).stripTrailing()));
    }
    return out.toString();
  }

  /** The timeline's events, one a line. */
  static String events(ScenarioResult r) {
    StringBuilder out = new StringBuilder();
    for (ScenarioResult.Entry e : r.events()) {
      out.append(
          String.format(Locale.ROOT, "%+8.2f s  %-12s %s%n", e.seconds(), e.who(), e.what()));
    }
    return out.toString();
  }

  /** The whole Markdown report. */
  static String markdown(Header header, List<ScenarioResult> results) {
    Timing t = header.timing();
    StringBuilder out = new StringBuilder();
    out.append("# drain4j mesh simulator report\n\n");
    out.append("Run started ")
        .append(header.started())
        .append(", mode **")
        .append(header.mode())
        .append("** (durations × ")
        .append(String.format(Locale.ROOT, "%.2f", t.scale()))
        .append("), ")
        .append(header.network())
        .append(", ")
        .append(header.haproxy())
        .append(".\n\n");
    for (String note : header.notes()) {
      out.append("> ").append(note).append("\n\n");
    }
    out.append("## Settings\n\n| setting | value |\n| --- | --- |\n");
    row(out, "terminationGracePeriodSeconds", secs(t.gracePeriod()));
    row(
        out,
        "terminationDrainDuration (Istio's default; every classic-sidecar row but 2)",
        secs(t.istioDrain()));
    row(
        out,
        "terminationDrainDuration raised above the longest request (scenario 2)",
        secs(t.raisedDrain()));
    row(
        out,
        "endpoint propagation lag (clients send new requests until then)",
        secs(t.endpointLag()));
    row(
        out,
        "application: DRAIN4J_PROPAGATION_DELAY / DRAIN4J_DEADLINE",
        secs(t.appPropagationDelay()) + " / " + secs(t.appDeadline()));
    row(
        out,
        "quiet rows (4q, 5q, 6q): DRAIN4J_QUIET_PERIOD / DRAIN4J_MIN_PROPAGATION_DELAY",
        secs(t.quietPeriod()) + " / " + secs(t.minPropagationDelay()));
    row(
        out,
        "today rows (1t, 3t, 5t, 6t)",
        "DRAIN4J_ENABLED=false: the framework's own graceful shutdown only, no status endpoint");
    row(
        out,
        "ambient: the node proxy sends new connections until",
        "the endpoint removal, or "
            + Timing.NODE_PROXY_LAG.toMillis()
            + " ms after the application's exit if that comes first (not scaled)");
    row(
        out,
        "short requests",
        t.shortClients()
            + " clients, "
            + t.shortLength().toMillis()
            + " ms each, /work /call /job /stream in turn, from "
            + secs(t.warmup())
            + " before the deletion until the endpoint removal");
    row(out, "long requests", longRequests(t));
    out.append('\n');
    out.append("## Results\n\n");
    out.append(markdownTable(results)).append('\n');
    out.append(verdict(results)).append("\n\n");
    out.append(
        """
        How to read it: *inbound failures* are requests whose answer never arrived whole (cut by \
        a SIGKILLed proxy, refused, or a proxy's error); *outbound failures* are the \
        application's calls to the upstream that broke (the egress went away mid-call) or that \
        the application answered 502; *503* are requests refused while quiescing, which a mesh \
        retries elsewhere, or answered by a proxy whose application no longer accepts (today \
        rows). Today rows (`t`) run the application with DRAIN4J_ENABLED=false; drain4j rows are \
        bold. *last request -> app exit* is the time from the end of the last \
        request to the application's exit (drain4j's target: 100 ms at most); *pod gone* is the \
        time from the pod's deletion until its last container exited. *SIGKILL* tells when \
        pilot-agent killed the proxies and how many requests that cut (or *idle*), or when the \
        kubelet had to SIGKILL a container at the end of the grace period. See \
        samples/mesh-sim/README.md.

        """);
    out.append("## Timelines\n\nSeconds from the pod's deletion. ").append(LEGEND).append("\n\n");
    for (ScenarioResult r : results) {
      out.append("### ")
          .append(r.demo())
          .append(" / ")
          .append(r.scenario().label())
          .append(": ")
          .append(describe(r.scenario(), t))
          .append("\n\n");
      if (r.error() != null) {
        out.append("Run failed: ").append(r.error()).append("\n\n");
      }
      out.append("```text\n").append(chart(r)).append('\n').append(events(r)).append("```\n\n");
      if (!r.details().isEmpty()) {
        out.append("Lost:\n\n");
        for (String d : r.details()) {
          out.append("- ").append(d).append('\n');
        }
        out.append('\n');
      }
    }
    return out.toString();
  }

  /** The scenario's description with its drain duration. */
  static String describe(Scenario scenario, Timing timing) {
    return switch (scenario.mode()) {
      case AMBIENT -> scenario.description();
      case NATIVE -> scenario.description() + " (the proxy exits at its SIGTERM)";
      case CLASSIC ->
          scenario.description()
              + (scenario.drainNow()
                  ? " (the proxy exits at its SIGTERM)"
                  : " (terminationDrainDuration " + secs(timing.drainFor(scenario)) + ")");
    };
  }

  /** The closing sentence: whether drain4j's scenario lost anything, for every demo. */
  static String verdict(List<ScenarioResult> results) {
    List<ScenarioResult> drain4j = results.stream().filter(ScenarioResult::mustBeClean).toList();
    if (drain4j.isEmpty()) {
      return "No drain4j scenario was run.";
    }
    List<String> bad =
        drain4j.stream()
            .filter(r -> !r.clean())
            .map(
                r ->
                    r.demo()
                        + " / "
                        + r.scenario().label()
                        + (r.error() != null
                            ? " (run failed: " + r.error() + ")"
                            : " (" + ScenarioRun.summary(r) + ")"))
            .toList();
    if (bad.isEmpty()) {
      return "drain4j scenarios ("
          + String.join(
              ", ", drain4j.stream().map(r -> r.scenario().id()).distinct().sorted().toList())
          + "): nothing lost, nothing refused, nothing SIGKILLed by the kubelet, for "
          + String.join(", ", drain4j.stream().map(ScenarioResult::demo).distinct().toList())
          + ".";
    }
    return "drain4j scenario FAILED for " + String.join("; ", bad) + ".";
  }

  /** Whether the run succeeded: every drain4j row clean and no run failed. */
  static boolean passed(List<ScenarioResult> results) {
    return results.stream().noneMatch(r -> r.error() != null)
        && results.stream().filter(ScenarioResult::mustBeClean).allMatch(ScenarioResult::clean);
  }

  private static String longRequests(Timing t) {
    TreeSet<Double> at = new TreeSet<>();
    for (Timing.Shot s : t.longRequests()) {
      at.add(s.at().toMillis() / 1000.0);
    }
    StringBuilder times = new StringBuilder();
    for (double a : at) {
      times
          .append(times.length() == 0 ? "" : ", ")
          .append(String.format(Locale.ROOT, "%+.1f s", a));
    }
    Duration min =
        t.longRequests().stream()
            .map(Timing.Shot::length)
            .min(Duration::compareTo)
            .orElse(Duration.ZERO);
    return t.longRequests().size()
        + " requests of "
        + secs(min)
        + " to "
        + secs(t.longestRequest())
        + " (/work, /call, /stream, /job), sent at "
        + times
        + " from the deletion";
  }

  private static void row(StringBuilder out, String key, String value) {
    out.append("| ").append(key).append(" | ").append(value).append(" |\n");
  }

  static String secs(Duration d) {
    if (d == null) {
      return "-";
    }
    double s = d.toMillis() / 1000.0;
    return s == Math.rint(s)
        ? String.format(Locale.ROOT, "%.0f s", s)
        : String.format(Locale.ROOT, "%.1f s", s);
  }

  static String millis(Duration d) {
    return d == null ? "-" : d.toMillis() + " ms";
  }

  private static double max(Double... values) {
    double m = Double.NEGATIVE_INFINITY;
    for (Double v : values) {
      if (v != null) {
        m = Math.max(m, v);
      }
    }
    return m;
  }

  @SafeVarargs
  private static <T> T firstNonNull(T... values) {
    for (T v : values) {
      if (v != null) {
        return v;
      }
    }
    return null;
  }

  /** Maps seconds to chart columns. */
  static final class Axis {
    private final double start;
    private final double end;
    private final int width;

    Axis(double start, double end, int width) {
      if (!(end > start) || width < 10) {
        throw new IllegalArgumentException("bad axis " + start + ".." + end + " / " + width);
      }
      this.start = start;
      this.end = end;
      this.width = width;
    }

    int column(double t) {
      double clamped = Math.max(start, Math.min(end, t));
      return (int) Math.round((clamped - start) / (end - start) * (width - 1));
    }

    char[] blank() {
      char[] row = new char[width];
      Arrays.fill(row, ' ');
      return row;
    }

    void fill(char[] row, Double from, Double to, char c) {
      if (from == null || to == null || to < from) {
        return;
      }
      for (int i = column(from); i <= column(to); i++) {
        row[i] = c;
      }
    }

    void mark(char[] row, Double at, char c) {
      if (at != null) {
        row[column(at)] = c;
      }
    }

    /** Tick labels: every 5 s (10 s on long axes), placed at their columns. */
    String labels() {
      double step = end - start > 40 ? 10 : end - start > 12 ? 5 : 2;
      char[] row = blank();
      char[] wide = Arrays.copyOf(row, width + 6);
      Arrays.fill(wide, ' ');
      for (double t = Math.ceil(start / step) * step; t <= end; t += step) {
        String label = String.format(Locale.ROOT, "%.0f", t + 0.0); // never "-0"
        int col = column(t);
        boolean free = true;
        for (int i = Math.max(0, col - 1);
            i < Math.min(wide.length, col + label.length() + 1);
            i++) {
          free &= wide[i] == ' ';
        }
        if (free) {
          for (int i = 0; i < label.length() && col + i < wide.length; i++) {
            wide[col + i] = label.charAt(i);
          }
        }
      }
      return new String(wide).stripTrailing();
    }
  }
}

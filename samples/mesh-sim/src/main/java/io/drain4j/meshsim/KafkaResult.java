package io.drain4j.meshsim;

import java.time.Duration;
import java.util.List;

/**
 * One row of the Kafka table: what one sidecar configuration did to the Kafka demo's records.
 *
 * @param scenario the sidecar configuration
 * @param records records produced to {@code demo.in}
 * @param demoStarted records the pod's consumer started working on
 * @param processedTwice records worked on by the pod and again by the second member of the group
 *     (its offsets were not committed), or with more than one result in {@code demo.out}
 * @param podResultsLost records the pod started whose result it never delivered (its send failed,
 *     or its work was cut): the pod's work lost, redone by the group when uncommitted
 * @param resultsLost records without any result in {@code demo.out} at the end of the run
 * @param unassigned how long the pod's partitions had no working consumer: from the moment its
 *     consumer was gone (the application's exit, or the egress's death if earlier) until the group
 *     gave them to the second member; zero when they were handed over before; {@code null} when
 *     they never were within the run
 * @param podGone from the deletion until the pod's last container exited, {@code null} if never
 * @param sigkill what was SIGKILLed, as in the HTTP table
 * @param details what went wrong, one line each
 * @param error why the run failed, {@code null} when it ran
 */
record KafkaResult(
    Scenario scenario,
    int records,
    int demoStarted,
    int processedTwice,
    int podResultsLost,
    int resultsLost,
    Duration unassigned,
    Duration podGone,
    String sigkill,
    List<String> details,
    String error) {

  KafkaResult {
    details = List.copyOf(details);
  }

  static final List<String> COLUMNS =
      List.of(
          "scenario",
          "records",
          "worked on by the pod",
          "processed twice",
          "results lost by the pod",
          "records without a result",
          "partitions unassigned",
          "pod gone",
          "SIGKILL");

  /** Whether the row shows what drain4j promises: it ran, nothing twice, nothing lost. */
  boolean clean() {
    return error == null
        && records > 0
        && processedTwice == 0
        && podResultsLost == 0
        && resultsLost == 0;
  }

  /** The row's cells, in {@link #COLUMNS} order. */
  List<String> cells() {
    if (error != null) {
      return List.of(scenario.label(), "-", "-", "-", "-", "-", "-", "-", "run failed");
    }
    return List.of(
        scenario.label(),
        Integer.toString(records),
        Integer.toString(demoStarted),
        Integer.toString(processedTwice),
        Integer.toString(podResultsLost),
        Integer.toString(resultsLost),
        unassigned == null
            ? "never"
            : String.format(java.util.Locale.ROOT, "%.1f s", unassigned.toMillis() / 1000.0),
        podGone == null
            ? "never"
            : String.format(java.util.Locale.ROOT, "%.1f s", podGone.toMillis() / 1000.0),
        sigkill);
  }

  /** The rows as a Markdown table, drain4j's rows bold. */
  static String markdown(List<KafkaResult> results) {
    StringBuilder out = new StringBuilder("| " + String.join(" | ", COLUMNS) + " |\n|");
    for (int i = 0; i < COLUMNS.size(); i++) {
      out.append(i >= 1 && i <= 7 ? " ---: |" : " --- |");
    }
    out.append('\n');
    for (KafkaResult r : results) {
      List<String> cells = new java.util.ArrayList<>(r.cells());
      if (r.scenario().drain4jRow()) {
        cells.set(0, "**" + cells.get(0) + "**");
      }
      out.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }
    return out.toString();
  }
}

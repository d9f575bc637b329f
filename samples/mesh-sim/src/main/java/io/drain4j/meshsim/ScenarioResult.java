package io.drain4j.meshsim;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One row of the report: what one scenario did to one demo.
 *
 * @param demo the demo's name
 * @param scenario the sidecar configuration
 * @param sent requests sent by the clients
 * @param ok requests answered in full as expected
 * @param inboundFailures requests lost: cut, refused, or a proxy's error
 * @param outboundFailures outbound calls lost: broken at the upstream, or answered 502 by the
 *     application
 * @param rejected requests answered 503
 * @param lastRequestToAppExit from the end of the last request to the application's exit; {@code
 *     null} when either is unknown
 * @param podGone from the pod's deletion until its last container exited; {@code null} if never
 * @param sigkill what was SIGKILLed, for the table: {@code no}, the agent's kill of the proxies, or
 *     the kubelet's kill at the end of the grace period
 * @param kubeletKilled whether the kubelet SIGKILLed a container
 * @param appExitCode the application's exit code, {@code null} if unknown
 * @param phases the key moments, for the timeline chart
 * @param events the timeline, seconds from the pod's deletion
 * @param details what was lost, one line each (bounded)
 * @param failedByStatus the gRPC calls that did not end well, by status code (empty for HTTP demos)
 * @param error why the run itself failed, {@code null} when it ran
 */
record ScenarioResult(
    String demo,
    Scenario scenario,
    int sent,
    int ok,
    int inboundFailures,
    int outboundFailures,
    int rejected,
    Duration lastRequestToAppExit,
    Duration podGone,
    String sigkill,
    boolean kubeletKilled,
    Integer appExitCode,
    Phases phases,
    List<Entry> events,
    List<String> details,
    Map<String, Integer> failedByStatus,
    String error) {

  ScenarioResult {
    events = List.copyOf(events);
    details = List.copyOf(details);
    failedByStatus = Collections.unmodifiableMap(new TreeMap<>(failedByStatus));
  }

  /** A run that failed before it could measure anything. */
  static ScenarioResult failed(String demo, Scenario scenario, String error, List<Entry> events) {
    return new ScenarioResult(
        demo,
        scenario,
        0,
        0,
        0,
        0,
        0,
        null,
        null,
        "-",
        false,
        null,
        Phases.NONE,
        events,
        List.of(),
        Map.of(),
        error);
  }

  /** Whether any request or outbound call was lost. */
  boolean lost() {
    return inboundFailures > 0 || outboundFailures > 0;
  }

  /**
   * Whether this row shows what drain4j promises: it ran, sent traffic, lost nothing, rejected
   * nothing, and nothing had to be SIGKILLed by the kubelet.
   */
  boolean clean() {
    return error == null && sent > 0 && ok == sent && !lost() && rejected == 0 && !kubeletKilled;
  }

  /** Whether this row must be clean for the run to pass: a drain4j row, as its guide sets it. */
  boolean mustBeClean() {
    return scenario.drain4jRow();
  }

  /**
   * One event of the timeline.
   *
   * @param seconds from the pod's deletion (negative: before)
   * @param who the actor
   * @param what what happened
   */
  record Entry(double seconds, String who, String what) {}

  /**
   * Key moments, in seconds from the pod's deletion; {@code null} when it did not happen.
   *
   * @param clientsStart the workload's start (negative)
   * @param endpointRemoved the kubelet's endpoint removal
   * @param lastRequestEnd the end of the last request
   * @param hookEnd the end of the sidecar's preStop hook
   * @param sidecarTerm the sidecar's SIGTERM
   * @param agentKill the agent's SIGKILL of the proxies
   * @param sidecarExit the sidecar container's exit
   * @param appExit the application's exit
   * @param kubeletKill the kubelet's first SIGKILL
   * @param hook whether the sidecar had a preStop hook
   * @param sidecar whether the pod had a sidecar (not in ambient mode)
   */
  record Phases(
      Double clientsStart,
      Double endpointRemoved,
      Double lastRequestEnd,
      Double hookEnd,
      Double sidecarTerm,
      Double agentKill,
      Double sidecarExit,
      Double appExit,
      Double kubeletKill,
      boolean hook,
      boolean sidecar) {
    static final Phases NONE =
        new Phases(null, null, null, null, null, null, null, null, null, false, false);
  }
}

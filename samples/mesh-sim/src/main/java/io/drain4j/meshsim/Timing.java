package io.drain4j.meshsim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Every duration of a run, at full scale by {@link #standard()}; {@link #scaled(double)} shrinks
 * them all by one factor so that a quick run keeps the same ratios, hence the same outcome.
 *
 * <p>The long requests are placed so that each baseline scenario's cut-off falls well clear of
 * every request's end: no outcome hinges on a few milliseconds.
 *
 * @param scale the factor applied to the standard durations
 * @param gracePeriod the pod's {@code terminationGracePeriodSeconds}
 * @param graceExtension the kubelet's one-off extension for a container whose preStop hook still
 *     runs at the end of the grace period, before SIGKILL
 * @param istioDrain Istio's default {@code terminationDrainDuration}
 * @param raisedDrain the drain of scenario 2, raised above the longest request
 * @param endpointLag how long after the pod's deletion clients still send it new requests
 * @param appPropagationDelay the application's {@code DRAIN4J_PROPAGATION_DELAY}
 * @param appDeadline the application's {@code DRAIN4J_DEADLINE}
 * @param quietPeriod the application's {@code DRAIN4J_QUIET_PERIOD} in the quiet rows
 * @param minPropagationDelay the application's {@code DRAIN4J_MIN_PROPAGATION_DELAY} in the quiet
 *     rows
 * @param warmup how long the workload runs before the pod is deleted
 * @param shortLength length of the short requests
 * @param shortPause pause of each short-request client between two requests
 * @param shortClients number of concurrent short-request clients
 * @param longRequests the long requests, at fixed offsets from the pod's deletion
 */
record Timing(
    double scale,
    Duration gracePeriod,
    Duration graceExtension,
    Duration istioDrain,
    Duration raisedDrain,
    Duration endpointLag,
    Duration appPropagationDelay,
    Duration appDeadline,
    Duration quietPeriod,
    Duration minPropagationDelay,
    Duration warmup,
    Duration shortLength,
    Duration shortPause,
    int shortClients,
    List<Shot> longRequests) {

  /** The scale of {@code --quick}. */
  static final double QUICK_SCALE = 0.5;

  /** The poll of the netstat hooks ({@code sleep 1}): part of the hook's text, never scaled. */
  static final Duration NETSTAT_POLL = Duration.ofSeconds(1);

  /**
   * How long after the application's exit the node proxy of ambient mode (ztunnel) still sends it
   * new connections, until it learns that the pod is gone: 200 to 500 ms in istio#58514. A latency
   * of the control plane, not of the workload: never scaled.
   */
  static final Duration NODE_PROXY_LAG = Duration.ofMillis(350);

  /**
   * How long the ingress keeps accepting once pilot-agent's own drain ({@code POST /drain}) started
   * it: until the agent's SIGTERM, which ends it at once ("drains forever", istio#47226).
   */
  static final Duration DRAIN_FOREVER = Duration.ofHours(1);

  /** The least distance between a request's end and a baseline scenario's cut-off. */
  static final Duration MARGIN = Duration.ofMillis(250);

  /**
   * When a baseline scenario's sidecar is killed, from the pod's deletion: a window, since the
   * netstat loop only notices the application's listener going on its next poll.
   *
   * @param scenario the scenario
   * @param from the earliest kill
   * @param to the latest kill
   */
  record Cutoff(Scenario scenario, Duration from, Duration to) {}

  /**
   * One long request.
   *
   * @param at when it is sent, from the pod's deletion (negative: before)
   * @param endpoint what it calls
   * @param length how long its work takes in the application
   */
  record Shot(Duration at, Endpoint endpoint, Duration length) {
    Duration end() {
      return at.plus(length);
    }
  }

  Timing {
    longRequests = List.copyOf(longRequests);
  }

  /** The full-scale run: Istio's and Kubernetes' defaults, requests of 8 to 12 s. */
  static Timing standard() {
    List<Shot> shots = new ArrayList<>();
    // Sent before the deletion: all end before a 10 s sidecar cut-off.
    shots.add(shot(-3000, Endpoint.WORK, 12_000));
    shots.add(shot(-3000, Endpoint.CALL, 10_000));
    shots.add(shot(-3000, Endpoint.STREAM, 10_000));
    shots.add(shot(-3000, Endpoint.JOB, 8_000));
    shots.add(shot(-1000, Endpoint.WORK, 8_000));
    shots.add(shot(-1000, Endpoint.CALL, 9_000));
    shots.add(shot(-1000, Endpoint.STREAM, 9_000));
    // Sent during the propagation lag, when the pod is already terminating.
    shots.add(shot(1000, Endpoint.WORK, 12_000));
    shots.add(shot(1000, Endpoint.CALL, 12_000));
    shots.add(shot(1000, Endpoint.STREAM, 12_000));
    shots.add(shot(1000, Endpoint.JOB, 8_000));
    shots.add(shot(3500, Endpoint.WORK, 12_000));
    shots.add(shot(3500, Endpoint.CALL, 12_000));
    shots.add(shot(3500, Endpoint.STREAM, 12_000));
    shots.add(shot(3500, Endpoint.JOB, 10_000));
    return new Timing(
        1.0,
        Duration.ofSeconds(30),
        Duration.ofSeconds(2),
        Duration.ofSeconds(5),
        Duration.ofSeconds(14),
        Duration.ofSeconds(4),
        Duration.ofSeconds(5),
        Duration.ofSeconds(20),
        Duration.ofSeconds(1),
        Duration.ofSeconds(2),
        Duration.ofSeconds(4),
        Duration.ofMillis(150),
        Duration.ofMillis(60),
        3,
        shots);
  }

  private static Shot shot(long atMillis, Endpoint endpoint, long lengthMillis) {
    return new Shot(Duration.ofMillis(atMillis), endpoint, Duration.ofMillis(lengthMillis));
  }

  /**
   * This timing with every duration multiplied by {@code factor}.
   *
   * @throws IllegalArgumentException when the factor is not between 0.1 and 4
   */
  Timing scaled(double factor) {
    if (!(factor >= 0.1 && factor <= 4)) {
      throw new IllegalArgumentException("scale " + factor + " is out of range: 0.1 to 4");
    }
    List<Shot> shots =
        longRequests.stream()
            .map(s -> new Shot(times(s.at(), factor), s.endpoint(), times(s.length(), factor)))
            .toList();
    return new Timing(
        scale * factor,
        times(gracePeriod, factor),
        times(graceExtension, factor),
        times(istioDrain, factor),
        times(raisedDrain, factor),
        times(endpointLag, factor),
        times(appPropagationDelay, factor),
        times(appDeadline, factor),
        times(quietPeriod, factor),
        times(minPropagationDelay, factor),
        times(warmup, factor),
        times(shortLength, factor),
        times(shortPause, factor),
        shortClients,
        shots);
  }

  private static Duration times(Duration d, double factor) {
    return Duration.ofMillis(Math.round(d.toMillis() * factor));
  }

  /** The drain duration of the sidecar agent in a scenario ({@code terminationDrainDuration}). */
  Duration drainFor(Scenario scenario) {
    if (scenario == Scenario.DRAIN4J_DISTROLESS) {
      // The distroless guide's terminationDrainDuration: 1 s where Istio's default is 5 s.
      return Duration.ofMillis(istioDrain.toMillis() / 5);
    }
    return scenario.raisedDrain() ? raisedDrain : istioDrain;
  }

  /**
   * How long the ingress keeps accepting once its drain started: the drain duration, or until the
   * agent's SIGTERM when pilot-agent's own drain started it.
   */
  Duration ingressGraceFor(Scenario scenario) {
    return scenario.drainNow() ? DRAIN_FOREVER : drainFor(scenario);
  }

  /**
   * When the clients stop sending new requests, from the pod's deletion: at the endpoint removal;
   * in ambient mode earlier if the application exits first, once the node proxy has learnt that the
   * pod is gone ({@link #NODE_PROXY_LAG} after the exit).
   *
   * @param mode the mesh mode
   * @param appExit the application's exit from the deletion, {@code null} while it runs
   */
  Duration lastNewRequest(Scenario.Mode mode, Duration appExit) {
    if (mode != Scenario.Mode.AMBIENT || appExit == null) {
      return endpointLag;
    }
    Duration learnt = appExit.plus(NODE_PROXY_LAG);
    return learnt.compareTo(endpointLag) < 0 ? learnt : endpointLag;
  }

  /** The end of the last long request, from the pod's deletion. */
  Duration lastRequestEnd() {
    return longRequests.stream().map(Shot::end).max(Duration::compareTo).orElse(Duration.ZERO);
  }

  Duration longestRequest() {
    return longRequests.stream().map(Shot::length).max(Duration::compareTo).orElse(Duration.ZERO);
  }

  /**
   * An upper bound of one scenario's run from the pod's deletion until the pod is gone: the grace
   * period and its extension.
   */
  Duration terminationBound() {
    return gracePeriod.plus(graceExtension);
  }

  /**
   * The moments the sidecar is killed in the scenarios that cut requests: Istio's default drain,
   * the raised drain, and the netstat loop that excludes pilot-agent (which ends once the
   * application stops listening, at the end of its propagation delay, plus up to one poll).
   */
  List<Cutoff> cutoffs() {
    Duration netstatFrom = appPropagationDelay.plus(istioDrain);
    return List.of(
        new Cutoff(Scenario.ISTIO_DEFAULT, istioDrain, istioDrain),
        new Cutoff(Scenario.LONG_DRAIN, raisedDrain, raisedDrain),
        new Cutoff(Scenario.NETSTAT_NO_AGENT, netstatFrom, netstatFrom.plus(NETSTAT_POLL)));
  }

  /**
   * Checks the relations that make the comparison meaningful.
   *
   * @throws IllegalStateException naming the first relation that does not hold
   */
  Timing validate() {
    require(
        endpointLag.compareTo(appPropagationDelay) < 0,
        "the endpoint lag must be shorter than the application's propagation delay, or drain4j"
            + " would refuse requests that clients still route to the pod");
    require(
        appPropagationDelay.compareTo(appDeadline) < 0,
        "the application's deadline must be larger than its propagation delay");
    require(
        !quietPeriod.isZero()
            && !quietPeriod.isNegative()
            && minPropagationDelay.compareTo(appPropagationDelay) < 0,
        "the quiet rows need a quiet period and a minimum propagation delay below the"
            + " propagation delay");
    require(
        appPropagationDelay.plus(appDeadline).compareTo(gracePeriod) < 0,
        "propagation delay + deadline must be below terminationGracePeriodSeconds");
    require(
        lastRequestEnd().compareTo(appDeadline) < 0,
        "every long request must end before the application's deadline");
    require(
        istioDrain.compareTo(raisedDrain) < 0 && longestRequest().compareTo(raisedDrain) < 0,
        "scenario 2's drain must be raised above the longest request");
    require(
        longRequests.stream().allMatch(s -> s.at().compareTo(endpointLag) < 0),
        "every long request must be sent before the endpoint is removed");
    require(
        !warmup.isNegative()
            && longRequests.stream()
                .allMatch(s -> s.at().plus(warmup).compareTo(Duration.ZERO) >= 0),
        "no long request may be sent before the workload starts");
    require(shortClients > 0, "at least one short-request client");
    for (Cutoff cut : cutoffs()) {
      for (Shot shot : longRequests) {
        if (shot.endpoint() == Endpoint.JOB) {
          continue; // answered at once: a sidecar's end cannot cut it
        }
        require(
            shot.end().compareTo(cut.from().minus(MARGIN)) <= 0
                || shot.end().compareTo(cut.to().plus(MARGIN)) >= 0,
            shot.endpoint().label()
                + " sent at "
                + shot.at().toMillis()
                + " ms ends within "
                + MARGIN.toMillis()
                + " ms of scenario "
                + cut.scenario().label()
                + "'s cut-off; the scale "
                + scale
                + " is too small for a clear outcome");
      }
    }
    return this;
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalStateException("inconsistent timing: " + message);
    }
  }
}

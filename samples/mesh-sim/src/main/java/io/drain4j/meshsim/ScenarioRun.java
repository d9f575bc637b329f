package io.drain4j.meshsim;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/** Runs one scenario against one demo: pod up, workload, deletion, measurements, clean-up. */
final class ScenarioRun {

  private static final AtomicInteger NETWORKS = new AtomicInteger();
  private static final int MAX_DETAILS = 25;
  private static final Duration CUT_WINDOW = Duration.ofSeconds(1);

  /** Longer than any pod's start-up bound. */
  private static final Duration GATE_TIMEOUT = Duration.ofMinutes(4);

  /**
   * What a run needs from the environment.
   *
   * @param timing the durations
   * @param netns whether pods get a network namespace of their own
   * @param haproxy the HAProxy binary
   * @param useWget whether the drain4j hook uses wget
   * @param logs the directory for the pods' files and logs
   * @param progress where progress lines go
   */
  record Env(
      Timing timing,
      boolean netns,
      Path haproxy,
      boolean useWget,
      Path logs,
      Consumer<String> progress) {}

  private ScenarioRun() {}

  /**
   * Runs the scenario.
   *
   * @param gate the runs of one batch: each arrives once its pod is ready (or leaves when it cannot
   *     start), and all delete their pods together, so that no pod's start-up competes for the CPU
   *     with another pod's termination
   */
  static ScenarioResult run(String demo, Path jar, Scenario scenario, Env env, Phaser gate) {
    Timeline timeline = new Timeline();
    boolean[] arrived = {false};
    String tag = "[" + demo + " / " + scenario.label() + "] ";
    long begin = System.nanoTime();
    PodNetwork network = null;
    long t0 = 0;
    try {
      network = env.netns() ? PodNetwork.Netns.create(NETWORKS) : PodNetwork.Loopback.create();
      DemoKind kind = DemoKind.of(demo);
      try (UpstreamService upstream =
          kind == DemoKind.GRPC
              ? new GrpcUpstream(network.upstreamAddress(), network.upstreamPort())
              : new Upstream(network.upstreamAddress(), network.upstreamPort())) {
        Path dir = env.logs().resolve(demo).resolve(scenario.id() + "-" + scenario.slug());
        Pod.Spec spec =
            new Pod.Spec(
                demo,
                jar,
                scenario,
                env.timing(),
                network,
                upstream.port(),
                env.haproxy(),
                env.useWget(),
                dir);
        try (Pod pod = Pod.start(spec, timeline)) {
          env.progress()
              .accept(
                  tag
                      + "pod ready in "
                      + seconds(System.nanoTime() - begin)
                      + " ("
                      + network.describe()
                      + ")");
          arrived[0] = true;
          gate.awaitAdvanceInterruptibly(
              gate.arrive(), GATE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
          t0 = System.nanoTime() + env.timing().warmup().toNanos();
          Workload workload =
              new Workload(Client.of(kind, pod.clientTarget()), env.timing(), t0, timeline);
          workload.start();
          for (long left = t0 - System.nanoTime(); left > 0; left = t0 - System.nanoTime()) {
            LockSupport.parkNanos(left);
          }
          Kubelet kubelet = new Kubelet(pod, env.timing(), timeline, workload::removeEndpoint);
          boolean gone = kubelet.deletePod(t0);
          Duration bound =
              env.timing().lastRequestEnd().plus(env.timing().terminationBound()).plusSeconds(30);
          if (!workload.await(bound)) {
            throw new IllegalStateException(
                "requests still running " + bound.toSeconds() + " s after the deletion");
          }
          pod.awaitAgentOutput(Duration.ofSeconds(5));
          if (Reaper.INSTANCE.shuttingDown()) {
            return ScenarioResult.failed(
                demo, scenario, "interrupted: mesh-sim is shutting down", entries(timeline, t0));
          }
          ScenarioResult result =
              measure(demo, scenario, pod, kubelet, workload, upstream, timeline, t0, gone);
          env.progress().accept(tag + "done: " + summary(result));
          return result;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ScenarioResult.failed(demo, scenario, "interrupted", entries(timeline, t0));
    } catch (TimeoutException e) {
      String message =
          "the other pods of the batch did not start within " + GATE_TIMEOUT.toSeconds() + " s";
      env.progress().accept(tag + "FAILED: " + message);
      return ScenarioResult.failed(demo, scenario, message, entries(timeline, t0));
    } catch (IOException | RuntimeException e) {
      String message = e.getMessage() == null ? e.toString() : e.getMessage();
      env.progress().accept(tag + "FAILED: " + message);
      return ScenarioResult.failed(demo, scenario, message, entries(timeline, t0));
    } finally {
      if (!arrived[0]) {
        gate.arriveAndDeregister();
      }
      if (network != null) {
        network.close();
      }
    }
  }

  private static ScenarioResult measure(
      String demo,
      Scenario scenario,
      Pod pod,
      Kubelet kubelet,
      Workload workload,
      UpstreamService upstream,
      Timeline timeline,
      long t0,
      boolean gone) {
    List<RequestRecord> records = workload.records();
    Container app = pod.app();
    Container sidecar = pod.sidecar();
    long appExit = app.exited().getNow(0L);
    long sidecarExit = sidecar == null ? 0 : sidecar.exited().getNow(0L);
    List<String> details = new ArrayList<>();

    int ok = 0;
    int inbound = 0;
    int outbound = 0;
    int rejected = 0;
    long lastEnd = 0;
    Map<String, Integer> byStatus = new TreeMap<>();
    for (RequestRecord r : records) {
      if (r.status() != null) {
        byStatus.merge(r.status(), 1, Integer::sum);
      }
      lastEnd = Math.max(lastEnd, r.endNanos());
      switch (r.outcome()) {
        case OK -> ok++;
        case REJECTED -> rejected++;
        case INBOUND_FAILURE -> inbound++;
        case OUTBOUND_FAILURE -> outbound++;
        default -> throw new IllegalStateException(r.outcome().name());
      }
      if (r.outcome() != Outcome.OK && details.size() < MAX_DETAILS) {
        details.add(
            String.format(
                Locale.ROOT,
                "%s %s sent at %+.1f s: %s, %s at %+.1f s",
                r.endpoint().label(DemoKind.of(demo)),
                Pod.seconds(Duration.ofMillis(r.ms())),
                rel(r.startNanos(), t0),
                r.outcome().label(),
                r.reason(),
                rel(r.endNanos(), t0)));
      }
    }
    // A background job dies with the application: one whose work could not have ended before the
    // application exited (it cannot start before its request was sent) was lost.
    if (appExit != 0) {
      for (RequestRecord r : records) {
        if (r.jobLostAt(appExit)) {
          inbound++;
          ok--;
          if (details.size() < MAX_DETAILS) {
            details.add(
                String.format(
                    Locale.ROOT,
                    "%s %s sent at %+.1f s: background task ended with the application",
                    Endpoint.JOB.label(DemoKind.of(demo)),
                    Pod.seconds(Duration.ofMillis(r.ms())),
                    rel(r.startNanos(), t0)));
          }
        }
      }
    }
    List<Long> broken = upstream.brokenAt();
    outbound += broken.size();
    for (long at : broken) {
      if (details.size() < MAX_DETAILS) {
        details.add(
            String.format(
                Locale.ROOT,
                "outbound call broken at the upstream at %+.1f s: the egress went away mid-call",
                rel(at, t0)));
      }
    }
    if (lastEnd != 0) {
      timeline.recordAt(lastEnd, "clients", "last request finished");
    }
    if (appExit != 0) {
      timeline.recordAt(appExit, "app", "exited (status " + app.exitCode() + ")");
    }
    if (sidecarExit != 0) {
      timeline.recordAt(sidecarExit, "istio-proxy", "exited (status " + sidecar.exitCode() + ")");
    }
    long podGone = gone ? Math.max(appExit, sidecarExit) : 0;
    if (podGone != 0) {
      timeline.recordAt(podGone, "kubelet", "pod gone");
    }

    String sigkill;
    boolean kubeletKilled = pod.containers().stream().anyMatch(c -> c.killedBy() != null);
    // The agent prints its line just before its kill; read late under load, it can come
    // after the sidecar's exit, which bounds it.
    long agentKill =
        pod.agentKillNanos() == 0 || sidecarExit == 0
            ? pod.agentKillNanos()
            : Math.min(pod.agentKillNanos(), sidecarExit);
    if (kubeletKilled) {
      List<String> who = new ArrayList<>();
      for (Container c : pod.containers()) {
        if (c.killedBy() != null) {
          who.add(c.name());
        }
      }
      sigkill =
          String.format(
              Locale.ROOT,
              "kubelet %+.1fs: %s",
              rel(kubelet.killNanos(), t0),
              String.join("+", who));
    } else if (agentKill != 0) {
      // The requests that the kill cut: failed, and ended around it (the agent's line is read
      // a little after the kill, so the moment is approximate).
      long cut =
          records.stream()
              .filter(r -> r.outcome() == Outcome.INBOUND_FAILURE)
              .filter(r -> Math.abs(r.endNanos() - agentKill) < CUT_WINDOW.toNanos())
              .count();
      sigkill =
          String.format(
              Locale.ROOT,
              "envoy %+.1fs, %s",
              rel(agentKill, t0),
              cut == 0 ? "idle" : cut + " cut");
    } else {
      sigkill = "no";
    }

    Duration lastToExit = lastEnd != 0 && appExit != 0 ? Duration.ofNanos(appExit - lastEnd) : null;
    ScenarioResult.Phases phases =
        new ScenarioResult.Phases(
            records.isEmpty()
                ? null
                : rel(records.stream().mapToLong(RequestRecord::startNanos).min().getAsLong(), t0),
            relOrNull(workload.endpointRemovedNanos(), t0),
            relOrNull(lastEnd, t0),
            relOrNull(kubelet.hookEndNanos(), t0),
            sidecar == null ? null : relOrNull(sidecar.termNanos(), t0),
            relOrNull(agentKill, t0),
            relOrNull(sidecarExit, t0),
            relOrNull(appExit, t0),
            relOrNull(kubelet.killNanos(), t0),
            sidecar != null && sidecar.hookCommand() != null,
            sidecar != null);
    return new ScenarioResult(
        demo,
        scenario,
        records.size(),
        ok,
        inbound,
        outbound,
        rejected,
        lastToExit,
        podGone == 0 ? null : Duration.ofNanos(podGone - t0),
        sigkill,
        kubeletKilled,
        appExit == 0 ? null : app.exitCode(),
        phases,
        entries(timeline, t0),
        details,
        byStatus,
        null);
  }

  static String summary(ScenarioResult r) {
    return String.format(
        Locale.ROOT,
        "sent %d, ok %d, inbound failures %d, outbound failures"
            + " %d, 503 %d, pod gone %s, SIGKILL %s",
        r.sent(),
        r.ok(),
        r.inboundFailures(),
        r.outboundFailures(),
        r.rejected(),
        r.podGone() == null ? "never" : Pod.seconds(r.podGone()),
        r.sigkill());
  }

  private static List<ScenarioResult.Entry> entries(Timeline timeline, long t0) {
    long zero = t0 != 0 ? t0 : System.nanoTime();
    return timeline.events().stream()
        .map(e -> new ScenarioResult.Entry(rel(e.nanos(), zero), e.who(), e.what()))
        .toList();
  }

  private static double rel(long nanos, long t0) {
    return (nanos - t0) / 1e9;
  }

  private static Double relOrNull(long nanos, long t0) {
    return nanos == 0 ? null : rel(nanos, t0);
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
  }
}

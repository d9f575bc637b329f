package io.drain4j.meshsim;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The kubelet's part of a pod deletion: the endpoint is removed after a propagation lag (clients
 * send new requests until then), each container's preStop hook runs in parallel with the others,
 * each container gets SIGTERM once its own hook ends (at once without a hook), and whatever still
 * runs at {@code terminationGracePeriodSeconds} is SIGKILLed. A container whose hook is still
 * running then gets SIGTERM and the one-off 2 s extension before its SIGKILL, as the kubelet
 * grants.
 */
final class Kubelet {

  private final Pod pod;
  private final Timing timing;
  private final Timeline timeline;
  private final Runnable removeEndpoint;
  private final Object lock = new Object();
  private final AtomicBoolean endpointRemoved = new AtomicBoolean();
  private final CompletableFuture<Void> endpointGone = new CompletableFuture<>();
  private boolean graceOver;
  private volatile long hookEndNanos;
  private volatile long killNanos;

  Kubelet(Pod pod, Timing timing, Timeline timeline, Runnable removeEndpoint) {
    this.pod = pod;
    this.timing = timing;
    this.timeline = timeline;
    this.removeEndpoint = removeEndpoint;
  }

  /** When the sidecar's preStop hook ended, 0 if it did not (or there was none). */
  long hookEndNanos() {
    return hookEndNanos;
  }

  /** When the kubelet first SIGKILLed a container, 0 if it never did. */
  long killNanos() {
    return killNanos;
  }

  /**
   * Deletes the pod and returns when every container has exited.
   *
   * @param t0 the moment of the deletion, {@link System#nanoTime()}: now, or a moment ago
   * @return whether the pod is gone; {@code false} only if a container survived its SIGKILL
   */
  boolean deletePod(long t0) throws InterruptedException {
    ScheduledExecutorService timer =
        Executors.newScheduledThreadPool(
            1,
            r -> {
              Thread t = new Thread(r, "kubelet-timer");
              t.setDaemon(true);
              return t;
            });
    try {
      timeline.recordAt(
          t0,
          "kubelet",
          "pod deleted: preStop hooks start, endpoint removal in "
              + Pod.seconds(timing.endpointLag()));
      // Each step the kubelet runs on its own thread: one that threw would otherwise go unseen and
      // the run be measured as if the kubelet had done it.
      List<Future<?>> steps = new CopyOnWriteArrayList<>();
      steps.add(
          timer.schedule(
              () -> removeEndpoint("endpoint removed: clients send no new requests"),
              Math.max(0, t0 + timing.endpointLag().toNanos() - System.nanoTime()),
              TimeUnit.NANOSECONDS));
      Scenario.Mode mode = pod.spec().scenario().mode();
      if (mode == Scenario.Mode.AMBIENT) {
        // The node proxy sends new connections to the pod until it learns that the pod is gone,
        // a moment after the application's exit (istio#58514), unless the clients' endpoint
        // removal came first.
        steps.add(
            pod.app()
                .exited()
                .thenAcceptAsync(
                    exit -> {
                      Duration stop =
                          timing.lastNewRequest(mode, Duration.ofNanos(Math.max(0, exit - t0)));
                      if (stop.compareTo(timing.endpointLag()) < 0) {
                        steps.add(
                            timer.schedule(
                                () ->
                                    removeEndpoint(
                                        "node proxy learns the pod is gone: no new connections"),
                                Math.max(0, t0 + stop.toNanos() - System.nanoTime()),
                                TimeUnit.NANOSECONDS));
                      }
                    },
                    Reaper.ASYNC));
      }

      for (Container c : pod.containers()) {
        // A native sidecar gets its SIGTERM only once the application has exited (and its own
        // preStop hook has ended).
        CompletableFuture<?> appGone =
            mode == Scenario.Mode.NATIVE && c != pod.app()
                ? pod.app().exited()
                : CompletableFuture.completedFuture(null);
        String after = mode == Scenario.Mode.NATIVE && c != pod.app() ? ", application exited" : "";
        if (c.hookCommand() == null) {
          steps.add(
              appGone.thenRunAsync(
                  () -> termUnlessGraceOver(c, "no preStop hook" + after), Reaper.ASYNC));
          continue;
        }
        Process hook = startHook(c);
        steps.add(c.exited().thenRunAsync(() -> Pod.killHook(hook), Reaper.ASYNC));
        steps.add(
            hook.onExit()
                .thenAcceptAsync(
                    p -> {
                      long now = System.nanoTime();
                      synchronized (lock) {
                        if (graceOver) {
                          return;
                        }
                        hookEndNanos = now;
                        timeline.recordAt(
                            now,
                            "kubelet",
                            c.name() + " preStop hook ended (exit " + p.exitValue() + ")");
                      }
                    },
                    Reaper.ASYNC)
                .thenCombine(appGone, (a, b) -> null)
                .thenRunAsync(
                    () -> termUnlessGraceOver(c, "after its preStop hook" + after), Reaper.ASYNC));
      }

      long graceLeft = t0 + timing.gracePeriod().toNanos() - System.nanoTime();
      steps.add(timer.schedule(this::graceOver, Math.max(0, graceLeft), TimeUnit.NANOSECONDS));

      CompletableFuture<?> all =
          CompletableFuture.allOf(
              pod.containers().stream().map(Container::exited).toArray(CompletableFuture[]::new));
      Duration bound = timing.terminationBound().plusSeconds(15);
      try {
        all.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        // A pod gone before the endpoint removal (an application that exits at once): the clients
        // still send until then, so the timer must live until it has run.
        endpointGone.get(
            Math.max(0, t0 + timing.endpointLag().toNanos() - System.nanoTime())
                + TimeUnit.SECONDS.toNanos(5),
            TimeUnit.NANOSECONDS);
        rethrowFailure(steps);
        return true;
      } catch (TimeoutException e) {
        rethrowFailure(steps);
        timeline.record("kubelet", "a container survived its SIGKILL for " + Pod.seconds(bound));
        return false;
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      }
    } finally {
      timer.shutdownNow();
    }
  }

  /** Throws the failure of the first step that failed; steps not done yet do not count. */
  private static void rethrowFailure(List<Future<?>> steps) throws InterruptedException {
    for (Future<?> step : steps) {
      if (step.isDone() && !step.isCancelled()) {
        try {
          step.get();
        } catch (java.util.concurrent.ExecutionException e) {
          throw new IllegalStateException("a kubelet step failed", e.getCause());
        }
      }
    }
  }

  private void removeEndpoint(String what) {
    if (endpointRemoved.compareAndSet(false, true)) {
      try {
        removeEndpoint.run();
        timeline.record("kubelet", what);
      } finally {
        endpointGone.complete(null);
      }
    }
  }

  private void termUnlessGraceOver(Container c, String by) {
    synchronized (lock) {
      if (!graceOver) {
        c.term(by);
      }
    }
  }

  private Process startHook(Container c) {
    try {
      Process hook = pod.startHook(c);
      timeline.record("kubelet", c.name() + " preStop hook starts: " + c.hookCommand());
      return hook;
    } catch (IOException e) {
      throw new IllegalStateException("could not start the preStop hook of " + c.name(), e);
    }
  }

  private void graceOver() {
    List<Container> late = new ArrayList<>();
    synchronized (lock) {
      graceOver = true;
      for (Container c : pod.containers()) {
        if (c.alive()) {
          late.add(c);
        }
      }
    }
    if (late.isEmpty()) {
      return;
    }
    timeline.record(
        "kubelet",
        "terminationGracePeriodSeconds (" + Pod.seconds(timing.gracePeriod()) + ") over");
    for (Container c : late) {
      if (c.termSent()) {
        markKill();
        c.kill("grace period over");
      } else {
        // Its hook took the whole grace period: SIGTERM now, SIGKILL after the extension.
        c.term(
            "grace period over, hook still running; "
                + Pod.seconds(timing.graceExtension())
                + " extension");
        Reaper.ASYNC.execute(
            () -> {
              try {
                c.exited().get(timing.graceExtension().toMillis(), TimeUnit.MILLISECONDS);
              } catch (TimeoutException e) {
                markKill();
                c.kill("grace period + extension over");
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (java.util.concurrent.ExecutionException e) {
                // exited anyway
              }
            });
      }
    }
  }

  private void markKill() {
    if (killNanos == 0) {
      killNanos = System.nanoTime();
    }
  }
}

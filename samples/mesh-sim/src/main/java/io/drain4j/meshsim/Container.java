package io.drain4j.meshsim;

import java.util.concurrent.CompletableFuture;

/**
 * One container of the pod: its main process, which leads a process group of its own (started with
 * {@code setsid}) so that a SIGKILL of the group ends every process of the container, as a
 * container runtime does.
 */
final class Container {

  private final String name;
  private final Process process;
  private final String hookCommand;
  private final CompletableFuture<Long> exited = new CompletableFuture<>();
  private final Timeline timeline;
  private boolean termSent;
  private long termNanos;
  private boolean killed;
  private String killedBy;

  /**
   * @param name the container's name, {@code app} or {@code istio-proxy}
   * @param process its main process
   * @param hookCommand its preStop hook for {@code /bin/sh -c}; {@code null} for none
   */
  Container(String name, Process process, String hookCommand, Timeline timeline) {
    this.name = name;
    this.process = process;
    this.hookCommand = hookCommand;
    this.timeline = timeline;
    Reaper.INSTANCE.registerGroup(process.pid());
    // Nothing waits on the returned stage: `exited` is what tells the exit, and it completes even
    // if the group kill fails (the main process did exit; that failure reaches the thread's
    // uncaught-exception handler).
    CompletableFuture<Void> unused =
        process
            .onExit()
            .thenAccept(
                p -> {
                  long now = System.nanoTime();
                  // Whatever the main process left behind in its group goes with it, as in a
                  // container; not on the JDK's process reaper thread, which must stay free to
                  // reap that kill.
                  Reaper.ASYNC.execute(
                      () -> {
                        try {
                          Reaper.killGroup(process.pid());
                        } finally {
                          exited.complete(now);
                        }
                      });
                });
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  Process process() {
    return process;
  }

  String hookCommand() {
    return hookCommand;
  }

  boolean alive() {
    return process.isAlive();
  }

  /** Completes with the {@link System#nanoTime()} of the main process's exit. */
  CompletableFuture<Long> exited() {
    return exited;
  }

  /** The main process's exit code; only once it exited. */
  int exitCode() {
    return process.exitValue();
  }

  /** SIGTERM to the main process, once. */
  synchronized boolean term(String by) {
    if (termSent || !process.isAlive()) {
      return false;
    }
    termSent = true;
    termNanos = System.nanoTime();
    timeline.recordAt(termNanos, "kubelet", "SIGTERM " + name + " (" + by + ")");
    // Through the handle: Process.destroy() would also close our end of its output pipe.
    process.toHandle().destroy();
    return true;
  }

  synchronized boolean termSent() {
    return termSent;
  }

  /** When the kubelet sent SIGTERM, 0 if it did not. */
  synchronized long termNanos() {
    return termNanos;
  }

  /** SIGKILL to the whole container, once. */
  synchronized void kill(String by) {
    if (killed || !process.isAlive()) {
      return;
    }
    killed = true;
    killedBy = by;
    timeline.record("kubelet", "SIGKILL " + name + " (" + by + ")");
    Reaper.killGroup(process.pid());
  }

  /** Who SIGKILLed this container, {@code null} if nobody did. */
  synchronized String killedBy() {
    return killedBy;
  }
}

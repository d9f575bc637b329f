package io.drain4j.meshsim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Everything the simulator started that must not outlive it: process groups and network namespaces.
 * A JVM shutdown hook (normal exit, Ctrl-C, SIGTERM, an exception) kills and deletes whatever is
 * still registered. Only what was registered here is ever killed.
 */
final class Reaper {

  static final Reaper INSTANCE = new Reaper();

  /** For blocking follow-ups of process events, off the JDK's process reaper threads. */
  static final ExecutorService ASYNC =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "mesh-sim-async");
            t.setDaemon(true);
            return t;
          });

  private final Set<Long> groups = ConcurrentHashMap.newKeySet();
  private final Set<PodNetwork> networks = ConcurrentHashMap.newKeySet();
  private volatile boolean shuttingDown;

  private Reaper() {
    Runtime.getRuntime().addShutdownHook(new Thread(this::reapAll, "mesh-sim-reaper"));
  }

  /** Registers a process group (its leader's pid: every child is started with setsid). */
  void registerGroup(long pgid) {
    groups.add(pgid);
  }

  void unregisterGroup(long pgid) {
    groups.remove(pgid);
  }

  void register(PodNetwork network) {
    networks.add(network);
  }

  void unregister(PodNetwork network) {
    networks.remove(network);
  }

  /** Whether the JVM is shutting down (Ctrl-C, SIGTERM): results measured now mean nothing. */
  boolean shuttingDown() {
    return shuttingDown;
  }

  /** Kills every registered group and deletes every registered namespace. */
  void reapAll() {
    shuttingDown = true;
    List<Long> pending = new ArrayList<>(groups);
    for (long pgid : pending) {
      killGroup(pgid);
    }
    for (PodNetwork network : new ArrayList<>(networks)) {
      network.close();
    }
  }

  /**
   * SIGKILLs a whole process group, as a container runtime kills a container's cgroup, then forgets
   * it. The leader dies first, so that it cannot react to its children's deaths.
   */
  static void killGroup(long pgid) {
    Optional<ProcessHandle> leader = ProcessHandle.of(pgid);
    // Taken before the leader dies: its orphans are then re-parented and out of reach.
    List<ProcessHandle> descendants = leader.map(l -> l.descendants().toList()).orElse(List.of());
    leader.ifPresent(ProcessHandle::destroyForcibly);
    descendants.forEach(ProcessHandle::destroyForcibly);
    try {
      // Whatever else is still in the group (started after the snapshot above).
      Exec.run(
          Duration.ofSeconds(5),
          List.of("bash", "-c", "kill -KILL -- -" + pgid + " 2>/dev/null; exit 0"));
    } catch (java.io.IOException e) {
      // The processes known are dead already; nothing more can be done here.
    }
    INSTANCE.unregisterGroup(pgid);
  }
}

package io.drain4j.meshsim;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where a pod lives: a network namespace of its own joined to the host by a veth pair (as root), or
 * the host's loopback with distinct ports (the fallback). Knows the pod's addresses and ports and
 * how to run a command inside the pod.
 */
abstract class PodNetwork implements AutoCloseable {

  /** The pod's well-known ports in a namespace of its own, as in an Istio pod. */
  static final int INGRESS_PORT = 15006;

  static final int EGRESS_PORT = 15001;
  static final int AGENT_PORT = 15020;
  static final int APP_PORT = 8080;
  static final int STATUS_PORT = 9401;
  static final int UPSTREAM_PORT = 18080;

  private static final Duration IP_TIMEOUT = Duration.ofSeconds(20);

  /** The address clients (and the kubelet) use to reach the pod. */
  abstract String podAddress();

  /** The address the ingress sidecar binds. */
  abstract String ingressBind();

  /** The address pilot-agent's stand-in binds. */
  abstract String agentBind();

  abstract int ingressPort();

  abstract int egressPort();

  abstract int agentPort();

  abstract int appPort();

  abstract int statusPort();

  /** Where the upstream listens, outside the pod. */
  abstract InetAddress upstreamAddress();

  abstract int upstreamPort();

  /** Wraps a command so that it runs inside the pod. */
  abstract List<String> inPod(List<String> command);

  /** One line for the report: what kind of network and its name. */
  abstract String describe();

  /** Whether in-pod tools see only the pod's sockets. */
  abstract boolean isolated();

  /** Every process id that lives in the pod's network, for the final sweep; empty if unknown. */
  abstract List<Long> pids();

  @Override
  public abstract void close();

  InetSocketAddress ingress() {
    return new InetSocketAddress(podAddress(), ingressPort());
  }

  InetSocketAddress agent() {
    return new InetSocketAddress(podAddress(), agentPort());
  }

  /** A network namespace {@code d4j-<pid>-<n>} with a /30 veth link to the host. */
  static final class Netns extends PodNetwork {
    private final String name;
    private final String hostIf;
    private final String hostIp;
    private final String podIp;
    private boolean closed;

    private Netns(String name, String hostIf, String hostIp, String podIp) {
      this.name = name;
      this.hostIf = hostIf;
      this.hostIp = hostIp;
      this.podIp = podIp;
    }

    /**
     * Creates the next free namespace of this process: number {@code n} (taken from {@code
     * counter}) is {@code d4j-<pid>-<n>} with the link {@code 10.213.<n>.0/30}, the host at .1 and
     * the pod at .2. Numbers whose addresses are already in use on this host (a namespace left by
     * someone else) are skipped. Only the simulator's own namespaces ever hold these addresses.
     */
    static Netns create(AtomicInteger counter) {
      String used = Exec.check(IP_TIMEOUT, List.of("ip", "-4", "-o", "addr", "show"));
      for (int index = counter.incrementAndGet(); index <= 250; index = counter.incrementAndGet()) {
        String hostIp = "10.213." + index + ".1";
        String podIp = "10.213." + index + ".2";
        if (!used.contains(" " + hostIp + "/") && !used.contains(" " + podIp + "/")) {
          return create(index, hostIp, podIp);
        }
      }
      throw new IllegalStateException(
          "no free address left in 10.213.0.0/16 for a pod;"
              + " delete stale namespaces (ip netns list) or run with --loopback");
    }

    private static Netns create(int index, String hostIp, String podIp) {
      long pid = ProcessHandle.current().pid();
      String name = "d4j-" + pid + "-" + index;
      String tag = Long.toString(pid % 100_000, 36) + index;
      String hostIf = "d4j" + tag + "h";
      String podIf = "d4j" + tag + "p";
      Netns netns = new Netns(name, hostIf, hostIp, podIp);
      Reaper.INSTANCE.register(netns);
      try {
        ip("netns", "add", name);
        ip("link", "add", hostIf, "type", "veth", "peer", "name", podIf);
        ip("link", "set", podIf, "netns", name);
        ip("addr", "add", hostIp + "/30", "dev", hostIf);
        ip("link", "set", hostIf, "up");
        ip("-n", name, "addr", "add", podIp + "/30", "dev", podIf);
        ip("-n", name, "link", "set", podIf, "up");
        ip("-n", name, "link", "set", "lo", "up");
        return netns;
      } catch (RuntimeException e) {
        netns.close();
        throw e;
      }
    }

    /** Removes namespaces left by an earlier simulator process that died without cleaning up. */
    static void removeStale() {
      String list;
      try {
        list = Exec.check(IP_TIMEOUT, List.of("ip", "netns", "list"));
      } catch (RuntimeException e) {
        return;
      }
      // Empty lines and fields fail the name check below.
      for (String line : list.split("\n", -1)) {
        String ns = line.split(" ", 2)[0].trim();
        // Trailing dashes add no empty field: d4j-1-2- counts as d4j-1-2.
        String[] parts = ns.replaceFirst("-+\\z", "").split("-", -1);
        if (parts.length != 3 || !parts[0].equals("d4j")) {
          continue;
        }
        long owner;
        try {
          owner = Long.parseLong(parts[1]);
        } catch (NumberFormatException e) {
          continue;
        }
        if (owner != ProcessHandle.current().pid() && ProcessHandle.of(owner).isEmpty()) {
          new Netns(ns, null, null, null).close();
          System.out.println(
              "mesh-sim: removed the stale namespace "
                  + ns
                  + " of an earlier run (process "
                  + owner
                  + " is gone)");
        }
      }
    }

    private static void ip(String... args) {
      List<String> command = new ArrayList<>();
      command.add("ip");
      command.addAll(List.of(args));
      Exec.check(IP_TIMEOUT, command);
    }

    @Override
    String podAddress() {
      return podIp;
    }

    @Override
    String ingressBind() {
      return podIp;
    }

    @Override
    String agentBind() {
      return "0.0.0.0";
    }

    @Override
    int ingressPort() {
      return INGRESS_PORT;
    }

    @Override
    int egressPort() {
      return EGRESS_PORT;
    }

    @Override
    int agentPort() {
      return AGENT_PORT;
    }

    @Override
    int appPort() {
      return APP_PORT;
    }

    @Override
    int statusPort() {
      return STATUS_PORT;
    }

    @Override
    InetAddress upstreamAddress() {
      try {
        return InetAddress.getByName(hostIp);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    int upstreamPort() {
      return UPSTREAM_PORT;
    }

    @Override
    List<String> inPod(List<String> command) {
      List<String> wrapped = new ArrayList<>(List.of("ip", "netns", "exec", name));
      wrapped.addAll(command);
      return wrapped;
    }

    @Override
    String describe() {
      return "network namespace " + name + " (pod " + podIp + ", host " + hostIp + ")";
    }

    @Override
    boolean isolated() {
      return true;
    }

    @Override
    List<Long> pids() {
      try {
        Exec.Result r = Exec.run(IP_TIMEOUT, List.of("ip", "netns", "pids", name));
        List<Long> pids = new ArrayList<>();
        for (String line : r.output().split("\\s+", -1)) {
          if (!line.isBlank() && line.chars().allMatch(Character::isDigit)) {
            pids.add(Long.parseLong(line));
          }
        }
        return pids;
      } catch (IOException e) {
        return List.of();
      }
    }

    /**
     * Kills every process left in the namespace and deletes it. Synchronized, and marked closed
     * only at the end: the reaper's call during a JVM shutdown waits for a close that another
     * thread has begun rather than skipping it.
     */
    @Override
    public synchronized void close() {
      if (closed) {
        return;
      }
      for (long pid : pids()) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      try {
        Exec.run(IP_TIMEOUT, List.of("ip", "netns", "del", name));
        if (hostIf != null) {
          // Gone with the namespace's end of the pair, normally; this covers a failed setup.
          Exec.run(IP_TIMEOUT, List.of("ip", "link", "del", hostIf));
        }
      } catch (IOException e) {
        System.err.println("mesh-sim: could not delete the namespace " + name + ": " + e);
      }
      closed = true;
      Reaper.INSTANCE.unregister(this);
    }
  }

  /** The fallback without root: everything on 127.0.0.1, each pod with its own free ports. */
  static final class Loopback extends PodNetwork {
    private final int[] ports;

    private Loopback(int[] ports) {
      this.ports = ports;
    }

    static Loopback create() {
      int[] ports = new int[6];
      List<ServerSocket> held = new ArrayList<>();
      try {
        // All held open together so that the six are distinct; a tiny race with other
        // processes remains between closing them here and binding them again.
        for (int i = 0; i < ports.length; i++) {
          ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
          held.add(s);
          ports[i] = s.getLocalPort();
        }
      } catch (IOException e) {
        throw new IllegalStateException("no free loopback port: " + e, e);
      } finally {
        for (ServerSocket s : held) {
          try {
            s.close();
          } catch (IOException e) {
            // freed anyway
          }
        }
      }
      return new Loopback(ports);
    }

    @Override
    String podAddress() {
      return "127.0.0.1";
    }

    @Override
    String ingressBind() {
      return "127.0.0.1";
    }

    @Override
    String agentBind() {
      return "127.0.0.1";
    }

    @Override
    int ingressPort() {
      return ports[0];
    }

    @Override
    int egressPort() {
      return ports[1];
    }

    @Override
    int agentPort() {
      return ports[2];
    }

    @Override
    int appPort() {
      return ports[3];
    }

    @Override
    int statusPort() {
      return ports[4];
    }

    @Override
    InetAddress upstreamAddress() {
      return InetAddress.getLoopbackAddress();
    }

    @Override
    int upstreamPort() {
      return ports[5];
    }

    @Override
    List<String> inPod(List<String> command) {
      return List.copyOf(command);
    }

    @Override
    String describe() {
      return "loopback fallback, no network namespace: ingress 127.0.0.1:"
          + ports[0]
          + ", application :"
          + ports[3]
          + ", status :"
          + ports[4]
          + ", upstream :"
          + ports[5];
    }

    @Override
    boolean isolated() {
      return false;
    }

    @Override
    List<Long> pids() {
      return List.of();
    }

    @Override
    public void close() {
      // nothing was created
    }
  }
}

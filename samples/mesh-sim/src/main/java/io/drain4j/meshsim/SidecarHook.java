package io.drain4j.meshsim;

import java.time.Duration;

/** The preStop hook of the sidecar container. */
enum SidecarHook {
  /** No hook: the kubelet sends SIGTERM at once. */
  NONE,
  /** The seed's loop, verbatim. */
  NETSTAT,
  /** The seed's loop, also excluding pilot-agent's own listener. */
  NETSTAT_NO_AGENT,
  /** drain4j's hook of DESIGN §5. */
  DRAIN4J,
  /**
   * drain4j's hook, then pilot-agent's own drain ({@code POST /drain} on its status port 15020,
   * Istio 1.21+): the agent drains its inbound listeners and, at the SIGTERM that follows the hook,
   * exits at once instead of draining idle for {@code terminationDrainDuration}.
   */
  DRAIN4J_FAST_EXIT,
  /**
   * The hook for Istio's distroless proxy, which has no shell: an exec of {@code pilot-agent wait}
   * (Istio 1.7+), which GETs {@code /drain/await} until it answers 200.
   */
  DRAIN4J_DISTROLESS,
  /**
   * The preStop hook Istio injects into a native sidecar (1.21+): pilot-agent drains its inbound
   * listeners until its SIGTERM, which then ends it at once.
   */
  ISTIO_NATIVE_DRAIN;

  /** pilot-agent's drain request, as Istio's native-sidecar injection template writes it. */
  static final String AGENT_DRAIN = " request --debug-port=15020 POST drain";

  /** The seed's hook exactly as the ASM console's lifecycle JSON has it. */
  static final String NETSTAT_LOOP =
      "while [ $(netstat -plunt | grep tcp | grep -v envoy | wc -l | xargs) -ne 0 ];"
          + " do sleep 1; done";

  /** The same loop, not fooled by pilot-agent's listener on 15020. */
  static final String NETSTAT_LOOP_NO_AGENT =
      "while [ $(netstat -plunt | grep tcp | grep -v envoy | grep -v pilot-agent | wc -l"
          + " | xargs) -ne 0 ]; do sleep 1; done";

  /**
   * The shell command of the hook, for {@code /bin/sh -c}; {@code null} for {@link #NONE}.
   *
   * @param statusPort the application's drain4j status port (9401 by default)
   * @param useWget the busybox form with {@code wget}, for images without {@code curl}
   * @param pilotAgent the pilot-agent binary to call ({@code pilot-agent} in a real pod)
   * @param waitBound how long the distroless hook waits at most: propagation delay + deadline + 1 s
   */
  String command(int statusPort, boolean useWget, String pilotAgent, Duration waitBound) {
    return switch (this) {
      case DRAIN4J_DISTROLESS ->
          pilotAgent
              + " wait --url=http://127.0.0.1:"
              + statusPort
              + "/drain/await --requestTimeoutMillis="
              + waitBound.toMillis()
              + " --periodMillis=200 --timeoutSeconds="
              + (waitBound.toMillis() + 999) / 1000;
      case NONE -> null;
      case NETSTAT -> NETSTAT_LOOP;
      case NETSTAT_NO_AGENT -> NETSTAT_LOOP_NO_AGENT;
      case ISTIO_NATIVE_DRAIN -> pilotAgent + AGENT_DRAIN;
      case DRAIN4J_FAST_EXIT ->
          DRAIN4J
              .command(statusPort, useWget, pilotAgent, waitBound)
              .replace("; exit 0", "; " + pilotAgent + AGENT_DRAIN + "; exit 0");
      case DRAIN4J ->
          useWget
              ? "wget -q -O- --post-data= http://127.0.0.1:"
                  + statusPort
                  + "/drain;"
                  + " wget -q -O- -T 3600 http://127.0.0.1:"
                  + statusPort
                  + "/drain/await; exit 0"
              : "curl -s -X POST http://127.0.0.1:"
                  + statusPort
                  + "/drain;"
                  + " curl -s -m 3600 http://127.0.0.1:"
                  + statusPort
                  + "/drain/await; exit 0";
    };
  }
}

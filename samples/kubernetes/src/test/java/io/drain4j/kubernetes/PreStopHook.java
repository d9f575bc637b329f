package io.drain4j.kubernetes;

import io.fabric8.kubernetes.api.model.LifecycleHandler;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sidecar preStop hook of DESIGN §5, in its curl form and its BusyBox wget form, and the check
 * that a manifest's hook is one of them for the port the application serves.
 */
final class PreStopHook {

  private static final Pattern STATUS_URL = Pattern.compile("https?://[^/\\s:]+:(\\d+)/drain");

  private PreStopHook() {}

  /** The hook as DESIGN §5 writes it. */
  static String curl(int port) {
    return "curl -s -X POST http://127.0.0.1:"
        + port
        + "/drain; "
        + "curl -s -m 3600 http://127.0.0.1:"
        + port
        + "/drain/await; exit 0";
  }

  /**
   * The same hook for images that have only BusyBox: {@code --post-data=} makes the first call a
   * POST with an empty body, {@code -O-} writes the answers to the hook's output instead of a file.
   * No {@code -T}: BusyBox builds without FEATURE_WGET_TIMEOUT (Debian's before 1.36.1-5) crash on
   * it, and the long poll needs no client timeout, as the endpoint answers it by the remaining
   * deadline plus one second.
   */
  static String wget(int port) {
    return "wget -q -O- --post-data= http://127.0.0.1:"
        + port
        + "/drain; "
        + "wget -q -O- http://127.0.0.1:"
        + port
        + "/drain/await; exit 0";
  }

  /**
   * pilot-agent's own drain (Istio 1.21+): POST /drain on its status port 15020, after which the
   * agent's SIGTERM ends the proxy at once instead of draining idle for terminationDrainDuration.
   */
  static final String AGENT_DRAIN = "pilot-agent request --debug-port=15020 POST drain";

  /** The curl hook, then pilot-agent's own drain: the proxy goes as soon as the app is DRAINED. */
  static String curlFastExit(int port) {
    return curl(port).replace("; exit 0", "; " + AGENT_DRAIN + "; exit 0");
  }

  /**
   * The hook for Istio's distroless proxy image, which has no shell: {@code pilot-agent wait}
   * (Istio 1.7+) GETs {@code /drain/await} until it answers 200. One request covers the whole
   * drain, since the endpoint answers it at DRAINED or at the remaining deadline plus 1 s.
   *
   * @param port the status port
   * @param bound propagation delay + deadline + 1 s, rounded up to whole seconds
   */
  static List<String> distroless(int port, Duration bound) {
    long seconds = (bound.toMillis() + 999) / 1000;
    return List.of(
        "pilot-agent",
        "wait",
        "--url=http://127.0.0.1:" + port + "/drain/await",
        "--requestTimeoutMillis=" + seconds * 1000,
        "--periodMillis=200",
        "--timeoutSeconds=" + seconds);
  }

  /**
   * Checks the exec hook of a distroless proxy.
   *
   * @param drainBound propagation delay + deadline: the hook must wait at least this long plus 1 s
   * @return the problem, or empty when the handler is {@link #distroless} for that port and bound
   */
  static Optional<String> distrolessProblem(
      String where, LifecycleHandler preStop, int port, Duration drainBound) {
    List<String> expected = distroless(port, drainBound.plusSeconds(1));
    List<String> command = preStop.getExec() == null ? null : preStop.getExec().getCommand();
    if (expected.equals(command)) {
      return Optional.empty();
    }
    return Optional.of(
        where
            + ": the distroless proxy has no shell; its preStop must be the exec "
            + expected
            + " (wait on /drain/await for propagation delay + deadline + 1 s), but was "
            + command);
  }

  /**
   * Checks a preStop handler.
   *
   * @param where the container, for the message
   * @param preStop the handler
   * @param port the port the application's status endpoint listens on
   * @return the problem, or empty when the handler is the drain4j hook for that port
   */
  static Optional<String> problem(String where, LifecycleHandler preStop, int port) {
    if (preStop.getExec() == null) {
      return Optional.of(
          where
              + ": preStop is not an exec hook; the drain4j hook is a shell"
              + " command that POSTs /drain and waits on /drain/await");
    }
    List<String> command = preStop.getExec().getCommand();
    if (command == null
        || command.size() != 3
        || !(command.get(0).equals("/bin/sh") || command.get(0).equals("sh"))
        || !command.get(1).equals("-c")) {
      return Optional.of(where + ": preStop command must be [/bin/sh, -c, <hook>], was " + command);
    }
    String script = command.get(2).trim().replaceAll("\\s+", " ");
    if (script.equals(curl(port))
        || script.equals(wget(port))
        || script.equals(curlFastExit(port))) {
      return Optional.empty();
    }
    TreeSet<Integer> ports = new TreeSet<>();
    Matcher m = STATUS_URL.matcher(script);
    while (m.find()) {
      ports.add(Integer.parseInt(m.group(1)));
    }
    if (!ports.isEmpty() && !ports.equals(new TreeSet<>(List.of(port)))) {
      return Optional.of(
          where
              + ": preStop calls the status endpoint on port(s) "
              + ports
              + ", but the application serves it on "
              + port);
    }
    return Optional.of(
        where
            + ": preStop is not the drain4j hook; expected\n  "
            + curl(port)
            + "\nor\n  "
            + wget(port)
            + "\nbut was\n  "
            + script);
  }
}

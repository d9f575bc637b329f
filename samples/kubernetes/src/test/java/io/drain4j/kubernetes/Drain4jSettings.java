package io.drain4j.kubernetes;

import io.drain4j.DrainConfigException;
import io.drain4j.DrainCoordinator;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The drain4j settings a container's {@code DRAIN4J_*} environment gives the application, read by
 * drain4j's own configuration code so that the manifests are judged exactly as the application
 * would judge them at start.
 *
 * @param propagationDelay {@code DRAIN4J_PROPAGATION_DELAY}, or the default
 * @param deadline {@code DRAIN4J_DEADLINE}, or the default
 * @param statusEnabled {@code DRAIN4J_STATUS_ENABLED}, or {@code true}
 * @param statusAddress {@code DRAIN4J_STATUS_ADDRESS}, or {@code 127.0.0.1}
 * @param statusPort {@code DRAIN4J_STATUS_PORT}, or 9401
 * @param shutdownHook {@code DRAIN4J_SHUTDOWN_HOOK}, or {@code true}
 * @param explicit the variables the container sets
 */
record Drain4jSettings(
    Duration propagationDelay,
    Duration deadline,
    boolean statusEnabled,
    String statusAddress,
    int statusPort,
    boolean shutdownHook,
    Set<String> explicit) {

  static final int DEFAULT_STATUS_PORT = 9401;
  static final String DEFAULT_STATUS_ADDRESS = "127.0.0.1";

  /** DESIGN §6: each environment variable and the key it sets. */
  private static final Map<String, String> KEYS =
      Map.of(
          "DRAIN4J_PROPAGATION_DELAY", "drain4j.propagation-delay",
          "DRAIN4J_DEADLINE", "drain4j.deadline",
          "DRAIN4J_STATUS_ENABLED", "drain4j.status.enabled",
          "DRAIN4J_STATUS_ADDRESS", "drain4j.status.address",
          "DRAIN4J_STATUS_PORT", "drain4j.status.port",
          "DRAIN4J_SHUTDOWN_HOOK", "drain4j.shutdown-hook",
          "DRAIN4J_OUTBOUND_CLOSE_TIMEOUT", "drain4j.outbound-close-timeout",
          "DRAIN4J_QUIET_PERIOD", "drain4j.quiet-period",
          "DRAIN4J_MIN_PROPAGATION_DELAY", "drain4j.min-propagation-delay",
          "DRAIN4J_TERMINATION_GRACE_PERIOD", "drain4j.termination-grace-period");

  /**
   * Reads the {@code DRAIN4J_*} variables of a container's environment; other variables are
   * ignored.
   *
   * @param env name to value
   * @return the settings the application would run with
   * @throws IllegalArgumentException naming the variable when one is unknown (a typo) or its value
   *     is one drain4j would refuse at start, or when the deadline is not larger than the
   *     propagation delay
   */
  static Drain4jSettings fromEnvironment(Map<String, String> env) {
    Map<String, String> properties = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (!e.getKey().startsWith("DRAIN4J_")) {
        continue;
      }
      String key = KEYS.get(e.getKey());
      if (key == null) {
        throw new IllegalArgumentException(
            e.getKey()
                + " is not a drain4j variable; known: "
                + KEYS.keySet().stream().sorted().toList());
      }
      properties.put(key, e.getValue());
    }
    Duration delay;
    Duration deadline;
    // The real builder parses and validates every value; with the endpoint and the JVM hook off,
    // building it binds nothing and changes nothing outside this test.
    try (DrainCoordinator coordinator =
        DrainCoordinator.builder()
            .configure(properties)
            .statusEnabled(false)
            .shutdownHook(false)
            .build()) {
      delay = coordinator.propagationDelay();
      deadline = coordinator.deadline();
    } catch (DrainConfigException e) {
      throw new IllegalArgumentException(
          "drain4j would refuse this environment: " + envNames(e.getMessage()), e);
    }
    return new Drain4jSettings(
        delay,
        deadline,
        Boolean.parseBoolean(env.getOrDefault("DRAIN4J_STATUS_ENABLED", "true").trim()),
        env.getOrDefault("DRAIN4J_STATUS_ADDRESS", DEFAULT_STATUS_ADDRESS).trim(),
        Integer.parseInt(
            env.getOrDefault("DRAIN4J_STATUS_PORT", String.valueOf(DEFAULT_STATUS_PORT)).trim()),
        Boolean.parseBoolean(env.getOrDefault("DRAIN4J_SHUTDOWN_HOOK", "true").trim()),
        Set.copyOf(properties.keySet().stream().map(Drain4jSettings::envName).toList()));
  }

  /** Whether the status endpoint is reachable at 127.0.0.1, where the hooks call it. */
  boolean reachableOnLoopback() {
    return statusAddress.equals("127.0.0.1") || statusAddress.equals("localhost") || isWildcard();
  }

  /** Whether the status endpoint also listens on the pod IP, where kubelet probes connect. */
  boolean isWildcard() {
    return statusAddress.equals("0.0.0.0")
        || statusAddress.equals("::")
        || statusAddress.equals("[::]");
  }

  /** Propagation delay plus deadline: the drain's bound that the budget rules use. */
  Duration drainBound() {
    return propagationDelay.plus(deadline);
  }

  private static String envName(String key) {
    for (Map.Entry<String, String> e : KEYS.entrySet()) {
      if (e.getValue().equals(key)) {
        return e.getKey();
      }
    }
    return key;
  }

  /** Rewrites drain4j's key names in a message into the variable names the manifest uses. */
  private static String envNames(String message) {
    String m = message;
    // Longest keys first, so that drain4j.status.port is not read as drain4j.status + ".port".
    for (String key : KEYS.values().stream().sorted((a, b) -> b.length() - a.length()).toList()) {
      m = m.replace(key, envName(key));
    }
    return m;
  }
}

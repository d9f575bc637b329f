package io.drain4j.samples.grpc;

import java.util.Locale;
import java.util.Map;

/**
 * The demo's own settings, from the environment; drain4j's {@code DRAIN4J_*} settings are read by
 * the coordinator itself.
 *
 * @param port {@code PORT}: the gRPC port (plaintext HTTP/2), default 8080; 0 picks a free one
 * @param upstream {@code UPSTREAM_TARGET}: {@code host:port} of the service {@code Call} calls
 *     ({@code Work}); {@code null} when unset
 * @param drainEnabled {@code DRAIN4J_ENABLED}: {@code false} runs the same server without any
 *     drain4j interceptor, coordinator or status endpoint (a baseline for benchmarks)
 */
record DemoConfig(int port, String upstream, boolean drainEnabled) {
  static final int DEFAULT_PORT = 8080;

  /**
   * Reads the settings.
   *
   * @throws IllegalArgumentException naming the variable, its value and what is accepted
   */
  static DemoConfig from(Map<String, String> env) {
    return new DemoConfig(
        port(env.get("PORT")),
        upstream(env.get("UPSTREAM_TARGET")),
        enabled(env.get("DRAIN4J_ENABLED")));
  }

  private static int port(String value) {
    if (value == null || value.isBlank()) {
      return DEFAULT_PORT;
    }
    try {
      int port = Integer.parseInt(value.trim());
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // falls through
    }
    throw new IllegalArgumentException(
        "PORT=" + value + " is not a port; accepted: 0 (any free port) to 65535");
  }

  private static String upstream(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String target = value.trim();
    int colon = target.lastIndexOf(':');
    if (colon > 0 && colon < target.length() - 1 && !target.contains("/")) {
      try {
        int port = Integer.parseInt(target.substring(colon + 1));
        if (port > 0 && port <= 65535) {
          return target;
        }
      } catch (NumberFormatException e) {
        // falls through
      }
    }
    throw new IllegalArgumentException(
        "UPSTREAM_TARGET=" + value + " is not a target; accepted: host:port (port 1 to 65535)");
  }

  private static boolean enabled(String value) {
    if (value == null || value.isBlank()) {
      return true;
    }
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalArgumentException(
              "DRAIN4J_ENABLED=" + value + " is not a boolean; accepted: true or false");
    };
  }
}

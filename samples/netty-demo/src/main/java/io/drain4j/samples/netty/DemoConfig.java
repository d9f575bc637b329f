package io.drain4j.samples.netty;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;

/**
 * The demo's own settings, from the environment; drain4j's {@code DRAIN4J_*} settings are read by
 * the coordinator itself.
 *
 * @param port {@code PORT}: the HTTP port, default 8080; 0 picks a free one
 * @param upstream {@code UPSTREAM_URL}: base URL that {@code /call} calls; {@code null} when unset
 * @param drainEnabled {@code DRAIN4J_ENABLED}: {@code false} runs the same server without any
 *     drain4j handler, coordinator or status endpoint (a baseline for throughput benchmarks)
 */
record DemoConfig(int port, URI upstream, boolean drainEnabled) {
  static final int DEFAULT_PORT = 8080;

  /**
   * Reads the settings.
   *
   * @throws IllegalArgumentException naming the variable, its value and what is accepted
   */
  static DemoConfig from(Map<String, String> env) {
    return new DemoConfig(
        port(env.get("PORT")),
        upstream(env.get("UPSTREAM_URL")),
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

  private static URI upstream(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      URI uri = new URI(value.trim());
      if ("http".equalsIgnoreCase(uri.getScheme())
          && uri.getHost() != null
          && uri.getRawQuery() == null) {
        return uri;
      }
    } catch (URISyntaxException e) {
      // falls through
    }
    throw new IllegalArgumentException(
        "UPSTREAM_URL="
            + value
            + " is not a base URL; accepted: http://host[:port][/path], without a query");
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

  /** The upstream's port, 80 when the URL names none. */
  int upstreamPort() {
    return upstream.getPort() < 0 ? 80 : upstream.getPort();
  }

  /** The upstream URL's path without a trailing slash, so that {@code /work} can follow it. */
  String upstreamBasePath() {
    String path = upstream.getRawPath() == null ? "" : upstream.getRawPath();
    return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }
}

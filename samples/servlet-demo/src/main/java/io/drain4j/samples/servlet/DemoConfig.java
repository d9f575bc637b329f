package io.drain4j.samples.servlet;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;

/**
 * The demo's own settings, from the environment. The {@code DRAIN4J_*} settings are read by {@link
 * io.drain4j.DrainCoordinator#fromEnvironment()}.
 *
 * @param port {@code PORT}: the HTTP port, default 8080; 0 picks a free port
 * @param upstream {@code UPSTREAM_URL}: base URL that {@code /call} calls, without a trailing
 *     slash; {@code null} when not set, and {@code /call} then answers 502
 * @param drainEnabled {@code DRAIN4J_ENABLED}: {@code false} runs the same server with no filter
 *     and no coordinator at all (the baseline of the throughput benchmark); default {@code true}
 */
record DemoConfig(int port, URI upstream, boolean drainEnabled) {

  static final int DEFAULT_PORT = 8080;

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
      // reported below
    }
    throw new IllegalArgumentException("PORT=" + value + " is not a port; expected 0 to 65535");
  }

  private static URI upstream(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String base = value.trim();
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    try {
      URI uri = new URI(base);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
        return uri;
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "UPSTREAM_URL="
            + value
            + " is not an http(s) URL; expected for example http://upstream:8080");
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
              "DRAIN4J_ENABLED=" + value + " is not a boolean; accepted values: true, false");
    };
  }
}

package io.drain4j.samples.support;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A demo's own settings, read from the environment; drain4j's {@code DRAIN4J_*} settings are read
 * by {@link io.drain4j.DrainCoordinator#fromEnvironment()} itself. Every bad value fails with an
 * {@link IllegalArgumentException} naming the variable, its value and what is accepted; a blank
 * value counts as unset.
 */
public final class DemoEnv {
  /** The port a demo listens on when {@code PORT} is unset. */
  public static final int DEFAULT_PORT = 8080;

  private final Map<String, String> env;

  private DemoEnv(Map<String, String> env) {
    this.env = Objects.requireNonNull(env, "env");
  }

  /**
   * Reads the given variables.
   *
   * @param env the environment, usually {@link System#getenv()}; not null
   * @return the reader
   */
  public static DemoEnv of(Map<String, String> env) {
    return new DemoEnv(env);
  }

  /**
   * {@code PORT}: the port to listen on.
   *
   * @return 0 (any free port) to 65535; {@link #DEFAULT_PORT} when unset
   */
  public int port() {
    String value = env.get("PORT");
    if (isBlank(value)) {
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
    throw new IllegalArgumentException(
        "PORT=" + value + " is not a port; accepted: 0 (any free port) to 65535");
  }

  /**
   * {@code DRAIN4J_ENABLED}: {@code false} runs the demo without drain4j at all (no coordinator, no
   * status endpoint, no handler), the baseline of the benchmarks and of the mesh simulator's
   * "today" rows.
   *
   * @return {@code true} when unset
   */
  public boolean drainEnabled() {
    String value = env.get("DRAIN4J_ENABLED");
    if (isBlank(value)) {
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

  /**
   * A base URL such as {@code http://upstream:8080/api}, without a query; trailing slashes are
   * dropped so that a path can follow it.
   *
   * @param key the variable, for example {@code UPSTREAM_URL}; not null
   * @param schemes the schemes accepted, lower case, for example {@code Set.of("http")}; not null
   * @return the URL; {@code null} when unset
   */
  public URI baseUrl(String key, Set<String> schemes) {
    String value = env.get(key);
    if (isBlank(value)) {
      return null;
    }
    String base = value.trim();
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    try {
      URI uri = new URI(base);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (schemes.contains(scheme) && uri.getHost() != null && uri.getRawQuery() == null) {
        return uri;
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        key
            + "="
            + value
            + " is not a base URL; accepted: "
            + String.join(" or ", schemes.stream().sorted().toList())
            + "://host[:port][/path], without a query");
  }

  /**
   * A {@code host:port} target such as {@code upstream:9090}.
   *
   * @param key the variable, for example {@code UPSTREAM_TARGET}; not null
   * @return the target as given, trimmed; {@code null} when unset
   */
  public String hostPort(String key) {
    String value = env.get(key);
    if (isBlank(value)) {
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
        // reported below
      }
    }
    throw new IllegalArgumentException(
        key + "=" + value + " is not a target; accepted: host:port (port 1 to 65535)");
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }
}

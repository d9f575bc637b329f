package io.drain4j.samples.servlet;

import io.drain4j.samples.support.DemoEnv;
import java.net.URI;
import java.util.Map;
import java.util.Set;

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
  /**
   * Reads the settings.
   *
   * @throws IllegalArgumentException naming the variable, its value and what is accepted
   */
  static DemoConfig from(Map<String, String> env) {
    DemoEnv e = DemoEnv.of(env);
    return new DemoConfig(
        e.port(), e.baseUrl("UPSTREAM_URL", Set.of("http", "https")), e.drainEnabled());
  }
}

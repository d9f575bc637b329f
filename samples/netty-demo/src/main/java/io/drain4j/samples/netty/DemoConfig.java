package io.drain4j.samples.netty;

import io.drain4j.samples.support.DemoEnv;
import java.net.URI;
import java.util.Map;
import java.util.Set;

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
  /**
   * Reads the settings.
   *
   * @throws IllegalArgumentException naming the variable, its value and what is accepted
   */
  static DemoConfig from(Map<String, String> env) {
    DemoEnv e = DemoEnv.of(env);
    // http only: /call goes through drain4j's Netty client, which speaks plain HTTP/1.1.
    return new DemoConfig(e.port(), e.baseUrl("UPSTREAM_URL", Set.of("http")), e.drainEnabled());
  }

  /** The upstream's port, 80 when the URL names none. */
  int upstreamPort() {
    return upstream.getPort() < 0 ? 80 : upstream.getPort();
  }

  /** The upstream URL's path (without a trailing slash), so that {@code /work} can follow it. */
  String upstreamBasePath() {
    return upstream.getRawPath() == null ? "" : upstream.getRawPath();
  }
}

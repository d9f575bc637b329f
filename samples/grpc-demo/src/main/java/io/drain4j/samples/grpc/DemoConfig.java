package io.drain4j.samples.grpc;

import io.drain4j.samples.support.DemoEnv;
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
  /**
   * Reads the settings.
   *
   * @throws IllegalArgumentException naming the variable, its value and what is accepted
   */
  static DemoConfig from(Map<String, String> env) {
    DemoEnv e = DemoEnv.of(env);
    return new DemoConfig(e.port(), e.hostPort("UPSTREAM_TARGET"), e.drainEnabled());
  }
}

package io.drain4j.meshsim;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * How the workload calls the pod: one request (HTTP) or call (gRPC) on a connection of its own, no
 * retries, so that every loss is seen.
 */
interface Client {

  /**
   * Sends one request to {@code endpoint} and classifies what came back.
   *
   * @param ms the length asked for
   * @param silence how long the answer may take before the request counts as failed
   */
  Outcome.Classified send(Endpoint endpoint, long ms, Duration silence);

  /** The client for a demo of {@code kind}, sending to {@code target}. */
  static Client of(DemoKind kind, InetSocketAddress target) {
    if (kind == DemoKind.GRPC) {
      return new GrpcClient(target);
    }
    return (endpoint, ms, silence) ->
        Outcome.classify(endpoint, ms, HttpProbe.get(target, endpoint.path(ms), silence));
  }
}

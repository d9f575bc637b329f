package io.drain4j.meshsim;

/**
 * What a demo speaks, which decides how the simulator reaches it: its proxies' protocol, its
 * clients, its upstream and its readiness probe.
 */
enum DemoKind {
  /** HTTP/1.1 (DESIGN §8's four endpoints): the servlet, Netty and Spring demos. */
  HTTP,
  /** gRPC over HTTP/2 cleartext (h2c): {@code grpc-demo}, {@code drain4j.demo.v1.DemoService}. */
  GRPC,
  /** A Kafka consumer ({@code kafka-demo}): no inbound traffic, not run by the HTTP workload. */
  KAFKA;

  /** The kind of the demo named {@code demo}: by its name, as the samples are named. */
  static DemoKind of(String demo) {
    if (demo.startsWith("grpc")) {
      return GRPC;
    }
    if (demo.startsWith("kafka")) {
      return KAFKA;
    }
    return HTTP;
  }

  /** Whether the sidecars proxy HTTP/2 with prior knowledge ({@code proto h2}). */
  boolean h2() {
    return this == GRPC;
  }
}

/**
 * The gRPC demo: a grpc-java server with drain4j serving {@code drain4j.demo.v1.DemoService} and
 * {@code grpc.health.v1.Health}.
 */
package io.drain4j.samples.grpc;

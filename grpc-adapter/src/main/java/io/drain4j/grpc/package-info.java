/**
 * grpc-java 1.8x integration: a server interceptor that tracks every call as an inbound unit, the
 * server's lifecycle glue (health, {@code shutdown()}, forced end), a client interceptor that
 * tracks outbound calls, and channel registration. The entry point is {@link
 * io.drain4j.grpc.GrpcDrain}.
 */
package io.drain4j.grpc;

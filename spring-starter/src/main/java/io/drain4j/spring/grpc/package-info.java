/**
 * Spring gRPC (Spring Boot 4.1's gRPC server) integration: drain4j's server interceptor on every
 * call, the server's lifecycle under the drain, and its health manager turned NOT_SERVING when the
 * drain starts.
 */
package io.drain4j.spring.grpc;

package io.drain4j.spring.grpc;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import io.drain4j.DrainStatus;
import io.drain4j.UnitKind;
import io.drain4j.grpc.GrpcDrain;
import io.grpc.BindableService;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.grpc.server.lifecycle.GrpcServerLifecycle;
import org.springframework.grpc.server.lifecycle.GrpcServerShutdownEvent;

/**
 * A Spring Boot 4.1 application with Spring gRPC's server (grpc-netty) and the starter, no drain4j
 * code of its own: the context closes (as at SIGTERM) with a long call in flight.
 */
class GrpcDrainApplicationTest {
  private static final MethodDescriptor.Marshaller<String> STRING =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
          try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  static final MethodDescriptor<String, String> HOLD =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("test.Spring/Hold")
          .setRequestMarshaller(STRING)
          .setResponseMarshaller(STRING)
          .build();

  static final CountDownLatch entered = new CountDownLatch(1);
  static final CountDownLatch release = new CountDownLatch(1);

  /** The coordinator's state when Spring gRPC began to shut its server down. */
  static final CompletableFuture<DrainState> shutdownAt = new CompletableFuture<>();

  private ConfigurableApplicationContext context;

  /** The application: one service whose {@code Hold} calls wait for the test when asked to. */
  @SpringBootConfiguration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class GrpcApplication {
    @Bean
    ApplicationListener<GrpcServerShutdownEvent> shutdownWatch(DrainCoordinator coordinator) {
      return event -> shutdownAt.complete(coordinator.state());
    }

    @Bean
    BindableService holdService() {
      return () ->
          ServerServiceDefinition.builder("test.Spring")
              .addMethod(
                  HOLD,
                  ServerCalls.asyncUnaryCall(
                      (request, out) -> {
                        if (request.equals("hold")) {
                          entered.countDown();
                          try {
                            release.await(60, SECONDS);
                          } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                          }
                        }
                        out.onNext("ok " + request);
                        out.onCompleted();
                      }))
              .build();
    }
  }

  @AfterEach
  void tearDown() {
    release.countDown();
    if (context != null) {
      context.close();
    }
  }

  @Test
  void theServerServesThroughDrainingAndStopsOnlyAfterTheCallInFlightCompleted() throws Exception {
    context =
        new SpringApplicationBuilder(GrpcApplication.class)
            .web(WebApplicationType.NONE)
            .properties(
                "spring.grpc.server.port=0",
                "spring.grpc.server.address=127.0.0.1",
                "drain4j.status.port=0",
                "drain4j.propagation-delay=3s", // room for a new call on a loaded machine
                "drain4j.deadline=30s")
            .run();
    assertThat(context.getBeansOfType(GrpcDrain.class)).hasSize(1);
    assertThat(context.getBeansOfType(ServerInterceptor.class))
        .containsKey("drain4jGrpcServerInterceptor");
    DrainCoordinator coordinator = context.getBean(DrainCoordinator.class);
    int port = context.getBean(GrpcServerLifecycle.class).getPort();
    ManagedChannel channel = channel(port);
    try {
      CompletableFuture<String> hold = CompletableFuture.supplyAsync(() -> call(channel, "hold"));
      assertThat(entered.await(30, SECONDS)).isTrue();
      assertThat(coordinator.inflight(UnitKind.INBOUND)).isEqualTo(1);

      CompletableFuture<Void> closed = CompletableFuture.runAsync(context::close);
      coordinator.whenDraining().get(30, SECONDS);
      assertThat(coordinator.state()).isEqualTo(DrainState.DRAINING);
      // DRAINING: still served, on a new connection too (Spring gRPC alone shuts down here).
      ManagedChannel fresh = channel(port);
      try {
        assertThat(call(fresh, "new")).isEqualTo("ok new");
      } finally {
        fresh.shutdownNow();
      }
      coordinator.whenQuiescing().get(30, SECONDS);
      assertThat(closed).isNotDone();

      release.countDown();
      assertThat(hold.get(30, SECONDS)).isEqualTo("ok hold");
      DrainStatus drained = coordinator.whenDrained().get(30, SECONDS);
      assertThat(drained.forced()).isFalse();
      closed.get(30, SECONDS);
      // Spring gRPC's own stop finds the server shut down by then and publishes nothing; had it
      // shut the server down itself, it would have been at DRAINING.
      assertThat(shutdownAt.getNow(DrainState.DRAINED))
          .as("Spring gRPC's own shutdown waited for DRAINED")
          .isEqualTo(DrainState.DRAINED);
    } finally {
      channel.shutdownNow();
    }
  }

  private static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  private static String call(ManagedChannel channel, String request) {
    return ClientCalls.blockingUnaryCall(
        channel, HOLD, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), request);
  }
}

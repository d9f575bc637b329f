package io.drain4j.samples.grpc;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.samples.grpc.v1.DemoServiceGrpc;
import io.drain4j.samples.grpc.v1.Reply;
import io.drain4j.samples.grpc.v1.StreamRequest;
import io.drain4j.samples.grpc.v1.WorkRequest;
import io.drain4j.samples.support.testing.DemoJvm;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** Runs the packaged jar as a child JVM and stops it with SIGTERM while calls are in flight. */
class GrpcDemoProcessIT {
  @Test
  void
      whenSigtermArrivesWithCallsInFlightThenAllCompleteAndTheProcessExitsWithinOneSecondOfDrained()
          throws Exception {
    CountDownLatch upstreamCalled = new CountDownLatch(1);
    Server upstream =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(
                new DemoServiceGrpc.DemoServiceImplBase() {
                  @Override
                  public void work(WorkRequest request, StreamObserver<Reply> out) {
                    upstreamCalled.countDown();
                    LockSupport.parkNanos(MILLISECONDS.toNanos(request.getMs()));
                    out.onNext(Reply.newBuilder().setText("upstream ok").build());
                    out.onCompleted();
                  }
                })
            .build()
            .start();
    DemoJvm demo =
        DemoJvm.startListening(
            "grpc-demo",
            Map.of(
                "UPSTREAM_TARGET", "127.0.0.1:" + upstream.getPort(), "DRAIN4J_DEADLINE", "20s"));
    ManagedChannel channel = channel(demo);
    try {
      DemoServiceGrpc.DemoServiceFutureStub stub =
          DemoServiceGrpc.newFutureStub(channel).withDeadlineAfter(30, SECONDS);
      var work = stub.work(WorkRequest.newBuilder().setMs(6000).build());
      var call = stub.call(WorkRequest.newBuilder().setMs(6000).build());
      CompletableFuture<List<String>> stream = stream(channel, 6000, 6);
      demo.awaitInflightInbound(3); // Work, Call, Stream: each has reached its handler
      assertThat(upstreamCalled.await(20, SECONDS)).isTrue();
      var job = stub.job(WorkRequest.newBuilder().setMs(2000).build());
      assertThat(job.get(20, SECONDS).getText()).isEqualTo("accepted");
      Iterator<HealthCheckResponse> health =
          HealthGrpc.newBlockingStub(channel)
              .withDeadlineAfter(30, SECONDS)
              .watch(HealthCheckRequest.newBuilder().setService("").build());
      assertThat(health.next().getStatus()).isEqualTo(ServingStatus.SERVING);

      // SIGTERM through the handle: Process.destroy() would also close our end of its output.
      assertThat(demo.process().toHandle().destroy()).isTrue();
      AtomicLong exitedAt = new AtomicLong();
      CompletableFuture<Void> exited =
          demo.process().onExit().thenRun(() -> exitedAt.set(System.nanoTime()));
      assertThat(health.next().getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
      // What a sidecar's preStop hook waits on; answered the moment DRAINED is reported.
      HttpResponse<String> drained =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://" + demo.status() + "/drain/await?timeout=30s"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      long drainedAt = System.nanoTime();
      assertThat(drained.statusCode()).isEqualTo(200);
      assertThat(drained.body()).contains("\"state\":\"DRAINED\"").contains("\"forced\":false");

      assertThat(work.get(20, SECONDS).getText()).isEqualTo("ok");
      assertThat(call.get(20, SECONDS).getText()).isEqualTo("upstream ok");
      assertThat(stream.get(20, SECONDS))
          .containsExactly("chunk 0", "chunk 1", "chunk 2", "chunk 3", "chunk 4", "chunk 5");
      exited.get(20, SECONDS);
      assertThat(Duration.ofNanos(exitedAt.get() - drainedAt))
          .as("the process exits within 1 s of DRAINED (+ the observation slack)")
          .isLessThan(Duration.ofSeconds(1).plus(DemoJvm.EXIT_OBSERVATION_SLACK));
      assertThat(demo.process().exitValue()).isEqualTo(143); // 128 + SIGTERM, after the hooks
      demo.awaitOutputEnd(Duration.ofSeconds(10));
      String line =
          demo.output().stream()
              .filter(l -> l.contains("drain4j DRAINED after"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no DRAINED line in " + demo.output()));
      assertThat(line).doesNotContain("forced");
    } finally {
      channel.shutdownNow();
      demo.close();
      upstream.shutdownNow();
    }
  }

  @Test
  void
      whenACallNeverEndsThenItIsCutWithUnavailableAndTheProcessExitsWithinTheDeadlinePlusOneSecond()
          throws Exception {
    Duration deadline = Duration.ofSeconds(4);
    DemoJvm demo = DemoJvm.startListening("grpc-demo", Map.of("DRAIN4J_DEADLINE", "4s"));
    ManagedChannel channel = channel(demo);
    try {
      var never =
          DemoServiceGrpc.newFutureStub(channel)
              .work(WorkRequest.newBuilder().setMs(600_000).build());
      demo.awaitInflightInbound(1);

      assertThat(demo.sigtermAndTimeTheExitFromTheDrainStart(deadline.plusSeconds(10)))
          .as("gone within deadline + 1 s of the drain's start (+ the observation slack)")
          .isLessThan(deadline.plusSeconds(1).plus(DemoJvm.EXIT_OBSERVATION_SLACK));
      assertThat(demo.process().exitValue()).isEqualTo(143);
      Status status = Status.fromThrowable(catchFailure(never));
      assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(status.getDescription()).isEqualTo("server shutting down");
      demo.awaitOutputEnd(Duration.ofSeconds(10));
      assertThat(demo.output())
          .anySatisfy(l -> assertThat(l).contains("WARN").contains("deadline of 4s reached"))
          .anySatisfy(
              l -> assertThat(l).contains("inbound grpc drain4j.demo.v1.DemoService/Work age="))
          .anySatisfy(l -> assertThat(l).contains("drain4j DRAINED (forced) after"));
    } finally {
      channel.shutdownNow();
      demo.close();
    }
  }

  private static Throwable catchFailure(java.util.concurrent.Future<?> f) throws Exception {
    try {
      f.get(10, SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("the call succeeded");
  }

  @Test
  void whenDrainIsDisabledThenSigtermStopsTheServerAsGrpcJavaAdvisesAndTheCallsInFlightEnd()
      throws Exception {
    // The mesh simulator's "today" baseline: shutdown(), awaitTermination(30 s), shutdownNow().
    DemoJvm demo = DemoJvm.startListening("grpc-demo", Map.of("DRAIN4J_ENABLED", "false"));
    ManagedChannel channel = channel(demo);
    try {
      assertThat(demo.status()).as("no status endpoint").isNull();
      CountDownLatch firstChunk = new CountDownLatch(1);
      CompletableFuture<List<String>> stream = new CompletableFuture<>();
      List<String> texts = new ArrayList<>();
      DemoServiceGrpc.newStub(channel).withDeadlineAfter(30, SECONDS).stream(
          StreamRequest.newBuilder().setMs(4000).setChunks(4).build(),
          new StreamObserver<>() {
            @Override
            public void onNext(Reply reply) {
              texts.add(reply.getText());
              firstChunk.countDown();
            }

            @Override
            public void onError(Throwable t) {
              stream.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
              stream.complete(texts);
            }
          });
      assertThat(firstChunk.await(20, SECONDS)).as("the stream is under way").isTrue();

      assertThat(demo.process().toHandle().destroy()).isTrue();

      assertThat(stream.get(30, SECONDS))
          .containsExactly("chunk 0", "chunk 1", "chunk 2", "chunk 3");
      assertThat(demo.process().waitFor(30, SECONDS)).as("the demo exits").isTrue();
      assertThat(demo.process().exitValue()).isEqualTo(143);
    } finally {
      channel.shutdownNow();
      demo.close();
    }
  }

  private static CompletableFuture<List<String>> stream(
      ManagedChannel channel, long ms, int chunks) {
    CompletableFuture<List<String>> done = new CompletableFuture<>();
    List<String> texts = new ArrayList<>();
    DemoServiceGrpc.newStub(channel).withDeadlineAfter(30, SECONDS).stream(
        StreamRequest.newBuilder().setMs(ms).setChunks(chunks).build(),
        new StreamObserver<>() {
          @Override
          public void onNext(Reply reply) {
            texts.add(reply.getText());
          }

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            done.complete(texts);
          }
        });
    return done;
  }

  private static ManagedChannel channel(DemoJvm demo) {
    return NettyChannelBuilder.forAddress("127.0.0.1", demo.port()).usePlaintext().build();
  }
}

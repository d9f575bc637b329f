package io.drain4j.samples.grpc;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.NANOSECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.samples.grpc.v1.DemoServiceGrpc;
import io.drain4j.samples.grpc.v1.Reply;
import io.drain4j.samples.grpc.v1.StreamRequest;
import io.drain4j.samples.grpc.v1.WorkRequest;
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
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    DemoProcess demo =
        DemoProcess.start(
            Map.of(
                "UPSTREAM_TARGET", "127.0.0.1:" + upstream.getPort(), "DRAIN4J_DEADLINE", "20s"));
    ManagedChannel channel = demo.channel();
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
      assertThat(demo.process.toHandle().destroy()).isTrue();
      AtomicLong exitedAt = new AtomicLong();
      CompletableFuture<Void> exited =
          demo.process.onExit().thenRun(() -> exitedAt.set(System.nanoTime()));
      assertThat(health.next().getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
      // What a sidecar's preStop hook waits on; answered the moment DRAINED is reported.
      HttpResponse<String> drained =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://" + demo.status + "/drain/await?timeout=30s"))
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
          .as("the process exits within 1 s of DRAINED")
          .isLessThan(Duration.ofSeconds(1));
      assertThat(demo.process.exitValue()).isEqualTo(143); // 128 + SIGTERM, after the hooks
      demo.reader.join(10_000);
      String line =
          demo.output.stream()
              .filter(l -> l.contains("drain4j DRAINED after"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no DRAINED line in " + demo.output));
      assertThat(line).doesNotContain("forced");
    } finally {
      channel.shutdownNow();
      demo.process.destroyForcibly();
      upstream.shutdownNow();
    }
  }

  @Test
  void
      whenACallNeverEndsThenItIsCutWithUnavailableAndTheProcessExitsWithinTheDeadlinePlusOneSecond()
          throws Exception {
    Duration deadline = Duration.ofSeconds(4);
    DemoProcess demo = DemoProcess.start(Map.of("DRAIN4J_DEADLINE", "4s"));
    ManagedChannel channel = demo.channel();
    try {
      var never =
          DemoServiceGrpc.newFutureStub(channel)
              .work(WorkRequest.newBuilder().setMs(600_000).build());
      demo.awaitInflightInbound(1);

      long sigterm = System.nanoTime();
      assertThat(demo.process.toHandle().destroy()).isTrue();
      assertThat(demo.process.waitFor(deadline.plusSeconds(10).toMillis(), MILLISECONDS)).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - sigterm))
          .as("gone within deadline + 1 s")
          .isLessThan(deadline.plusSeconds(1));
      assertThat(demo.process.exitValue()).isEqualTo(143);
      Status status = Status.fromThrowable(catchFailure(never));
      assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(status.getDescription()).isEqualTo("server shutting down");
      demo.reader.join(10_000);
      assertThat(demo.output)
          .anySatisfy(l -> assertThat(l).contains("WARN").contains("deadline of 4s reached"))
          .anySatisfy(
              l -> assertThat(l).contains("inbound grpc drain4j.demo.v1.DemoService/Work age="))
          .anySatisfy(l -> assertThat(l).contains("drain4j DRAINED (forced) after"));
    } finally {
      channel.shutdownNow();
      demo.process.destroyForcibly();
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

  /** The demo jar running in a child JVM, with its output collected line by line. */
  private static final class DemoProcess {
    private static final Pattern LISTENING =
        Pattern.compile("grpc-demo listening on port (\\d+), drain4j status (\\S+)");

    final Process process;
    final List<String> output = new CopyOnWriteArrayList<>();
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final Thread reader;
    int port;
    String status;

    private DemoProcess(Process process) {
      this.process = process;
      reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line = r.readLine(); line != null; line = r.readLine()) {
                    output.add(line);
                    lines.add(line);
                  }
                } catch (IOException e) {
                  // the process is gone
                }
              },
              "demo-output");
      reader.setDaemon(true);
    }

    /** Starts the jar on free ports with a 1 s propagation delay, plus {@code env}. */
    static DemoProcess start(Map<String, String> env) throws Exception {
      Path jar = Path.of("target", "grpc-demo.jar");
      assertThat(jar).exists();
      ProcessBuilder pb =
          new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-jar",
              jar.toString());
      pb.environment().put("PORT", "0");
      pb.environment().put("DRAIN4J_STATUS_PORT", "0");
      pb.environment().put("DRAIN4J_PROPAGATION_DELAY", "1s");
      pb.environment().putAll(env);
      pb.redirectErrorStream(true);
      DemoProcess demo = new DemoProcess(pb.start());
      demo.reader.start();
      Matcher m = LISTENING.matcher(demo.awaitLine("grpc-demo listening on port"));
      assertThat(m.find()).isTrue();
      demo.port = Integer.parseInt(m.group(1));
      demo.status = m.group(2);
      return demo;
    }

    ManagedChannel channel() {
      return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    /** Waits at most 30 s for a line containing {@code text}, and returns it. */
    String awaitLine(String text) throws InterruptedException {
      long end = System.nanoTime() + SECONDS.toNanos(30);
      for (String line;
          (line = lines.poll(Math.max(1, end - System.nanoTime()), NANOSECONDS)) != null; ) {
        if (line.contains(text)) {
          return line;
        }
      }
      throw new AssertionError("no line with \"" + text + "\" within 30 s: " + output);
    }

    /**
     * Waits, bounded, until the status endpoint counts {@code n} inbound units: a call sent gives
     * no sign of having reached the server before its answer, hence the poll.
     */
    void awaitInflightInbound(int n) throws Exception {
      HttpClient client = HttpClient.newHttpClient();
      HttpRequest get = HttpRequest.newBuilder(URI.create("http://" + status + "/drain")).build();
      long end = System.nanoTime() + SECONDS.toNanos(30);
      java.util.Set<String> seen = new java.util.LinkedHashSet<>();
      while (System.nanoTime() - end < 0) {
        String body = client.send(get, HttpResponse.BodyHandlers.ofString()).body();
        if (body.contains("\"inbound\":" + n + ",")) {
          return;
        }
        seen.add(
            body.replaceAll("\"(oldestInflightMs|drainElapsedMs|deadlineRemainingMs)\":\\d+", ""));
        LockSupport.parkNanos(MILLISECONDS.toNanos(10));
      }
      throw new AssertionError("never " + n + " inbound in flight: " + seen);
    }
  }
}

package io.drain4j.samples.netty;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.drain4j.samples.support.testing.DemoJvm;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** Runs the packaged jar as a child JVM and stops it with SIGTERM while requests are in flight. */
class NettyDemoProcessIT {
  @Test
  void whenSigtermArrivesWithRequestsInFlightThenTheyCompleteAndTheProcessExitsAfterTheDrain()
      throws Exception {
    CountDownLatch upstreamCalled = new CountDownLatch(1);
    ExecutorService upstreamThreads = Executors.newCachedThreadPool();
    InetAddress loopback = InetAddress.getLoopbackAddress();
    HttpServer upstream = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
    upstream.createContext(
        "/work",
        exchange -> {
          upstreamCalled.countDown();
          long ms = Long.parseLong(exchange.getRequestURI().getQuery().replace("ms=", ""));
          try {
            Thread.sleep(ms);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          byte[] body = "upstream ok".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    upstream.setExecutor(upstreamThreads);
    upstream.start();

    // The URI constructor brackets an IPv6 literal.
    URI upstreamUrl =
        new URI(
            "http",
            null,
            loopback.getHostAddress(),
            upstream.getAddress().getPort(),
            null,
            null,
            null);
    DemoJvm demo =
        DemoJvm.startListening(
            "netty-demo",
            Map.of("UPSTREAM_URL", upstreamUrl.toString(), "DRAIN4J_DEADLINE", "20s"));
    try {
      int port = demo.port();
      HttpClient client =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(10))
              .build();
      CompletableFuture<HttpResponse<String>> work =
          client.sendAsync(request(port, "/work?ms=3000"), HttpResponse.BodyHandlers.ofString());
      CompletableFuture<HttpResponse<String>> call =
          client.sendAsync(request(port, "/call?ms=3000"), HttpResponse.BodyHandlers.ofString());
      assertThat(upstreamCalled.await(20, SECONDS)).isTrue();

      // SIGTERM through the handle: Process.destroy() would also close our end of its output.
      assertThat(demo.process().toHandle().destroy()).isTrue();

      HttpResponse<String> w = work.get(20, SECONDS);
      HttpResponse<String> c = call.get(20, SECONDS);
      assertThat(w.statusCode()).isEqualTo(200);
      assertThat(w.body()).isEqualTo("ok");
      assertThat(c.statusCode()).isEqualTo(200);
      assertThat(c.body()).isEqualTo("upstream ok");
      assertThat(demo.process().waitFor(20, SECONDS)).as("the demo exits after the drain").isTrue();
      assertThat(demo.process().exitValue()).isEqualTo(143); // 128 + SIGTERM, after the hooks
      demo.awaitOutputEnd(Duration.ofSeconds(10));
      // Logged by the coordinator before it reports DRAINED, so before the JVM may exit.
      List<String> output = demo.output();
      String drained =
          output.stream()
              .filter(l -> l.contains("drain4j DRAINED after"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no DRAINED line in " + output));
      assertThat(drained).doesNotContain("forced");
    } finally {
      demo.close();
      upstream.stop(0);
      upstreamThreads.shutdownNow();
    }
  }

  @Test
  void whenTheDrainIsStartedByPostThenTheStatusEndpointAnswersUntilSigtermEndsTheProcess()
      throws Exception {
    DemoJvm demo = DemoJvm.startListening("netty-demo", Map.of("DRAIN4J_DEADLINE", "20s"));
    try {
      HttpClient client = HttpClient.newHttpClient();
      URI drain = URI.create("http://" + demo.status() + "/drain");
      HttpResponse<String> started =
          client.send(
              HttpRequest.newBuilder(drain).POST(HttpRequest.BodyPublishers.noBody()).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(started.statusCode()).isEqualTo(202);
      demo.awaitLine("netty-demo stopped"); // both before and after the server stopped serving

      // The server has stopped and its event loops are gone; the endpoint still answers.
      HttpResponse<String> status =
          client.send(HttpRequest.newBuilder(drain).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(status.statusCode()).isEqualTo(200);
      assertThat(status.body()).contains("\"state\":\"DRAINED\"");
      HttpResponse<String> again =
          client.send(
              HttpRequest.newBuilder(drain).POST(HttpRequest.BodyPublishers.noBody()).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(again.statusCode()).isEqualTo(200);
      assertThat(demo.process().isAlive()).isTrue();

      long sigterm = System.nanoTime();
      assertThat(demo.process().toHandle().destroy()).isTrue();
      assertThat(demo.process().waitFor(10, SECONDS)).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - sigterm))
          .as("already drained: SIGTERM ends the process at once")
          .isLessThan(Duration.ofSeconds(2));
      assertThat(demo.process().exitValue()).isEqualTo(143);
    } finally {
      demo.close();
    }
  }

  @Test
  void whenARequestNeverEndsThenSigtermEndsTheProcessWithinTheDeadlinePlusOneSecond()
      throws Exception {
    Duration deadline = Duration.ofSeconds(4);
    DemoJvm demo = DemoJvm.startListening("netty-demo", Map.of("DRAIN4J_DEADLINE", "4s"));
    try {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      CompletableFuture<HttpResponse<String>> never =
          client.sendAsync(
              request(demo.port(), "/work?ms=600000"), HttpResponse.BodyHandlers.ofString());
      demo.awaitInflightInbound(1);

      assertThat(demo.sigtermAndTimeTheExitFromTheDrainStart(deadline.plusSeconds(10)))
          .as("gone within deadline + 1 s of the drain's start (+ the observation slack)")
          .isLessThan(deadline.plusSeconds(1).plus(DemoJvm.EXIT_OBSERVATION_SLACK));
      assertThat(demo.process().exitValue()).isEqualTo(143);
      demo.awaitOutputEnd(Duration.ofSeconds(10));
      assertThat(demo.output())
          .anySatisfy(l -> assertThat(l).contains("WARN").contains("deadline of 4s reached"))
          .anySatisfy(l -> assertThat(l).contains("inbound GET /work age="))
          .anySatisfy(l -> assertThat(l).contains("drain4j DRAINED (forced) after"));
      assertThat(never).isCompletedExceptionally();
    } finally {
      demo.close();
    }
  }

  private static HttpRequest request(int port, String pathAndQuery) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
        .timeout(Duration.ofSeconds(30))
        .build();
  }
}

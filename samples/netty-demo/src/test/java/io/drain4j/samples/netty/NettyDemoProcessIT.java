package io.drain4j.samples.netty;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.NANOSECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    DemoProcess demo =
        DemoProcess.start(
            Map.of("UPSTREAM_URL", upstreamUrl.toString(), "DRAIN4J_DEADLINE", "20s"));
    List<String> output = demo.output;
    try {
      int port = demo.port;
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
      assertThat(demo.process.toHandle().destroy()).isTrue();

      HttpResponse<String> w = work.get(20, SECONDS);
      HttpResponse<String> c = call.get(20, SECONDS);
      assertThat(w.statusCode()).isEqualTo(200);
      assertThat(w.body()).isEqualTo("ok");
      assertThat(c.statusCode()).isEqualTo(200);
      assertThat(c.body()).isEqualTo("upstream ok");
      assertThat(demo.process.waitFor(20, SECONDS)).as("the demo exits after the drain").isTrue();
      assertThat(demo.process.exitValue()).isEqualTo(143); // 128 + SIGTERM, after the hooks
      demo.reader.join(10_000);
      // Logged by the coordinator before it reports DRAINED, so before the JVM may exit.
      String drained =
          output.stream()
              .filter(l -> l.contains("drain4j DRAINED after"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no DRAINED line in " + output));
      assertThat(drained).doesNotContain("forced");
    } finally {
      demo.process.destroyForcibly();
      upstream.stop(0);
      upstreamThreads.shutdownNow();
    }
  }

  @Test
  void whenTheDrainIsStartedByPostThenTheStatusEndpointAnswersUntilSigtermEndsTheProcess()
      throws Exception {
    DemoProcess demo = DemoProcess.start(Map.of("DRAIN4J_DEADLINE", "20s"));
    try {
      HttpClient client = HttpClient.newHttpClient();
      URI drain = URI.create("http://" + demo.status + "/drain");
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
      assertThat(demo.process.isAlive()).isTrue();

      long sigterm = System.nanoTime();
      assertThat(demo.process.toHandle().destroy()).isTrue();
      assertThat(demo.process.waitFor(10, SECONDS)).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - sigterm))
          .as("already drained: SIGTERM ends the process at once")
          .isLessThan(Duration.ofSeconds(2));
      assertThat(demo.process.exitValue()).isEqualTo(143);
    } finally {
      demo.process.destroyForcibly();
    }
  }

  @Test
  void whenARequestNeverEndsThenSigtermEndsTheProcessWithinTheDeadlinePlusOneSecond()
      throws Exception {
    Duration deadline = Duration.ofSeconds(4);
    DemoProcess demo = DemoProcess.start(Map.of("DRAIN4J_DEADLINE", "4s"));
    try {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      CompletableFuture<HttpResponse<String>> never =
          client.sendAsync(
              request(demo.port, "/work?ms=600000"), HttpResponse.BodyHandlers.ofString());
      demo.awaitInflightInbound(client, 1);

      long sigterm = System.nanoTime();
      assertThat(demo.process.toHandle().destroy()).isTrue();
      assertThat(demo.process.waitFor(deadline.plusSeconds(10).toMillis(), MILLISECONDS)).isTrue();
      Duration exit = Duration.ofNanos(System.nanoTime() - sigterm);
      assertThat(exit).as("gone within deadline + 1 s").isLessThan(deadline.plusSeconds(1));
      assertThat(demo.process.exitValue()).isEqualTo(143);
      demo.reader.join(10_000);
      assertThat(demo.output)
          .anySatisfy(l -> assertThat(l).contains("WARN").contains("deadline of 4s reached"))
          .anySatisfy(l -> assertThat(l).contains("inbound GET /work age="))
          .anySatisfy(l -> assertThat(l).contains("drain4j DRAINED (forced) after"));
      assertThat(never).isCompletedExceptionally();
    } finally {
      demo.process.destroyForcibly();
    }
  }

  /** The demo jar running in a child JVM, with its output collected line by line. */
  private static final class DemoProcess {
    private static final Pattern LISTENING =
        Pattern.compile("netty-demo listening on port (\\d+), drain4j status (\\S+)");

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
      Path jar = Path.of("target", "netty-demo.jar");
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
      Matcher m = LISTENING.matcher(demo.awaitLine("netty-demo listening on port"));
      assertThat(m.find()).isTrue();
      demo.port = Integer.parseInt(m.group(1));
      demo.status = m.group(2);
      return demo;
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
     * Waits, bounded, until the status endpoint counts {@code n} inbound units: a request sent
     * gives no sign of having reached the server before its answer, hence the poll.
     */
    void awaitInflightInbound(HttpClient client, int n) throws Exception {
      HttpRequest get = HttpRequest.newBuilder(URI.create("http://" + status + "/drain")).build();
      long end = System.nanoTime() + SECONDS.toNanos(30);
      String body = "";
      while (System.nanoTime() - end < 0) {
        body = client.send(get, HttpResponse.BodyHandlers.ofString()).body();
        if (body.contains("\"inbound\":" + n + ",")) {
          return;
        }
        LockSupport.parkNanos(MILLISECONDS.toNanos(10));
      }
      throw new AssertionError("never " + n + " inbound in flight: " + body);
    }
  }

  private static HttpRequest request(int port, String pathAndQuery) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
        .timeout(Duration.ofSeconds(30))
        .build();
  }
}

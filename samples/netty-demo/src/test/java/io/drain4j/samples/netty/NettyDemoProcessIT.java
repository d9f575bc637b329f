package io.drain4j.samples.netty;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Runs the packaged jar as a child JVM and stops it with SIGTERM while requests are in flight. */
class NettyDemoProcessIT {
  private static final Pattern LISTENING = Pattern.compile("netty-demo listening on port (\\d+)");

  @Test
  void whenSigtermArrivesWithRequestsInFlightThenTheyCompleteAndTheProcessExitsAfterTheDrain()
      throws Exception {
    Path jar = Path.of("target", "netty-demo.jar");
    assertThat(jar).exists();
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

    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-jar",
            jar.toString());
    pb.environment().put("PORT", "0");
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
    pb.environment().put("UPSTREAM_URL", upstreamUrl.toString());
    pb.environment().put("DRAIN4J_STATUS_PORT", "0");
    pb.environment().put("DRAIN4J_PROPAGATION_DELAY", "1s");
    pb.environment().put("DRAIN4J_DEADLINE", "20s");
    pb.redirectErrorStream(true);
    Process demo = pb.start();
    List<String> output = new CopyOnWriteArrayList<>();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                  output.add(line);
                  lines.add(line);
                }
              } catch (java.io.IOException e) {
                // the process is gone
              }
            },
            "demo-output");
    reader.setDaemon(true);
    reader.start();
    try {
      int port = awaitPort(lines);
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
      assertThat(demo.toHandle().destroy()).isTrue();

      HttpResponse<String> w = work.get(20, SECONDS);
      HttpResponse<String> c = call.get(20, SECONDS);
      assertThat(w.statusCode()).isEqualTo(200);
      assertThat(w.body()).isEqualTo("ok");
      assertThat(c.statusCode()).isEqualTo(200);
      assertThat(c.body()).isEqualTo("upstream ok");
      assertThat(demo.waitFor(20, SECONDS)).as("the demo exits after the drain").isTrue();
      assertThat(demo.exitValue()).isEqualTo(143); // 128 + SIGTERM, after the shutdown hooks
      reader.join(10_000);
      // Logged by the coordinator before it reports DRAINED, so before the JVM may exit.
      String drained =
          output.stream()
              .filter(l -> l.contains("drain4j DRAINED after"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no DRAINED line in " + output));
      assertThat(drained).doesNotContain("forced");
    } finally {
      demo.destroyForcibly();
      upstream.stop(0);
      upstreamThreads.shutdownNow();
    }
  }

  private static HttpRequest request(int port, String pathAndQuery) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
        .timeout(Duration.ofSeconds(30))
        .build();
  }

  private static int awaitPort(BlockingQueue<String> lines) throws InterruptedException {
    long end = System.nanoTime() + SECONDS.toNanos(30);
    for (String line;
        (line =
                lines.poll(
                    Math.max(1, end - System.nanoTime()),
                    java.util.concurrent.TimeUnit.NANOSECONDS))
            != null; ) {
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
    }
    throw new AssertionError("the demo did not report its port within 30 s");
  }
}

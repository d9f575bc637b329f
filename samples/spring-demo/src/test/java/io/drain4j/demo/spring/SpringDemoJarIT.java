package io.drain4j.demo.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.drain4j.samples.support.testing.DemoJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Runs {@code target/spring-demo.jar} as a child process, sends SIGTERM while requests, an outbound
 * call and a background job are in flight, and checks that they all complete and that the process
 * exits after the drain.
 */
class SpringDemoJarIT {
  private final List<String> output = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Void> started = new CompletableFuture<>();
  private final CountDownLatch upstreamCalled = new CountDownLatch(1);
  private final CountDownLatch upstreamRelease = new CountDownLatch(1);
  private final ExecutorService upstreamThreads = Executors.newCachedThreadPool();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private HttpServer upstream;
  private Process process;
  private Thread reader;

  @AfterEach
  void cleanUp() throws Exception {
    upstreamRelease.countDown();
    if (process != null && process.isAlive()) {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    if (upstream != null) {
      upstream.stop(0);
    }
    upstreamThreads.shutdownNow();
  }

  @Test
  void whenSigtermArrivesWithWorkInFlightThenItCompletesAndTheProcessExitsAfterTheDrain()
      throws Exception {
    startUpstream();
    int port = freePort();
    int statusPort = freePort();
    start(port, statusPort);

    String app = "http://127.0.0.1:" + port;
    String status = "http://127.0.0.1:" + statusPort;
    assertThat(get(status + "/ready").statusCode()).isEqualTo(200);

    CompletableFuture<HttpResponse<String>> work1 = getAsync(app + "/work?ms=4000");
    CompletableFuture<HttpResponse<String>> work2 = getAsync(app + "/work?ms=4000");
    assertThat(get(app + "/job?ms=4000").statusCode()).isEqualTo(202);
    CompletableFuture<HttpResponse<String>> call = getAsync(app + "/call?ms=0");
    CompletableFuture<HttpResponse<String>> stream = getAsync(app + "/stream?ms=4000&chunks=4");
    assertThat(upstreamCalled.await(30, TimeUnit.SECONDS)).isTrue();

    // What the sidecar's preStop does: wait on the status endpoint for the end of the drain. The
    // connection is made and the request sent before SIGTERM, so it cannot miss the process.
    try (Socket await = new Socket()) {
      await.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), statusPort), 10_000);
      await.setSoTimeout(90_000);
      await
          .getOutputStream()
          .write(
              """
              GET /drain/await?timeout=60s HTTP/1.1\r
              Host: pod\r
              Connection: close\r
              \r
              """
                  .getBytes(StandardCharsets.US_ASCII));
      await.getOutputStream().flush();

      // SIGTERM. Not Process.destroy(): it also closes this end of the child's output pipe.
      assertThat(process.toHandle().destroy()).isTrue();

      // The outbound call is answered now, during the drain, through the client that stayed open.
      upstreamRelease.countDown();
      assertThat(work1.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      assertThat(work2.get(60, TimeUnit.SECONDS).body()).isEqualTo("ok");
      HttpResponse<String> called = call.get(60, TimeUnit.SECONDS);
      assertThat(called.statusCode()).isEqualTo(200);
      assertThat(called.body()).isEqualTo("upstream ok");
      assertThat(stream.get(60, TimeUnit.SECONDS).body())
          .isEqualTo("chunk 1\nchunk 2\nchunk 3\nchunk 4\n");

      String drained = new String(await.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(drained)
          .startsWith("HTTP/1.1 200")
          .contains("\"state\":\"DRAINED\"")
          .contains("\"forced\":false");
    }

    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the process exits").isTrue();
    // The rest of its output is still in the pipe: read it to the end.
    reader.join(TimeUnit.SECONDS.toMillis(30));
    assertThat(reader.isAlive()).isFalse();
    // SIGTERM exits through the JVM's shutdown sequence: 143 (128 + 15), never a SIGKILL's 137.
    assertThat(process.exitValue()).isIn(0, 143);
    // Without the drain, Spring would interrupt the job when it shuts its executor down.
    assertThat(output)
        .anyMatch(line -> line.contains("job of 4000 ms done"))
        .noneMatch(line -> line.contains("interrupted"));
  }

  @Test
  void
      whenSigtermArrivesWithANeverEndingRequestThenTheDrainIsForcedAtTheDeadlineAndTheProcessExitsWithinASecond()
          throws Exception {
    // Boot's default server.shutdown, graceful.
    assertTheRequestIsCutAtTheDeadlineAndTheProcessExitsWithinASecondOfIt(6_000, Map.of());
  }

  @Test
  void
      whenGracefulWebServerShutdownAndARequestOutlastsTheDeadlineThenTheRequestIsCutAtTheDeadlineAndTheProcessExitsWithinASecond()
          throws Exception {
    // Set explicitly, as PetClinic-like applications do (Boot's default too): Spring's graceful
    // web-server shutdown, which on its own would wait for the request up to
    // spring.lifecycle.timeout-per-shutdown-phase (30 s).
    assertTheRequestIsCutAtTheDeadlineAndTheProcessExitsWithinASecondOfIt(
        4_000, Map.of("SERVER_SHUTDOWN", "graceful"));
  }

  /**
   * Runs the demo with a 1 s propagation delay and the deadline given, sends a request that never
   * ends, then SIGTERM: the drain is forced at the deadline, which cuts the request (DRAINED), and
   * the process is gone within 1 s of that (DESIGN invariant 7), both seen from here, and the
   * deadline report names the request.
   */
  private void assertTheRequestIsCutAtTheDeadlineAndTheProcessExitsWithinASecondOfIt(
      long deadlineMs, Map<String, String> environment) throws Exception {
    startUpstream();
    int port = freePort();
    int statusPort = freePort();
    start(port, statusPort, "1s", deadlineMs + "ms", environment);
    long[] sigterm = new long[1];
    CompletableFuture<Long> cutAfterMs =
        getAsync("http://127.0.0.1:" + port + "/work?ms=600000")
            .handle(
                (answer, failure) -> {
                  assertThat(failure).as("the request is cut, not answered").isNotNull();
                  return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigterm[0]);
                });
    awaitInbound(statusPort, 1);

    sigterm[0] = System.nanoTime();
    assertThat(process.toHandle().destroy()).isTrue();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the process exits").isTrue();
    long exitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigterm[0]);
    reader.join(TimeUnit.SECONDS.toMillis(30));

    long cutMs = cutAfterMs.get(30, TimeUnit.SECONDS);
    assertThat(cutMs)
        .as("ms from SIGTERM to the request's cut")
        .isBetween(deadlineMs - 500, deadlineMs + 800 + DemoJvm.EXIT_OBSERVATION_SLACK.toMillis());
    assertThat(exitedMs - cutMs)
        .as("ms from the cut (DRAINED) to exit (+ the observation slack)")
        .isLessThan(1_000L + DemoJvm.EXIT_OBSERVATION_SLACK.toMillis());
    // What separates a forced drain that stops the web server from one that leaves it to Boot's
    // graceful shutdown (which waits for the cut request, until the exit bound halts the JVM),
    // independent of the machine's load: Spring's own stop completed before the exit.
    assertThat(output)
        .as("Spring's graceful shutdown did not wait for the request the deadline gave up on")
        .anyMatch(line -> line.contains("Graceful shutdown complete"));
    assertThat(output)
        .as("the deadline report, at WARN, names the request still in flight")
        .anyMatch(line -> line.contains("WARN") && line.contains("forcing DRAINED"))
        .anyMatch(line -> line.contains("inbound GET /work"))
        .anyMatch(
            line -> line.contains("drain started (trigger: Spring application context closing"));
  }

  @Test
  void whenDrainedByPostDrainThenTheStatusEndpointAnswersUntilTheProcessExits() throws Exception {
    startUpstream();
    int port = freePort();
    int statusPort = freePort();
    start(port, statusPort, "0s", "10s");
    String status = "http://127.0.0.1:" + statusPort;
    assertThat(post(status + "/drain").statusCode()).isEqualTo(202);
    assertThat(get(status + "/drain/await?timeout=30s").body()).contains("\"state\":\"DRAINED\"");

    // The process stays up after a drain that was not a shutdown, and its status endpoint with it.
    assertThat(get(status + "/drain").statusCode()).isEqualTo(200);
    assertThat(post(status + "/drain").statusCode()).isEqualTo(200);
    assertThat(get(status + "/live").statusCode()).isEqualTo(200);
    assertThat(get(status + "/ready").statusCode()).isEqualTo(503);
    assertThat(process.isAlive()).isTrue();

    // SIGTERM then stops it at once: there is nothing left to drain.
    assertThat(process.toHandle().destroy()).isTrue();
    assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("the process exits").isTrue();
  }

  /** Polls the status endpoint, within 30 s, until {@code inbound} requests are in flight. */
  private void awaitInbound(int statusPort, int inbound) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String expected = "\"inbound\":" + inbound;
    while (!get("http://127.0.0.1:" + statusPort + "/drain").body().contains(expected)) {
      assertThat(System.nanoTime()).as("%s in flight within 30 s", expected).isLessThan(until);
      Thread.onSpinWait();
    }
  }

  private void start(int port, int statusPort) throws Exception {
    // Requests sent just before SIGTERM but admitted after it are still served in this window.
    start(port, statusPort, "3s", "30s");
  }

  private void start(int port, int statusPort, String propagationDelay, String deadline)
      throws Exception {
    start(port, statusPort, propagationDelay, deadline, Map.of());
  }

  private void start(
      int port,
      int statusPort,
      String propagationDelay,
      String deadline,
      Map<String, String> environment)
      throws Exception {
    String jar = System.getProperty("demo.jar", "target/spring-demo.jar");
    assertThat(Path.of(jar)).as("built by mvn package").exists();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder =
        new ProcessBuilder(java, "-Xmx256m", "-jar", jar).redirectErrorStream(true);
    builder.environment().put("PORT", Integer.toString(port));
    builder
        .environment()
        .put("UPSTREAM_URL", "http://127.0.0.1:" + upstream.getAddress().getPort());
    builder.environment().put("DRAIN4J_STATUS_PORT", Integer.toString(statusPort));
    builder.environment().put("DRAIN4J_PROPAGATION_DELAY", propagationDelay);
    builder.environment().put("DRAIN4J_DEADLINE", deadline);
    builder.environment().putAll(environment);
    process = builder.start();
    Path log = Path.of(jar).resolveSibling("spring-demo-it.log");
    reader = new Thread(() -> copyOutput(log), "spring-demo-output");
    reader.setDaemon(true);
    reader.start();
    started.get(120, TimeUnit.SECONDS);
  }

  /** Keeps the child's output (and a copy in target/), and signals when the app has started. */
  private void copyOutput(Path log) {
    try (BufferedReader in =
            new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter copy = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        output.add(line);
        copy.println(line);
        copy.flush();
        if (line.contains("Started SpringDemoApplication")) {
          started.complete(null);
        }
      }
    } catch (IOException e) {
      started.completeExceptionally(e);
    }
    started.completeExceptionally(new IllegalStateException("the demo exited before it started"));
  }

  private void startUpstream() throws IOException {
    upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    upstream.setExecutor(upstreamThreads);
    upstream.createContext(
        "/work",
        exchange -> {
          upstreamCalled.countDown();
          try {
            upstreamRelease.await(60, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          byte[] body = "upstream ok".getBytes(StandardCharsets.US_ASCII);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    upstream.start();
  }

  private HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String url) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(url))
            .POST(HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(60))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private CompletableFuture<HttpResponse<String>> getAsync(String url) {
    return http.sendAsync(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(90)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}

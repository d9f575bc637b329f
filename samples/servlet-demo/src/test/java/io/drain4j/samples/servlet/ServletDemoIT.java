package io.drain4j.samples.servlet;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.drain4j.samples.support.testing.DemoJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Runs {@code target/servlet-demo.jar} as a child JVM and stops it with SIGTERM, as Kubernetes
 * does, while requests are in flight.
 */
class ServletDemoIT {

  private static final Pattern LISTENING = Pattern.compile("listening on port (\\d+)");
  private static final Pattern STATUS = Pattern.compile("status endpoint \\S*:(\\d+)");
  private static final Duration WORK = Duration.ofMillis(2500);

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();
  private final ExecutorService upstreamThreads = Executors.newCachedThreadPool();
  private HttpServer upstream;
  private Process demo;
  private final List<String> output = new CopyOnWriteArrayList<>();

  /** Completed when the demo's output reached its end. */
  private final CompletableFuture<Void> outputEnded = new CompletableFuture<>();

  /** The status endpoint's port, read from the log line that gives the HTTP port. */
  private final CompletableFuture<Integer> statusPort = new CompletableFuture<>();

  @AfterEach
  void stop() {
    if (demo != null && demo.isAlive()) {
      demo.destroyForcibly();
    }
    if (upstream != null) {
      upstream.stop(0);
    }
    upstreamThreads.shutdownNow();
  }

  /** An upstream service with {@code /work?ms=N}; counts down when a call arrives. */
  private void startUpstream(CountDownLatch calls) throws IOException {
    upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    upstream.setExecutor(upstreamThreads);
    upstream.createContext(
        "/work",
        exchange -> {
          calls.countDown();
          try {
            String query = exchange.getRequestURI().getQuery();
            Thread.sleep(Long.parseLong(query.substring(query.indexOf("ms=") + 3)));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          byte[] body = "upstream-ok".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    upstream.start();
  }

  /** Starts the jar and returns its HTTP port, read from its log once it listens. */
  private int startDemo(Map<String, String> env) throws Exception {
    Path jar = Path.of(System.getProperty("servlet-demo.jar", "target/servlet-demo.jar"));
    assertThat(jar).as("the packaged demo").exists();
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder builder =
        new ProcessBuilder(java.toString(), "-jar", jar.toString()).redirectErrorStream(true);
    builder.environment().putAll(env);
    demo = builder.start();
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                  output.add(line);
                  System.out.println("[demo] " + line);
                  Matcher m = LISTENING.matcher(line);
                  if (m.find()) {
                    Matcher status = STATUS.matcher(line);
                    if (status.find()) {
                      statusPort.complete(Integer.parseInt(status.group(1)));
                    }
                    port.complete(Integer.parseInt(m.group(1)));
                  }
                }
              } catch (IOException e) {
                port.completeExceptionally(e);
              } finally {
                outputEnded.complete(null);
              }
              port.completeExceptionally(new IllegalStateException("demo ended: " + output));
            },
            "demo-output");
    reader.setDaemon(true);
    reader.start();
    return port.get(60, SECONDS);
  }

  /**
   * Sends SIGTERM, as the kubelet does. {@code ProcessHandle.destroy()} sends the same signal as
   * {@code Process.destroy()} but leaves the pipes open, so that the demo's log of its drain is
   * still read ({@code Process.destroy()} closes them).
   */
  private void sigterm() {
    assertThat(demo.toHandle().destroy()).as("SIGTERM sent").isTrue();
  }

  /** The demo's whole output, once it has ended. */
  private String outputAfterExit() throws Exception {
    outputEnded.get(30, SECONDS);
    return String.join("\n", output);
  }

  private CompletableFuture<HttpResponse<String>> get(int port, String path) {
    return http.sendAsync(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void whenSigtermArrivesWithWorkAndCallInFlightThenBothAnswer200AndTheProcessExitsAfterTheDrain()
      throws Exception {
    CountDownLatch upstreamCalled = new CountDownLatch(1);
    startUpstream(upstreamCalled);
    int port =
        startDemo(
            Map.of(
                "PORT", "0",
                "UPSTREAM_URL", "http://127.0.0.1:" + upstream.getAddress().getPort(),
                "DRAIN4J_STATUS_PORT", "0",
                "DRAIN4J_PROPAGATION_DELAY", "1s",
                "DRAIN4J_DEADLINE", "20s"));

    CompletableFuture<HttpResponse<String>> work = get(port, "/work?ms=" + WORK.toMillis());
    CompletableFuture<HttpResponse<String>> call = get(port, "/call?ms=" + WORK.toMillis());
    assertThat(upstreamCalled.await(30, SECONDS)).as("the /call reached the upstream").isTrue();

    // The /work request was sent first; it is in flight, or lands within the propagation delay.
    sigterm();

    // A whole body proves the answer left the process before it exited: the client-side time of
    // the answer is no proof either way, since a loaded machine may run the client's thread after
    // the process reaper's.
    assertThat(work.get(30, SECONDS).statusCode()).isEqualTo(200);
    assertThat(work.get().body()).isEqualTo("ok");
    assertThat(call.get(30, SECONDS).statusCode()).isEqualTo(200);
    assertThat(call.get().body()).isEqualTo("upstream-ok");

    assertThat(demo.waitFor(30, SECONDS)).as("exited after the drain").isTrue();
    assertThat(demo.exitValue()).as("terminated by SIGTERM").isEqualTo(128 + 15);
    assertThat(outputAfterExit())
        .contains("servlet-demo drained: {\"state\":\"DRAINED\",\"forced\":false")
        .contains("servlet-demo stopped")
        .doesNotContain("(forced)");
  }

  @Test
  void
      whenRequestNeverEndsThenSigtermEndsInAForcedDrainAtTheDeadlineAndTheProcessIsGoneASecondLater()
          throws Exception {
    Duration deadline = Duration.ofSeconds(4);
    int port =
        startDemo(
            Map.of(
                "PORT", "0",
                "DRAIN4J_STATUS_PORT", "0",
                "DRAIN4J_PROPAGATION_DELAY", "1s",
                "DRAIN4J_DEADLINE", deadline.toSeconds() + "s"));
    // Admitted now, or within the propagation delay at the latest.
    CompletableFuture<HttpResponse<String>> stuck = get(port, "/work?ms=600000");

    long sigtermAt = System.nanoTime();
    sigterm();
    demo.onExit().get(deadline.toSeconds() + 30, SECONDS);
    Duration exitedAfter = Duration.ofNanos(System.nanoTime() - sigtermAt);

    assertThat(exitedAfter)
        .as("gone within deadline + 1 s (+ the observation slack, which includes our SIGTERM's)")
        .isLessThanOrEqualTo(deadline.plusSeconds(1).plus(DemoJvm.EXIT_OBSERVATION_SLACK));
    assertThat(outputAfterExit())
        .contains("deadline of 4s reached with 1 unit(s) still in flight")
        .contains("inbound GET /work age=")
        .contains("drain4j DRAINED (forced)")
        .contains("servlet-demo stopped");
    assertThat(stuck).as("the request cut at the deadline").failsWithin(Duration.ofSeconds(10));
  }

  @Test
  void whenDrainIsStartedByPostThenTheStatusEndpointAnswersUntilSigtermEndsTheProcess()
      throws Exception {
    int port =
        startDemo(
            Map.of(
                "PORT", "0",
                "DRAIN4J_STATUS_PORT", "0",
                "DRAIN4J_PROPAGATION_DELAY", "200ms",
                "DRAIN4J_DEADLINE", "20s"));
    int status = statusPort.get(0, SECONDS);
    assertThat(send(status, "POST", "/drain").statusCode()).isEqualTo(202);
    HttpResponse<String> drained = send(status, "GET", "/drain/await?timeout=30s");
    assertThat(drained.statusCode()).isEqualTo(200);
    assertThat(drained.body()).contains("\"state\":\"DRAINED\",\"forced\":false");

    assertThat(demo.isAlive()).as("a drain alone does not end the process").isTrue();
    assertThat(send(status, "GET", "/drain").statusCode()).isEqualTo(200);
    assertThat(send(status, "POST", "/drain").statusCode()).as("already drained").isEqualTo(200);
    assertThat(get(port, "/work?ms=1"))
        .as("the application port is closed")
        .failsWithin(Duration.ofSeconds(30));

    long sigtermAt = System.nanoTime();
    sigterm();
    assertThat(demo.onExit().get(30, SECONDS).exitValue()).isEqualTo(128 + 15);
    assertThat(Duration.ofNanos(System.nanoTime() - sigtermAt))
        .as("exits at once: already drained (+ the observation slack)")
        .isLessThanOrEqualTo(Duration.ofSeconds(1).plus(DemoJvm.EXIT_OBSERVATION_SLACK));
    assertThat(outputAfterExit()).contains("servlet-demo stopped");
  }

  private HttpResponse<String> send(int port, String method, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void whenDrain4jIsDisabledThenTheDemoServesWithoutItAndStopsAtSigterm() throws Exception {
    int port = startDemo(Map.of("PORT", "0", "DRAIN4J_ENABLED", "false"));

    HttpResponse<String> work = get(port, "/work?ms=10").get(30, SECONDS);
    assertThat(work.statusCode()).isEqualTo(200);
    assertThat(work.body()).isEqualTo("ok");
    assertThat(get(port, "/call?ms=10").get(30, SECONDS).statusCode())
        .as("no UPSTREAM_URL")
        .isEqualTo(502);

    sigterm();
    assertThat(demo.onExit().get(30, SECONDS).exitValue()).isEqualTo(128 + 15);
    assertThat(outputAfterExit()).contains("drain4j off").doesNotContain("DRAINING");
  }

  @Test
  void whenDrain4jIsDisabledThenJettysGracefulStopLetsACallInFlightAtSigtermAnswerInFull()
      throws Exception {
    CountDownLatch upstreamCalled = new CountDownLatch(1);
    startUpstream(upstreamCalled);
    int port =
        startDemo(
            Map.of(
                "PORT", "0",
                "UPSTREAM_URL", "http://127.0.0.1:" + upstream.getAddress().getPort(),
                "DRAIN4J_ENABLED", "false"));

    CompletableFuture<HttpResponse<String>> call = get(port, "/call?ms=" + WORK.toMillis());
    assertThat(upstreamCalled.await(30, SECONDS)).as("the /call reached the upstream").isTrue();
    sigterm();

    // The "today" baseline of the mesh simulator: the framework's own graceful shutdown finishes
    // what is in flight (Jetty's GracefulHandler and stop timeout), without drain4j.
    assertThat(call.get(30, SECONDS).statusCode()).isEqualTo(200);
    assertThat(demo.onExit().get(30, SECONDS).exitValue()).isEqualTo(128 + 15);
  }

  @Test
  void whenConfigurationIsInvalidThenTheDemoExitsWithAMessageNamingTheSetting() throws Exception {
    assertThat(runExpectingExit(Map.of("PORT", "eighty"))).contains("PORT=eighty is not a port");
    assertThat(runExpectingExit(Map.of("PORT", "0", "DRAIN4J_DEADLINE", "soon")))
        .contains("DRAIN4J_DEADLINE", "soon");
  }

  /** Runs the jar, expects it to exit with status 2, and returns its output. */
  private String runExpectingExit(Map<String, String> env) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path jar = Path.of(System.getProperty("servlet-demo.jar", "target/servlet-demo.jar"));
    ProcessBuilder builder =
        new ProcessBuilder(java.toString(), "-jar", jar.toString()).redirectErrorStream(true);
    builder.environment().putAll(env);
    demo = builder.start();
    String log = new String(demo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(demo.onExit().get(30, SECONDS).exitValue()).as(log).isEqualTo(2);
    return log;
  }
}

package io.drain4j.samples.netty;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainStatus;
import io.drain4j.UnitKind;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The demo's endpoints, in process, against a second demo without drain4j as the upstream. */
class NettyDemoTest {
  private static final HttpClient HTTP1 =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  private DemoServer upstream;
  private DrainCoordinator coordinator;
  private DemoServer demo;

  @BeforeEach
  void start() throws Exception {
    upstream =
        new DemoServer(DemoConfig.from(Map.of("PORT", "0", "DRAIN4J_ENABLED", "false")), null);
    coordinator =
        DrainCoordinator.builder()
            .statusPort(0)
            .shutdownHook(false)
            .propagationDelay(Duration.ofMillis(200))
            .deadline(Duration.ofSeconds(20))
            .build();
    demo =
        new DemoServer(
            DemoConfig.from(
                Map.of("PORT", "0", "UPSTREAM_URL", "http://127.0.0.1:" + upstream.port())),
            coordinator);
  }

  @AfterEach
  void stop() {
    demo.close();
    upstream.close();
    coordinator.close();
  }

  private HttpResponse<String> get(DemoServer server, String pathAndQuery) throws Exception {
    return HTTP1.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + pathAndQuery))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void whenWorkIsAskedThenItAnswersOkAfterTheWaitOnHttp1AndHttp2() throws Exception {
    HttpResponse<String> r = get(demo, "/work?ms=50");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("ok");

    HttpResponse<String> h2 =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_2)
            .build()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + demo.port() + "/work?ms=1"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(h2.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(h2.body()).isEqualTo("ok");
  }

  @Test
  void whenCallIsAskedThenTheUpstreamBodyComesBackThroughTheTrackedClient() throws Exception {
    HttpResponse<String> r = get(demo, "/call?ms=20");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("ok");
  }

  @Test
  void whenUpstreamIsDownThenCallAnswers502() throws Exception {
    int deadPort = upstream.port();
    upstream.close();
    upstream.terminated().get(10, SECONDS);
    try (DemoServer lonely =
        new DemoServer(
            DemoConfig.from(
                Map.of(
                    "PORT",
                    "0",
                    "UPSTREAM_URL",
                    "http://127.0.0.1:" + deadPort,
                    "DRAIN4J_ENABLED",
                    "false")),
            null)) {
      HttpResponse<String> r = get(lonely, "/call?ms=1");
      assertThat(r.statusCode()).isEqualTo(502);
      assertThat(r.body()).contains("upstream call failed");
    }
  }

  @Test
  void whenJobIsStartedThenItAnswers202AtOnceAndTheDrainWaitsForTheJob() throws Exception {
    // Long enough that the job still runs when the 202 has been read and the drain has started,
    // however slowly a loaded machine schedules this thread.
    HttpResponse<String> r = get(demo, "/job?ms=2000");
    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(coordinator.inflight(UnitKind.BACKGROUND)).isEqualTo(1);

    coordinator.startDrain();
    DrainStatus status = coordinator.whenDrained().get(10, SECONDS);
    assertThat(status.forced()).isFalse();
    assertThat(status.drainElapsedMs()).isGreaterThanOrEqualTo(500);
    demo.terminated().get(10, SECONDS);
  }

  @Test
  void whenStreamIsAskedThenAllChunksArriveAndTheResponseEnds() throws Exception {
    HttpResponse<String> r = get(demo, "/stream?ms=150&chunks=4");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("chunk 1/4\nchunk 2/4\nchunk 3/4\nchunk 4/4\n");
  }

  @Test
  void whenRequestIsWrongThenItGets404Or405Or400() throws Exception {
    assertThat(get(demo, "/nothing").statusCode()).isEqualTo(404);
    assertThat(get(demo, "/work?ms=soon").statusCode()).isEqualTo(400);
    assertThat(get(demo, "/stream?chunks=0").statusCode()).isEqualTo(400);
    HttpResponse<String> post =
        HTTP1.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + demo.port() + "/work"))
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("allow")).hasValue("GET");
  }

  @Test
  void whenConfigurationIsInvalidThenTheErrorNamesTheVariable() {
    assertThatThrownBy(() -> DemoConfig.from(Map.of("PORT", "eighty")))
        .hasMessageContaining("PORT=eighty");
    assertThatThrownBy(() -> DemoConfig.from(Map.of("UPSTREAM_URL", "ftp://x")))
        .hasMessageContaining("UPSTREAM_URL=ftp://x");
    assertThatThrownBy(() -> DemoConfig.from(Map.of("DRAIN4J_ENABLED", "maybe")))
        .hasMessageContaining("DRAIN4J_ENABLED=maybe");
    assertThat(DemoConfig.from(Map.of()).port()).isEqualTo(8080);
  }
}

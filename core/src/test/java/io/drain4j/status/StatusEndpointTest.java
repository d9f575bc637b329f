package io.drain4j.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import io.drain4j.DrainStatus;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The request table of the design's section 5, over a real server and a real client. */
class StatusEndpointTest {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  private DrainCoordinator coordinator;

  private DrainCoordinator coordinator(Duration propagationDelay, Duration deadline) {
    coordinator =
        DrainCoordinator.builder()
            .statusPort(0)
            .shutdownHook(false)
            .propagationDelay(propagationDelay)
            .deadline(deadline)
            .build();
    return coordinator;
  }

  private DrainCoordinator coordinator() {
    return coordinator(Duration.ofSeconds(10), Duration.ofSeconds(20));
  }

  @AfterEach
  void close() {
    if (coordinator != null) {
      coordinator.close();
    }
  }

  static HttpResponse<String> send(DrainCoordinator c, String method, String path)
      throws IOException, InterruptedException {
    InetSocketAddress a = c.statusAddress();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(15))
            .build();
    return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void whenServingThenReadyIs200AndOnceTheDrainStartsItIs503() throws Exception {
    DrainCoordinator c = coordinator();
    HttpResponse<String> ready = send(c, "GET", "/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).isEqualTo("ready\n");
    assertThat(ready.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
    assertThat(ready.headers().firstValue("Cache-Control")).hasValue("no-store");

    c.startDrain();

    HttpResponse<String> draining = send(c, "GET", "/ready");
    assertThat(draining.statusCode()).isEqualTo(503);
    assertThat(draining.body()).isEqualTo("not ready: DRAINING\n");
  }

  @Test
  void whenDrainedThenLiveIsStill200() throws Exception {
    DrainCoordinator c = coordinator(Duration.ZERO, Duration.ofSeconds(10));
    assertThat(send(c, "GET", "/live").statusCode()).isEqualTo(200);
    c.startDrain();
    c.whenDrained().get(10, TimeUnit.SECONDS);
    HttpResponse<String> live = send(c, "GET", "/live");
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(live.body()).isEqualTo("live\n");
  }

  @Test
  void whenNotDrainedThenGetDrainIs503WithTheJsonStatusAndOnceDrainedIt200() throws Exception {
    DrainCoordinator c = coordinator(Duration.ZERO, Duration.ofSeconds(10));
    InFlight unit = c.enter(UnitKind.INBOUND, "GET /slow");

    HttpResponse<String> serving = send(c, "GET", "/drain");
    assertThat(serving.statusCode()).isEqualTo(503);
    assertThat(serving.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(serving.body())
        .startsWith(
            "{\"state\":\"SERVING\",\"forced\":false,"
                + "\"inflight\":{\"inbound\":1,\"outbound\":0,\"background\":0},\"oldestInflightMs\":");

    c.startDrain();
    HttpResponse<String> quiescing = send(c, "GET", "/drain");
    assertThat(quiescing.statusCode()).isEqualTo(503);
    assertThat(quiescing.body()).contains("\"state\":\"QUIESCING\"").contains("\"inbound\":1");

    unit.exit();
    DrainStatus done = c.whenDrained().get(10, TimeUnit.SECONDS);
    HttpResponse<String> drained = send(c, "GET", "/drain");
    assertThat(drained.statusCode()).isEqualTo(200);
    assertThat(drained.body()).isEqualTo(c.status().toJson() + "\n");
    assertThat(drained.body())
        .contains("\"state\":\"DRAINED\",\"forced\":false")
        .contains("\"drainElapsedMs\":" + done.drainElapsedMs());
  }

  @Test
  void whenPostDrainStartsADrainThatCompletesAtOnceThenItIsStill202() throws Exception {
    // Nothing in flight and no propagation delay: the drain may be DRAINED before the answer is
    // written, and still this request started it. Several coordinators, since it is a race.
    for (int i = 0; i < 20; i++) {
      DrainCoordinator c = coordinator(Duration.ZERO, Duration.ofSeconds(10));

      assertThat(send(c, "POST", "/drain").statusCode())
          .as("the request that started it")
          .isEqualTo(202);
      c.whenDrained().get(10, TimeUnit.SECONDS);
      assertThat(send(c, "POST", "/drain").statusCode()).as("already drained").isEqualTo(200);
      c.close();
    }
  }

  @Test
  void whenPostDrainFromLoopbackThenTheDrainStartsWith202AndOnceDrainedItIs200() throws Exception {
    DrainCoordinator c = coordinator(Duration.ofMillis(50), Duration.ofSeconds(10));
    InFlight unit = c.enter(UnitKind.INBOUND, "x");

    HttpResponse<String> started = send(c, "POST", "/drain");
    assertThat(started.statusCode()).isEqualTo(202);
    assertThat(started.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(started.body()).contains("\"state\":\"DRAINING\"");
    assertThat(c.isDraining()).isTrue();

    HttpResponse<String> again = send(c, "POST", "/drain");
    assertThat(again.statusCode()).isEqualTo(202);

    unit.exit();
    c.whenDrained().get(10, TimeUnit.SECONDS);
    HttpResponse<String> drained = send(c, "POST", "/drain");
    assertThat(drained.statusCode()).isEqualTo(200);
    assertThat(drained.body()).contains("\"state\":\"DRAINED\"");
  }

  @Test
  void whenHeadThenTheAnswerIsThatOfGetWithoutABody() throws Exception {
    DrainCoordinator c = coordinator();
    HttpResponse<String> ready = send(c, "HEAD", "/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).isEmpty();
    assertThat(ready.headers().firstValue("Content-Length")).hasValue("6");

    HttpResponse<String> drain = send(c, "HEAD", "/drain");
    assertThat(drain.statusCode()).isEqualTo(503);
    assertThat(drain.body()).isEmpty();
    assertThat(drain.headers().firstValue("Content-Type")).hasValue("application/json");
  }

  @Test
  void whenThePathIsUnknownThen404() throws Exception {
    DrainCoordinator c = coordinator();
    for (String path :
        new String[] {
          "/", "/nope", "/ready/", "/drain/", "/drain/await/x", "/READY", "/live/x?y=1"
        }) {
      HttpResponse<String> r = send(c, "GET", path);
      assertThat(r.statusCode()).as(path).isEqualTo(404);
      assertThat(r.body()).as(path).startsWith("not found: ");
    }
    assertThat(c.state()).isEqualTo(DrainState.SERVING);
  }

  @Test
  void whenTheMethodIsWrongThen405WithAllow() throws Exception {
    DrainCoordinator c = coordinator();
    String[][] cases = {
      {"PUT", "/ready", "GET, HEAD"},
      {"POST", "/live", "GET, HEAD"},
      {"DELETE", "/drain", "GET, HEAD, POST"},
      {"PATCH", "/drain", "GET, HEAD, POST"},
      {"POST", "/drain/await", "GET, HEAD"},
      {"OPTIONS", "/ready", "GET, HEAD"},
    };
    for (String[] k : cases) {
      HttpResponse<String> r = send(c, k[0], k[1]);
      assertThat(r.statusCode()).as(k[0] + " " + k[1]).isEqualTo(405);
      assertThat(r.headers().firstValue("Allow")).as(k[0] + " " + k[1]).hasValue(k[2]);
    }
    // Methods are case-sensitive: a lower-case "post" is not POST and starts nothing.
    RawHttp.Response lower =
        RawHttp.exchange(
            c.statusAddress(), "post /drain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(lower.code()).isEqualTo(405);
    assertThat(c.state()).isEqualTo(DrainState.SERVING);
  }

  @Test
  void whenTheRequestBodyIsLargerThanTheLimitThen413AndNothingHappens() throws Exception {
    DrainCoordinator c = coordinator();
    RawHttp.Response declared =
        RawHttp.exchange(
            c.statusAddress(),
            "POST /drain HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n");
    assertThat(declared.code()).isEqualTo(413);
    assertThat(declared.header("Connection")).isEqualTo("close");

    StringBuilder chunked =
        new StringBuilder("POST /drain HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 5; i++) {
      chunked.append("800\r\n").append("x".repeat(0x800)).append("\r\n");
    }
    chunked.append("0\r\n\r\n");
    RawHttp.Response streamed = RawHttp.exchange(c.statusAddress(), chunked.toString());
    assertThat(streamed.code()).isEqualTo(413);
    assertThat(c.state()).isEqualTo(DrainState.SERVING);

    RawHttp.Response small =
        RawHttp.exchange(
            c.statusAddress(),
            "POST /drain HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
    assertThat(small.code()).isEqualTo(202);
  }

  @Test
  void whenTheAddressIsTakenThenStartFailsNamingIt() {
    DrainCoordinator c = coordinator();
    InetSocketAddress taken = c.statusAddress();
    assertThatThrownBy(() -> StatusEndpoint.start(c, taken))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("127.0.0.1:" + taken.getPort());
    assertThatThrownBy(
            () ->
                DrainCoordinator.builder().statusPort(taken.getPort()).shutdownHook(false).build())
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("127.0.0.1:" + taken.getPort());
  }

  @Test
  void whenClosedThenTheEndpointRefusesConnectionsAndItsThreadsAreGoneAndCloseIsIdempotent()
      throws Exception {
    coordinator = DrainCoordinator.builder().statusEnabled(false).shutdownHook(false).build();
    Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
    StatusEndpoint endpoint =
        StatusEndpoint.start(
            coordinator, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    InetSocketAddress a = endpoint.address();
    assertThat(a.getPort()).isPositive();
    assertThat(RawHttp.exchange(a, "GET /live HTTP/1.1\r\nHost: x\r\n\r\n").code()).isEqualTo(200);
    Set<Thread> started = new HashSet<>(Thread.getAllStackTraces().keySet());
    started.removeAll(before);
    assertThat(started)
        .extracting(Thread::getName)
        .contains("HTTP-Dispatcher")
        .anyMatch(n -> n.startsWith("drain4j-status-worker-"));
    assertThat(started)
        .filteredOn(
            t -> t.getName().startsWith("drain4j-status-") || t.getName().equals("HTTP-Dispatcher"))
        .allMatch(Thread::isDaemon);

    endpoint.close();
    endpoint.close();

    // A pool reports termination just before its threads leave run(): wait for them, bounded.
    for (Thread t : started) {
      t.join(10_000);
    }
    assertThat(started)
        .filteredOn(
            t -> t.getName().startsWith("drain4j-status-") || t.getName().equals("HTTP-Dispatcher"))
        .noneMatch(Thread::isAlive);
    assertThatThrownBy(() -> RawHttp.exchange(a, "GET /live HTTP/1.1\r\n\r\n"))
        .isInstanceOf(ConnectException.class);
    assertThat(endpoint.address()).isEqualTo(a);
  }
}

package io.drain4j.status;

import static io.drain4j.status.StatusEndpointTest.send;
import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code GET /drain/await}: the long poll the sidecar's preStop hook waits on. */
class DrainAwaitTest {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

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

  @AfterEach
  void close() {
    if (coordinator != null) {
      coordinator.close();
    }
  }

  private static CompletableFuture<HttpResponse<String>> await(DrainCoordinator c, String query) {
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(
                    "http://127.0.0.1:" + c.statusAddress().getPort() + "/drain/await" + query))
            .timeout(Duration.ofSeconds(30))
            .build();
    return CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void whenTheLastUnitExitsThenAwaitAnswers200WithTheDrainedStatus() throws Exception {
    DrainCoordinator c = coordinator(Duration.ofMillis(50), Duration.ofSeconds(20));
    InFlight unit = c.enter(UnitKind.INBOUND, "x");
    assertThat(send(c, "POST", "/drain").statusCode()).isEqualTo(202);

    CompletableFuture<HttpResponse<String>> waiting = await(c, "?timeout=20s");
    c.whenQuiescing().get(10, TimeUnit.SECONDS);
    // A unit is in flight: no answer can exist yet (200 needs DRAINED, 503 needs 20 s).
    assertThat(waiting).isNotDone();

    unit.exit();

    HttpResponse<String> r = waiting.get(15, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(r.body())
        .startsWith(
            "{\"state\":\"DRAINED\",\"forced\":false,"
                + "\"inflight\":{\"inbound\":0,\"outbound\":0,\"background\":0}");
  }

  @Test
  void whenTheTimeoutPassesFirstThenAwaitAnswers503WithTheCurrentStatus() throws Exception {
    DrainCoordinator c = coordinator(Duration.ofMillis(50), Duration.ofSeconds(20));
    InFlight unit = c.enter(UnitKind.INBOUND, "x");
    c.startDrain();

    for (String timeout : new String[] {"300ms", "PT0.2S", "0s"}) {
      HttpResponse<String> r = await(c, "?timeout=" + timeout).get(15, TimeUnit.SECONDS);
      assertThat(r.statusCode()).as(timeout).isEqualTo(503);
      assertThat(r.body()).as(timeout).contains("\"inflight\":{\"inbound\":1,");
      assertThat(r.body()).as(timeout).doesNotContain("DRAINED");
    }
    unit.exit();
  }

  @Test
  void whenAlreadyDrainedThenAwaitAnswersAtOnce() throws Exception {
    DrainCoordinator c = coordinator(Duration.ZERO, Duration.ofSeconds(20));
    c.startDrain();
    c.whenDrained().get(10, TimeUnit.SECONDS);

    HttpResponse<String> r = await(c, "?timeout=1h").get(15, TimeUnit.SECONDS);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"state\":\"DRAINED\"");
    HttpResponse<String> head =
        CLIENT.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + c.statusAddress().getPort() + "/drain/await"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
  }

  @Test
  void whenNoTimeoutIsGivenThenAwaitWaitsTheRemainingDeadlinePlusOneSecond() throws Exception {
    DrainCoordinator c = coordinator(Duration.ZERO, Duration.ofSeconds(1));

    // Before the drain the whole deadline remains: 1 s + 1 s.
    long start = System.nanoTime();
    HttpResponse<String> serving = await(c, "").get(15, TimeUnit.SECONDS);
    long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(serving.statusCode()).isEqualTo(503);
    assertThat(serving.body()).contains("\"state\":\"SERVING\"");
    assertThat(waitedMs).isGreaterThanOrEqualTo(1900);

    // During the drain the wait outlasts the deadline, so it sees the forced end.
    InFlight stuck = c.enter(UnitKind.BACKGROUND, "stuck");
    c.startDrain();
    HttpResponse<String> forced = await(c, "").get(15, TimeUnit.SECONDS);
    assertThat(forced.statusCode()).isEqualTo(200);
    assertThat(forced.body())
        .contains("\"state\":\"DRAINED\",\"forced\":true")
        .contains("\"background\":1");
    stuck.exit();
  }

  @Test
  void whenTheTimeoutIsBadThen400NamingTheAcceptedForms() throws Exception {
    DrainCoordinator c = coordinator(Duration.ofSeconds(5), Duration.ofSeconds(20));
    for (String query :
        new String[] {
          "?timeout=abc",
          "?timeout=5x",
          "?timeout=-1s",
          "?timeout=1.5s",
          "?timeout=5S",
          "?timeout=PT-5S",
          "?timeout=",
          "?timeout",
          "?timeout=%20",
          "?timeout=99999999999999s"
        }) {
      HttpResponse<String> r = await(c, query).get(15, TimeUnit.SECONDS);
      assertThat(r.statusCode()).as(query).isEqualTo(400);
      assertThat(r.body())
          .as(query)
          .contains("bad timeout")
          .contains("250ms, 5s, 2m, 1h or ISO-8601 such as PT5S");
    }
    HttpResponse<String> twice = await(c, "?timeout=1s&timeout=2s").get(15, TimeUnit.SECONDS);
    assertThat(twice.statusCode()).isEqualTo(400);
    assertThat(twice.body()).contains("more than once");
    HttpResponse<String> unknown = await(c, "?timout=5s").get(15, TimeUnit.SECONDS);
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(unknown.body()).contains("unknown query parameter 'timout'; accepted: timeout");
    // A client library refuses to send a malformed escape; a raw socket does not.
    RawHttp.Response escape =
        RawHttp.exchange(
            c.statusAddress(),
            "GET /drain/await?timeout=%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(escape.code()).isEqualTo(400);
    assertThat(c.state()).isEqualTo(DrainState.SERVING);
  }

  /**
   * Parks {@code bound + extra} long polls, each on its own connection. Parked requests cannot be
   * answered before the drain or their 60 s timeout, so the first {@code extra} answers must be the
   * 429s; then the drain answers the parked ones.
   */
  @Test
  void whenMoreThanTheWaiterBoundAwaitThenTheExtraOnesGet429AndTheOthersTheDrain()
      throws Exception {
    DrainCoordinator c = coordinator(Duration.ZERO, Duration.ofSeconds(20));
    InetSocketAddress a = c.statusAddress();
    int bound = Limits.DEFAULT.maxWaiters();
    int extra = 4;
    byte[] request =
        "GET /drain/await?timeout=60s HTTP/1.1\r\nHost: x\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1);
    List<SocketChannel> channels = new ArrayList<>();
    try (Selector selector = Selector.open()) {
      Map<SocketChannel, ByteArrayOutputStream> received =
          sendPaced(a, request, bound + extra, channels, selector);

      List<String> first = collect(selector, received, extra);
      assertThat(first)
          .hasSize(extra)
          .allMatch(r -> r.startsWith("HTTP/1.1 429 "))
          .allMatch(r -> r.toLowerCase(Locale.ROOT).contains("\r\nretry-after: 1\r\n"));

      c.startDrain();

      List<String> rest = collect(selector, received, bound);
      assertThat(rest)
          .hasSize(bound)
          .allMatch(r -> r.startsWith("HTTP/1.1 200 "))
          .allMatch(r -> r.contains("\"state\":\"DRAINED\""));
    } finally {
      for (SocketChannel ch : channels) {
        ch.close();
      }
    }
  }

  @Test
  void whenTheEndpointClosesRightAfterDrainedThenEveryParkedAwaitGetsItsWholeAnswer()
      throws Exception {
    // Spring closes the coordinator as soon as DRAINED is reached, and the JVM exits right after:
    // the answers to the preStop hook's long polls must be written out before the sockets close.
    coordinator =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(false)
            .propagationDelay(Duration.ZERO)
            .build();
    int waiters = 120;
    Limits d = Limits.DEFAULT;
    StatusEndpoint endpoint =
        StatusEndpoint.start(
            coordinator,
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            new Limits(
                d.workers(),
                d.queue(),
                d.requestTimeout(),
                d.maxBodyBytes(),
                waiters,
                d.backlog()));
    InetSocketAddress a = endpoint.address();
    byte[] request =
        "GET /drain/await?timeout=60s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1);
    List<SocketChannel> channels = new ArrayList<>();
    try (Selector selector = Selector.open()) {
      // One more than the waiter bound: its 429 says that all the others are parked.
      Map<SocketChannel, ByteArrayOutputStream> received =
          sendPaced(a, request, waiters + 1, channels, selector);
      assertThat(collect(selector, received, 1)).allMatch(r -> r.startsWith("HTTP/1.1 429 "));

      coordinator.startDrain();
      coordinator.whenDrained().get(10, TimeUnit.SECONDS);
      endpoint.close();

      assertThat(collect(selector, received, waiters))
          .hasSize(waiters)
          .allMatch(r -> r.startsWith("HTTP/1.1 200 "))
          .allMatch(r -> r.contains("\"state\":\"DRAINED\""));
    } finally {
      endpoint.close();
      for (SocketChannel ch : channels) {
        ch.close();
      }
    }
  }

  /**
   * Sends {@code request} on {@code n} new connections (added to {@code channels}, so the caller
   * closes them) and registers them for reading on {@code selector}. The burst is paced below the
   * endpoint's queue: the worker queue is FIFO, so once a later answer arrives the earlier requests
   * have left the queue.
   */
  private static Map<SocketChannel, ByteArrayOutputStream> sendPaced(
      InetSocketAddress a, byte[] request, int n, List<SocketChannel> channels, Selector selector)
      throws IOException {
    for (int i = 0; i < n; i++) {
      SocketChannel ch = SocketChannel.open(a);
      channels.add(ch);
      ch.write(ByteBuffer.wrap(request));
      if (i % 32 == 31) {
        assertThat(
                RawHttp.exchange(a, "GET /live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .code())
            .isEqualTo(200);
      }
    }
    Map<SocketChannel, ByteArrayOutputStream> received = new HashMap<>();
    for (SocketChannel ch : channels) {
      ch.configureBlocking(false);
      ch.register(selector, SelectionKey.OP_READ);
      received.put(ch, new ByteArrayOutputStream());
    }
    return received;
  }

  private static final Pattern LENGTH = Pattern.compile("(?i)content-length: (\\d+)\r\n");

  /** Waits, on the selector, until {@code n} more complete responses have arrived. */
  private static List<String> collect(
      Selector selector, Map<SocketChannel, ByteArrayOutputStream> received, int n)
      throws IOException {
    List<String> complete = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    ByteBuffer buf = ByteBuffer.allocate(4096);
    while (complete.size() < n) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        throw new AssertionError("only " + complete.size() + " of " + n + " responses arrived");
      }
      selector.select(left);
      for (SelectionKey key : selector.selectedKeys()) {
        SocketChannel ch = (SocketChannel) key.channel();
        ByteArrayOutputStream bytes = received.get(ch);
        buf.clear();
        int r = ch.read(buf);
        if (r > 0) {
          bytes.write(buf.array(), 0, r);
        }
        String text = bytes.toString(StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        Matcher m = LENGTH.matcher(text);
        if (end >= 0 && m.find() && text.length() >= end + 4 + Integer.parseInt(m.group(1))) {
          complete.add(text);
          key.cancel();
        } else if (r < 0) {
          throw new AssertionError("connection closed without a full response: " + text);
        }
      }
      selector.selectedKeys().clear();
    }
    return complete;
  }
}

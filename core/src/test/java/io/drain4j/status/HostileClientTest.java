package io.drain4j.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import io.drain4j.status.RawHttp.Outcome;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Malformed, oversized, slow and garbage requests by the thousand: each is refused (4xx or a closed
 * connection), none is served, nothing drains, the endpoint answers {@code /live} promptly
 * afterwards, and its thread count stays bounded throughout.
 */
class HostileClientTest {
  private static final int WORKERS = Limits.DEFAULT.workers();

  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private DrainCoordinator coordinator;
  private InetSocketAddress address;
  private ExecutorService attackers;

  private final java.util.Set<Thread> otherWorkers = new java.util.HashSet<>();

  @BeforeEach
  void start() throws Exception {
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("drain4j-status-worker-")) {
        otherWorkers.add(t);
      }
    }
    coordinator =
        DrainCoordinator.builder()
            .statusPort(0)
            .shutdownHook(false)
            .propagationDelay(Duration.ofSeconds(5))
            .deadline(Duration.ofSeconds(25))
            .build();
    address = coordinator.statusAddress();
    ThreadPoolExecutor pool = (ThreadPoolExecutor) Executors.newFixedThreadPool(8);
    pool.prestartAllCoreThreads(); // so that they count in the "before" thread count
    attackers = pool;
    assertLiveAnswersPromptly(); // warms up the client's and the endpoint's threads
  }

  @AfterEach
  void stop() {
    attackers.shutdownNow();
    coordinator.close();
  }

  private void assertLiveAnswersPromptly() throws Exception {
    HttpRequest live =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + address.getPort() + "/live"))
            .timeout(Duration.ofSeconds(5))
            .build();
    HttpResponse<String> r = client.send(live, HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("live\n");
  }

  /** This endpoint's workers: endpoints of earlier tests may still serve drains they left. */
  private int endpointThreads() {
    int n = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("drain4j-status-worker-") && !otherWorkers.contains(t)) {
        n++;
      }
    }
    return n;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Malformed requests of many kinds; each variant is refused, never served. */
  private static final List<IntFunction<byte[]>> MALFORMED =
      List.of(
          i -> ascii("NONSENSE\r\n\r\n"),
          i -> ascii("GET /live\r\n\r\n"),
          i -> ascii("GET /%%%" + i + " HTTP/1.1\r\nHost: x\r\n\r\n"),
          i -> ascii("GET /live HTTP/1.1\r\nBad Header: " + i + "\r\n\r\n"),
          i -> ascii("GET /live HTTP/1.1\r\nContent-Length: abc\r\n\r\n"),
          i -> ascii("GET /live HTTP/1.1\r\nContent-Length: -5\r\n\r\n"),
          i -> ascii("POST /drain HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"),
          i ->
              ascii(
                  "POST /drain HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
          i -> ascii("POST /drain HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
          i -> ascii("POST /drain HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n"),
          i -> ascii("POST /drain HTTP/1.1\r\nContent-Length: 9999999999999999999999\r\n\r\n"),
          i -> ascii("BREW /drain HTTP/1.1\r\nHost: x\r\n\r\n"),
          i -> ascii("GET /drain/await?timeout=%" + i + " HTTP/1.1\r\nHost: x\r\n\r\n"),
          i -> ascii("GET /nope/" + i + " HTTP/1.1\r\nHost: x\r\n\r\n"),
          i -> ascii("\r\n\r\n\r\n\r\n"),
          i -> ascii("GET /li"),
          i -> new byte[0],
          i -> {
            byte[] garbage = new byte[1 + new Random(i).nextInt(4000)];
            new Random(i).nextBytes(garbage);
            garbage[0] = (byte) (garbage[0] | 0x80); // never starts like a method name
            return garbage;
          });

  @Test
  void whenFlooredWithBadRequestsThenAllAreRefusedAndTheEndpointStaysHealthyAndBounded()
      throws Exception {
    int threadsBefore = threads.getThreadCount();

    // 1. Thousands of malformed, garbage and early-closed requests, eight at a time.
    int count = 3600;
    List<Future<Outcome>> outcomes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int n = i;
      byte[] payload = MALFORMED.get(n % MALFORMED.size()).apply(n);
      outcomes.add(attackers.submit(() -> RawHttp.abuse(address, payload, true)));
    }
    Map<Outcome, Integer> tally = new EnumMap<>(Outcome.class);
    for (Future<Outcome> f : outcomes) {
      tally.merge(f.get(60, TimeUnit.SECONDS), 1, Integer::sum);
    }
    assertThat(tally).doesNotContainKey(Outcome.SUCCESS_RESPONSE);
    assertThat(tally.getOrDefault(Outcome.ERROR_RESPONSE, 0)).isGreaterThan(count / 2);
    assertThat(endpointThreads()).isLessThanOrEqualTo(WORKERS);

    // 2. Oversized: request line, a header, header count, bodies declared and sent.
    List<byte[]> oversized = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      oversized.add(ascii("GET /" + "a".repeat(512 * 1024) + " HTTP/1.1\r\n\r\n"));
      oversized.add(ascii("GET /live HTTP/1.1\r\nX-Big: " + "b".repeat(1024 * 1024) + "\r\n\r\n"));
      StringBuilder many = new StringBuilder("GET /live HTTP/1.1\r\n");
      for (int h = 0; h < 400; h++) {
        many.append("X-Many-").append(h).append(": c\r\n");
      }
      oversized.add(ascii(many.append("\r\n").toString()));
      oversized.add(
          ascii("POST /drain HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n" + "d".repeat(2_000_000)));
      oversized.add(
          ascii(
              "POST /drain HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                  + ("4000\r\n" + "e".repeat(0x4000) + "\r\n").repeat(64)
                  + "0\r\n\r\n"));
    }
    List<Future<Outcome>> big = new ArrayList<>();
    for (byte[] payload : oversized) {
      big.add(attackers.submit(() -> RawHttp.abuse(address, payload, true)));
    }
    for (Future<Outcome> f : big) {
      assertThat(f.get(60, TimeUnit.SECONDS)).isNotEqualTo(Outcome.SUCCESS_RESPONSE);
    }
    assertThat(coordinator.state()).isEqualTo(DrainState.SERVING);

    // 3. Slow clients, all at once: half a request line, half the headers, a body that stops,
    // and connections that never send a byte. The endpoint must close the stalled ones itself.
    List<Socket> stalled = new ArrayList<>();
    List<Socket> silent = new ArrayList<>();
    try {
      for (int i = 0; i < 300; i++) {
        String part =
            i % 3 == 0
                ? "GET /live HT"
                : i % 3 == 1
                    ? "GET /live HTTP/1.1\r\nHost: x\r\nX-Slow: aaa"
                    : "POST /drain HTTP/1.1\r\nContent-Length: 100\r\n\r\nab";
        stalled.add(open(ascii(part)));
      }
      for (int i = 0; i < 50; i++) {
        silent.add(open(new byte[0]));
      }
      assertThat(endpointThreads()).isLessThanOrEqualTo(WORKERS);
      long start = System.nanoTime();
      for (Socket s : stalled) {
        // Blocks until the endpoint closes it; a stall past the socket timeout fails the test.
        assertThat(RawHttp.outcomeOf(s.getInputStream())).isEqualTo(Outcome.CLOSED);
      }
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(tookMs)
          .as("stalled requests are cut after the request deadline")
          .isLessThan(RawHttp.READ_TIMEOUT_MS);

      // 4. Still healthy, with the silent connections open: answers, did not drain, and holds
      // no more threads than its bound.
      assertLiveAnswersPromptly();
      assertThat(coordinator.state()).isEqualTo(DrainState.SERVING);
      assertThat(endpointThreads()).isLessThanOrEqualTo(WORKERS);
      assertThat(threads.getThreadCount()).isLessThanOrEqualTo(threadsBefore + WORKERS + 4);
    } finally {
      for (Socket s : stalled) {
        s.close();
      }
      for (Socket s : silent) {
        s.close();
      }
    }
    assertLiveAnswersPromptly();
  }

  private Socket open(byte[] firstBytes) throws IOException {
    Socket s = new Socket();
    s.connect(address, RawHttp.READ_TIMEOUT_MS);
    s.setSoTimeout(RawHttp.READ_TIMEOUT_MS);
    s.getOutputStream().write(firstBytes);
    s.getOutputStream().flush();
    return s;
  }
}

package io.drain4j.servlet;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Clients that open a new connection for every request, in a tight loop, across the moment
 * QUIESCING begins and the container's listening socket closes (issue 13, item 7). One round is one
 * container: the clients run until each of them was refused a connection, so a round is bounded by
 * the listener's close, not by time.
 */
final class QuiescingMoment {
  static final int CLIENTS = 4;

  /** Answers every client received before the drain starts, so that all are in their loop. */
  private static final int WARM_ANSWERS = 50;

  static final String OK = "200";
  static final String REFUSED_503 = "503";
  static final String CONNECTION_REFUSED = "refused";

  /** A reset or an end of stream before the first byte of an answer. */
  static final String CUT_BEFORE_ANSWER = "cut before any answer";

  /** What the clients saw, by outcome, and what the application saw. */
  record Round(Map<String, Long> outcomes, long served, long refused503) {
    long count(String outcome) {
      return outcomes.getOrDefault(outcome, 0L);
    }
  }

  /** The body of every answer 200: written in flushed parts, so that a cut shows. */
  static final int BODY_BYTES = 8 * 1024;

  private static final int PART_BYTES = 1024;

  /** Counts the requests the application served; writes its body in parts, flushing each. */
  static final class Counted extends HttpServlet {
    private static final long serialVersionUID = 1L;
    final transient LongAdder served = new LongAdder();

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      served.increment();
      resp.setContentType("application/octet-stream");
      resp.setContentLength(BODY_BYTES);
      byte[] part = new byte[PART_BYTES];
      java.util.Arrays.fill(part, (byte) 'x');
      for (int written = 0; written < BODY_BYTES; written += PART_BYTES) {
        resp.getOutputStream().write(part);
        resp.flushBuffer();
      }
    }
  }

  interface Starter {
    ServletContainerContractTest.RunningContainer start(
        DrainCoordinator coordinator, DrainFilter filter, Map<String, HttpServlet> servlets)
        throws Exception;
  }

  private QuiescingMoment() {}

  static Round round(Starter starter) throws Exception {
    DrainCoordinator drain =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(false)
            .propagationDelay(Duration.ZERO)
            .deadline(Duration.ofSeconds(30))
            .build();
    Counted counted = new Counted();
    Map<String, HttpServlet> servlets = new HashMap<>(TestServlets.all());
    servlets.put("/counted", counted);
    ServletContainerContractTest.RunningContainer container =
        starter.start(drain, new DrainFilter(drain), servlets);
    Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    CountDownLatch warm = new CountDownLatch(CLIENTS * WARM_ANSWERS);
    CountDownLatch refused = new CountDownLatch(CLIENTS);
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> clients = new ArrayList<>();
    try {
      for (int i = 0; i < CLIENTS; i++) {
        Thread t =
            new Thread(
                () -> hammer(container.port(), outcomes, warm, refused, stop),
                "quiescing-moment-client-" + i);
        t.setDaemon(true);
        t.start();
        clients.add(t);
      }
      assertThat(warm.await(60, SECONDS)).as("warm-up: %s", outcomes).isTrue();
      drain.startDrain();
      assertThat(refused.await(60, SECONDS)).as("every client refused: %s", outcomes).isTrue();
    } finally {
      stop.set(true);
      for (Thread t : clients) {
        t.join(30_000);
      }
    }
    assertThat(drain.whenDrained().get(30, SECONDS).forced()).isFalse();
    container.stop();
    drain.close();
    Map<String, Long> seen = new HashMap<>();
    outcomes.forEach((k, v) -> seen.put(k, v.sum()));
    return new Round(seen, counted.served.sum(), drain.rejectedCount());
  }

  /** New connection, one request, its status; until stopped, and at least until refused once. */
  private static void hammer(
      int port,
      Map<String, LongAdder> outcomes,
      CountDownLatch warm,
      CountDownLatch refused,
      AtomicBoolean stop) {
    boolean wasRefused = false;
    while (!stop.get()) {
      String outcome = oneRequest(port);
      outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
      if (outcome.equals(OK)) {
        warm.countDown();
      } else if (outcome.equals(CONNECTION_REFUSED) && !wasRefused) {
        wasRefused = true;
        refused.countDown();
      }
    }
  }

  private static String oneRequest(int port) {
    int read = 0;
    try (Socket socket = new Socket()) {
      try {
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
      } catch (ConnectException e) {
        return CONNECTION_REFUSED;
      }
      socket.setSoTimeout(RawHttpConnection.READ_TIMEOUT_MS);
      socket
          .getOutputStream()
          .write(
              "GET /counted HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      // Connection: close: the answer ends at the end of stream. Counted as it arrives, so that a
      // reset after some bytes is told apart from one before the answer.
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      byte[] buf = new byte[4096];
      for (int n = in.read(buf); n != -1; n = in.read(buf)) {
        received.write(buf, 0, n);
        read += n;
      }
      byte[] answer = received.toByteArray();
      if (read == 0) {
        return CUT_BEFORE_ANSWER;
      }
      String text = new String(answer, StandardCharsets.US_ASCII);
      int body = text.indexOf("\r\n\r\n");
      if (read < 12 || body < 0) {
        return "cut inside the head after " + read + " byte(s)";
      }
      String status = text.substring(9, 12);
      if (status.equals(OK) && read - body - 4 != BODY_BYTES) {
        return "200 cut after " + (read - body - 4) + " of " + BODY_BYTES + " body bytes";
      }
      return status;
    } catch (SocketException e) {
      // A reset while sending, or while waiting for the answer: before the answer only if
      // nothing of it had arrived.
      if (read == 0 && String.valueOf(e.getMessage()).contains("reset")) {
        return CUT_BEFORE_ANSWER;
      }
      return e + " after " + read + " byte(s)";
    } catch (IOException e) {
      return e + " after " + read + " byte(s)";
    }
  }
}

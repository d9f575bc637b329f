package io.drain4j.spring.testsupport;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP upstream on loopback (the JDK's server, port 0) whose answers are held until {@link
 * #release()}: outbound calls made through tracked clients stay in flight for as long as a test
 * needs. Answers {@code upstream} with 200.
 */
public final class Upstream implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch arrived;

  private Upstream(int expectedCalls) {
    arrived = new CountDownLatch(expectedCalls);
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(threads);
    server.createContext(
        "/",
        exchange -> {
          arrived.countDown();
          try {
            release.await(60, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          byte[] body = "upstream".getBytes(StandardCharsets.US_ASCII);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
  }

  /**
   * Starts an upstream that holds its answers.
   *
   * @param expectedCalls how many calls {@link #awaitCalls()} waits for
   * @return the running upstream
   */
  public static Upstream holding(int expectedCalls) {
    return new Upstream(expectedCalls);
  }

  /** Starts an upstream that answers at once. */
  public static Upstream answering() {
    Upstream upstream = new Upstream(0);
    upstream.release();
    return upstream;
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Waits until the expected calls have arrived (bounded). */
  public void awaitCalls() throws InterruptedException {
    if (!arrived.await(30, TimeUnit.SECONDS)) {
      throw new AssertionError("the upstream calls did not arrive within 30 s");
    }
  }

  public void release() {
    release.countDown();
  }

  @Override
  public void close() {
    release();
    server.stop(0);
    threads.shutdownNow();
  }
}

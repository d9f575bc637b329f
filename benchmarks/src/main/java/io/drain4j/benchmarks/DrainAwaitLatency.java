package io.drain4j.benchmarks;

import io.drain4j.DrainCoordinator;
import io.drain4j.InFlight;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Drain latency as the sidecar's preStop hook sees it: the time from the last in-flight unit
 * finishing to a {@code GET /drain/await} long poll answering, over a real socket to the real
 * status endpoint; and, from the same drains, to {@code whenDrained()} completing in-process.
 *
 * <p>Each drain: a fresh coordinator (status port 0, no JVM hook, propagation delay zero so that
 * the drain is past it at once), one inbound unit admitted, the drain started, the long poll sent
 * and given time to park, then the unit exits and the clock runs until the client has read the
 * whole answer.
 *
 * <p>Interleaved with the drains, a control that needs no drain4j at all: the main thread hands a
 * task to an idle thread, which writes one byte to a loopback socket that the main thread then
 * blocks reading. No signal that crosses a thread and a socket can be faster on the same machine at
 * the same moment, so its tail is the scheduler's, not drain4j's; on a loaded machine it shows how
 * much of drain4j's tail the machine explains. Arguments: {@code [resultsDir] [drains]
 * [warmupDrains]}.
 */
public final class DrainAwaitLatency {
  /** Time for the long poll to reach the endpoint and park before the unit exits. */
  private static final long PARK_MILLIS = 15;

  private DrainAwaitLatency() {}

  /**
   * Runs the loop and writes {@code drain4j-await.txt}, {@code drain4j-drained-future.txt} and
   * {@code control-handoff-socket.txt}.
   *
   * @param args results directory, number of drains (default 1000), warm-up drains (default 100)
   * @throws Exception when a drain fails
   */
  public static void main(String[] args) throws Exception {
    int drains = Samples.intArg(args, 1, 1000);
    int warmup = Samples.intArg(args, 2, 100);
    Samples await = new Samples("drain4j-await");
    Samples future = new Samples("drain4j-drained-future");
    Samples control = new Samples("control-handoff-socket");
    ExecutorService other = Executors.newSingleThreadExecutor();
    try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      for (int i = 0; i < warmup + drains; i++) {
        long[] r = oneDrain();
        long c = oneControl(listener, other);
        if (i >= warmup) {
          await.add(r[0]);
          future.add(r[1]);
          control.add(c);
        }
      }
    } finally {
      other.shutdownNow();
    }
    await.write(Samples.dir(args, 0));
    future.write(Samples.dir(args, 0));
    control.write(Samples.dir(args, 0));
    System.out.println(await.summary());
    System.out.println(future.summary());
    System.out.println(control.summary());
  }

  /** The control: a hand-off to an idle thread that writes to a socket the caller reads. */
  private static long oneControl(ServerSocket listener, ExecutorService other) throws Exception {
    try (Socket client = new Socket(listener.getInetAddress(), listener.getLocalPort());
        Socket server = listener.accept()) {
      client.setTcpNoDelay(true);
      server.setTcpNoDelay(true);
      client.setSoTimeout(30_000);
      OutputStream out = server.getOutputStream();
      InputStream in = client.getInputStream();
      Thread.sleep(PARK_MILLIS);
      long start = System.nanoTime();
      other.execute(
          () -> {
            try {
              out.write('x');
              out.flush();
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
      if (in.read() != 'x') {
        throw new IllegalStateException("control byte lost");
      }
      return System.nanoTime() - start;
    }
  }

  /** One drain; answers {nanos to the HTTP answer, nanos to whenDrained()}. */
  private static long[] oneDrain() throws Exception {
    DrainCoordinator c =
        DrainCoordinator.builder()
            .statusPort(0)
            .shutdownHook(false)
            .propagationDelay(Duration.ZERO)
            .deadline(Duration.ofSeconds(30))
            .build();
    try {
      InFlight unit = c.admitInbound("GET /work");
      if (unit == null) {
        throw new IllegalStateException("unit refused while serving");
      }
      c.startDrain();
      CompletableFuture<Long> drainedAt = c.whenDrained().thenApply(s -> System.nanoTime());
      InetSocketAddress address = c.statusAddress();
      try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(30_000);
        OutputStream out = socket.getOutputStream();
        out.write(
            """
            GET /drain/await?timeout=30s HTTP/1.1\r
            Host: localhost\r
            Connection: close\r
            \r
            """
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        Thread.sleep(PARK_MILLIS);
        if (in.available() > 0) {
          throw new IllegalStateException("/drain/await answered before the last unit exited");
        }
        long exitAt = System.nanoTime();
        unit.exit();
        String answer = readResponse(in);
        long answeredAt = System.nanoTime();
        if (!answer.startsWith("HTTP/1.1 200") || !answer.contains("\"DRAINED\"")) {
          throw new IllegalStateException("unexpected answer: " + answer);
        }
        return new long[] {answeredAt - exitAt, drainedAt.get(10, TimeUnit.SECONDS) - exitAt};
      }
    } finally {
      c.close();
    }
  }

  /** Reads one response with a Content-Length body, as curl would before printing it. */
  private static String readResponse(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    int b;
    while ((b = in.read()) != -1) {
      head.append((char) b);
      if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
        break;
      }
    }
    int length = 0;
    for (String line : head.toString().split("\r\n", -1)) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
        length = Integer.parseInt(line.substring(colon + 1).trim());
      }
    }
    byte[] body = in.readNBytes(length);
    return head + new String(body, StandardCharsets.UTF_8);
  }
}

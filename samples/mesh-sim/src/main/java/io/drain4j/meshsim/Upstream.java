package io.drain4j.meshsim;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The service outside the pod that {@code /call} reaches through the egress sidecar: serves {@code
 * GET /work?ms=N} and counts every call whose caller went away before the answer was delivered.
 * While it waits it watches its connection, so that a sidecar killed mid-call is seen at once, not
 * only when the answer is written.
 */
final class Upstream implements UpstreamService {

  private static final int MAX_CONNECTIONS = 512;
  private static final int IDLE_TIMEOUT_MS = 120_000;
  private static final long MAX_MS = 600_000;
  private static final byte[] BODY = "upstream ok\n".getBytes(StandardCharsets.US_ASCII);

  private final ServerSocket server;
  private final Thread acceptor;
  private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  private final List<Long> brokenAt = new ArrayList<>();
  private final AtomicInteger threads = new AtomicInteger();
  private volatile boolean closed;

  /**
   * Starts listening.
   *
   * @param address the address to bind; never the wildcard, the upstream serves one pod only
   * @param port the port, 0 for any free one
   */
  Upstream(InetAddress address, int port) throws IOException {
    server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(address, port), 128);
    acceptor = new Thread(this::acceptLoop, "upstream-accept-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  @Override
  public int port() {
    return server.getLocalPort();
  }

  /** Calls whose request arrived. */
  long received() {
    return received.get();
  }

  /** Calls answered in full. */
  long delivered() {
    return delivered.get();
  }

  /** When calls broke: the caller closed or reset the connection before the answer. */
  @Override
  public synchronized List<Long> brokenAt() {
    return List.copyOf(brokenAt);
  }

  private synchronized void broken() {
    brokenAt.add(System.nanoTime());
    notifyAll();
  }

  private synchronized void deliveredOne() {
    delivered.incrementAndGet();
    notifyAll();
  }

  /**
   * Waits until at least {@code count} calls have been answered in full, at most {@code timeout}
   * ms. A caller can read the answer's last byte before the upstream counts the call delivered.
   *
   * @return whether they have
   */
  synchronized boolean awaitDelivered(long count, long timeoutMillis) throws InterruptedException {
    return awaitCount(delivered::get, count, timeoutMillis);
  }

  /**
   * Waits until at least {@code count} calls have broken, at most {@code timeout} ms.
   *
   * @return whether they have
   */
  synchronized boolean awaitBroken(int count, long timeoutMillis) throws InterruptedException {
    return awaitCount(brokenAt::size, count, timeoutMillis);
  }

  /** Waits on this monitor, which every change of the counts notifies, until {@code current}. */
  private synchronized boolean awaitCount(LongSupplier current, long count, long timeoutMillis)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    while (current.getAsLong() < count) {
      long left = (deadline - System.nanoTime()) / 1_000_000L;
      if (left <= 0) {
        return false;
      }
      wait(left);
    }
    return true;
  }

  private void acceptLoop() {
    while (!closed) {
      Socket socket;
      try {
        socket = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      if (!slots.tryAcquire()) {
        closeQuietly(socket);
        continue;
      }
      open.add(socket);
      Thread t =
          new Thread(
              () -> {
                try {
                  serve(socket);
                } finally {
                  open.remove(socket);
                  closeQuietly(socket);
                  slots.release();
                }
              },
              "upstream-" + threads.incrementAndGet());
      t.setDaemon(true);
      t.start();
    }
  }

  private void serve(Socket socket) {
    try {
      socket.setTcpNoDelay(true);
      PushbackInputStream in =
          new PushbackInputStream(new BufferedInputStream(socket.getInputStream()), 1);
      OutputStream out = socket.getOutputStream();
      while (!closed) {
        socket.setSoTimeout(IDLE_TIMEOUT_MS);
        Request request = Request.read(in);
        if (request == null) {
          return; // the egress closed an idle connection: not a call
        }
        if (!request.target.startsWith("/work?")) {
          write(out, 404, "not found\n".getBytes(StandardCharsets.US_ASCII), request.close);
          if (request.close) {
            return;
          }
          continue;
        }
        long ms = parseMs(request.target);
        if (ms < 0) {
          write(out, 400, "bad ms\n".getBytes(StandardCharsets.US_ASCII), request.close);
          if (request.close) {
            return;
          }
          continue;
        }
        received.incrementAndGet();
        if (!waitWatching(socket, in, ms)) {
          broken();
          return;
        }
        try {
          write(out, 200, BODY, request.close);
        } catch (IOException e) {
          broken();
          return;
        }
        deliveredOne();
        if (request.close) {
          return;
        }
      }
    } catch (IOException e) {
      // A connection that failed between calls: nothing was lost.
    }
  }

  /**
   * Waits {@code ms} while reading the connection: end of stream or a reset means the caller is
   * gone. Bytes that arrive (a pipelined request) are pushed back for the next round.
   *
   * @return whether the caller is still there
   */
  private boolean waitWatching(Socket socket, PushbackInputStream in, long ms) {
    long deadline = System.nanoTime() + ms * 1_000_000L;
    try {
      while (true) {
        long left = (deadline - System.nanoTime()) / 1_000_000L;
        if (left <= 0) {
          return true;
        }
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
        try {
          int b = in.read();
          if (b < 0) {
            return false;
          }
          in.unread(b);
          // Something to read later; waiting on reads would spin, so sleep out the rest.
          Thread.sleep(Math.max(1, (deadline - System.nanoTime()) / 1_000_000L));
          return true;
        } catch (SocketTimeoutException e) {
          return true;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (IOException e) {
      return false;
    }
  }

  private static long parseMs(String target) {
    for (String param : target.substring(target.indexOf('?') + 1).split("&", -1)) {
      if (param.startsWith("ms=")) {
        try {
          long ms = Long.parseLong(param.substring(3));
          return ms >= 0 && ms <= MAX_MS ? ms : -1;
        } catch (NumberFormatException e) {
          return -1;
        }
      }
    }
    return -1;
  }

  private static void write(OutputStream out, int status, byte[] body, boolean close)
      throws IOException {
    String reason = status == 200 ? "OK" : status == 404 ? "Not Found" : "Bad Request";
    String head =
        "HTTP/1.1 "
            + status
            + " "
            + reason
            + "\r\nContent-Type: text/plain\r\n"
            + "Content-Length: "
            + body.length
            + "\r\n"
            + (close ? "Connection: close\r\n" : "")
            + "\r\n";
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    open.forEach(Upstream::closeQuietly);
    try {
      acceptor.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The parts of a request head that the upstream needs. */
  private record Request(String target, boolean close) {

    /** Reads a request head; {@code null} at a clean end of stream before any byte. */
    static Request read(InputStream in) throws IOException {
      String requestLine;
      try {
        requestLine = line(in, true);
      } catch (SocketTimeoutException | SocketException e) {
        return null;
      }
      if (requestLine == null) {
        return null;
      }
      boolean close = requestLine.endsWith("HTTP/1.0");
      int headBytes = 0;
      for (String h = line(in, false); !h.isEmpty(); h = line(in, false)) {
        headBytes += h.length();
        if (headBytes > 32 * 1024) {
          throw new IOException("request head too large");
        }
        String lower = h.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("connection:")) {
          close = lower.contains("close");
        } else if (lower.startsWith("content-length:") && !lower.endsWith(": 0")) {
          throw new IOException("request bodies are not served");
        }
      }
      // Trailing spaces after the version are tolerated.
      String[] parts = requestLine.replaceFirst(" +\\z", "").split(" ", -1);
      if (parts.length != 3 || !parts[0].equals("GET")) {
        throw new IOException("unsupported request: " + requestLine);
      }
      return new Request(parts[1], close);
    }

    private static String line(InputStream in, boolean eofAllowed) throws IOException {
      StringBuilder line = new StringBuilder();
      while (true) {
        int c = in.read();
        if (c < 0) {
          if (eofAllowed && line.length() == 0) {
            return null;
          }
          throw new IOException("end of stream inside a request head");
        }
        if (c == '\n') {
          int end = line.length();
          return end > 0 && line.charAt(end - 1) == '\r'
              ? line.substring(0, end - 1)
              : line.toString();
        }
        if (line.length() > 8192) {
          throw new IOException("request line too long");
        }
        line.append((char) c);
      }
    }
  }
}

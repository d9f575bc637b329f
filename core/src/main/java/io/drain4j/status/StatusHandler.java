package io.drain4j.status;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Routes the endpoint's requests; see {@link StatusEndpoint} for the table. */
final class StatusHandler implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(StatusEndpoint.class);

  static final String GET_HEAD = "GET, HEAD";
  static final String GET_HEAD_POST = "GET, HEAD, POST";

  private static final byte[] IPV4_LOOPBACK = {127, 0, 0, 1};
  private static final byte[] IPV6_LOOPBACK = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

  private final DrainCoordinator coordinator;
  private final DrainWaiters waiters;
  private final int maxBodyBytes;

  StatusHandler(DrainCoordinator coordinator, DrainWaiters waiters, int maxBodyBytes) {
    this.coordinator = coordinator;
    this.waiters = waiters;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  public void handle(HttpExchange exchange) {
    try {
      if (!readBody(exchange)) {
        return;
      }
      if (!RequestExecutor.requestRead()) {
        exchange.close(); // the request deadline passed while the body was read
        return;
      }
      route(exchange);
    } catch (IOException e) {
      // The peer went away, or the request deadline interrupted the read.
      exchange.close();
    } catch (RuntimeException e) {
      log.warn(
          "drain4j status endpoint failed on {} {}",
          exchange.getRequestMethod(),
          exchange.getRequestURI(),
          e);
      Replies.textAndClose(exchange, 500, "internal error: " + e + "\n");
    }
  }

  /**
   * Reads and discards the request body, so that the request is complete before anything is done
   * about it, and so that it never costs more than {@code maxBodyBytes}.
   *
   * @return {@code false} when the body was too large and the exchange has been answered 413
   */
  private boolean readBody(HttpExchange exchange) throws IOException {
    String length = exchange.getRequestHeaders().getFirst("Content-Length");
    if (length != null) {
      long declared;
      try {
        declared = Long.parseLong(length.trim());
      } catch (NumberFormatException e) {
        declared = Long.MAX_VALUE; // the JDK server refuses those before; be safe anyway
      }
      if (declared > maxBodyBytes) {
        tooLarge(exchange);
        return false;
      }
    }
    InputStream in = exchange.getRequestBody();
    byte[] buf = new byte[1024];
    long total = 0;
    try {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        total += n;
        if (total > maxBodyBytes) {
          tooLarge(exchange); // a chunked body
          return false;
        }
      }
    } catch (RuntimeException e) {
      // The JDK's chunked decoder can fail on a malformed chunk size with an unchecked exception;
      // it is the client's fault, not worth a warning.
      throw new IOException("malformed request body", e);
    }
    return true;
  }

  private void tooLarge(HttpExchange exchange) {
    Replies.textAndClose(
        exchange, 413, "request body too large: at most " + maxBodyBytes + " bytes are read\n");
  }

  private void route(HttpExchange exchange) {
    // Never null: the JDK server hands over only requests whose path starts with the context's
    // "/" (an opaque URI such as "mailto:x" never reaches a handler).
    String path = exchange.getRequestURI().getPath();
    String method = exchange.getRequestMethod();
    switch (path) {
      case "/ready" -> {
        if (allowed(exchange, method, false)) {
          DrainState state = coordinator.state();
          if (state == DrainState.SERVING) {
            Replies.text(exchange, 200, "ready\n");
          } else {
            Replies.text(exchange, 503, "not ready: " + state + "\n");
          }
        }
      }
      case "/live" -> {
        if (allowed(exchange, method, false)) {
          Replies.text(exchange, 200, "live\n");
        }
      }
      case "/drain" -> {
        if ("POST".equals(method)) {
          startDrain(exchange);
        } else if (allowed(exchange, method, true)) {
          Replies.status(exchange, coordinator.status());
        }
      }
      case "/drain/await" -> {
        if (allowed(exchange, method, false)) {
          await(exchange);
        }
      }
      default ->
          Replies.text(
              exchange,
              404,
              "not found: " + shorten(path) + "\nendpoints: /ready /live /drain /drain/await\n");
    }
  }

  /** Answers 405 with {@code Allow} unless the method is GET, HEAD or (if allowed) POST. */
  private static boolean allowed(HttpExchange exchange, String method, boolean post) {
    boolean ok = "GET".equals(method) || "HEAD".equals(method) || (post && "POST".equals(method));
    if (!ok) {
      String allow = post ? GET_HEAD_POST : GET_HEAD;
      exchange.getResponseHeaders().set("Allow", allow);
      Replies.text(
          exchange, 405, "method " + shorten(method) + " not allowed; allowed: " + allow + "\n");
    }
    return ok;
  }

  private void startDrain(HttpExchange exchange) {
    if (!isExactLoopback(exchange.getRemoteAddress())) {
      // Not 127.0.0.0/8: a mesh's inbound passthrough arrives from 127.0.0.6.
      Replies.text(exchange, 403, "POST /drain is accepted only from 127.0.0.1 or ::1\n");
      return;
    }
    // The code says what this request did, fixed by the state before it: 200 only when the drain
    // was already complete. A drain with nothing in flight and no propagation delay may be DRAINED
    // by the time the body is read, and still this request started it: 202.
    boolean alreadyDrained = coordinator.state() == DrainState.DRAINED;
    if (!alreadyDrained) {
      coordinator.startDrain(
          "POST /drain on the status endpoint from " + exchange.getRemoteAddress());
    }
    Replies.json(exchange, alreadyDrained ? 200 : 202, coordinator.status());
  }

  private void await(HttpExchange exchange) {
    Duration timeout;
    try {
      timeout = AwaitQuery.timeout(exchange.getRequestURI().getRawQuery());
    } catch (IllegalArgumentException e) {
      Replies.text(exchange, 400, e.getMessage() + "\n");
      return;
    }
    // Never longer than the remaining deadline plus a second, whatever was asked: by then the
    // drain has ended, and a longer wait only holds a place.
    Duration cap = Duration.ofMillis(coordinator.status().deadlineRemainingMs()).plusSeconds(1);
    waiters.await(exchange, timeout == null || timeout.compareTo(cap) > 0 ? cap : timeout);
  }

  /** Exactly 127.0.0.1 or ::1; not the rest of 127.0.0.0/8. */
  static boolean isExactLoopback(InetSocketAddress remote) {
    InetAddress a = remote == null ? null : remote.getAddress();
    if (a instanceof Inet4Address) {
      return Arrays.equals(a.getAddress(), IPV4_LOOPBACK);
    }
    if (a instanceof Inet6Address) {
      return Arrays.equals(a.getAddress(), IPV6_LOOPBACK);
    }
    return false;
  }

  private static String shorten(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 60; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return s.length() > 60 ? b + "..." : b.toString();
  }
}

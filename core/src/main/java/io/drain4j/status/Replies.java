package io.drain4j.status;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import io.drain4j.DrainState;
import io.drain4j.DrainStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Writes the endpoint's small, fixed-length responses. */
final class Replies {
  static final String TEXT = "text/plain; charset=utf-8";
  static final String JSON = "application/json";

  private Replies() {}

  /** Answers a drain status: 200 when drained, 503 before. */
  static void status(HttpExchange exchange, DrainStatus status) {
    send(
        exchange,
        status.state() == DrainState.DRAINED ? 200 : 503,
        JSON,
        status.toJson() + "\n",
        false);
  }

  static void json(HttpExchange exchange, int code, DrainStatus status) {
    send(exchange, code, JSON, status.toJson() + "\n", false);
  }

  static void text(HttpExchange exchange, int code, String body) {
    send(exchange, code, TEXT, body, false);
  }

  /** Answers and closes the connection: the request was not read to its end. */
  static void textAndClose(HttpExchange exchange, int code, String body) {
    send(exchange, code, TEXT, body, true);
  }

  /**
   * Sends a complete response and ends the exchange; {@code body} is never empty here. Never
   * throws: a client that went away is no error of the endpoint's, and the exchange is closed
   * either way.
   */
  static void send(
      HttpExchange exchange, int code, String contentType, String body, boolean close) {
    try {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      Headers h = exchange.getResponseHeaders();
      h.set("Content-Type", contentType);
      h.set("Cache-Control", "no-store");
      if (close) {
        h.set("Connection", "close");
      }
      if ("HEAD".equals(exchange.getRequestMethod())) {
        // The JDK server sends no body to HEAD; the length is set by hand, as it asks.
        h.set("Content-Length", Integer.toString(bytes.length));
        exchange.sendResponseHeaders(code, -1);
      } else {
        // Every answer has a body (at least a line of text), so the length is never 0, which the
        // JDK server would take for a chunked response.
        exchange.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    } catch (IOException e) {
      // The peer is gone or the exchange was already answered; closing below releases it.
    } finally {
      exchange.close();
    }
  }
}

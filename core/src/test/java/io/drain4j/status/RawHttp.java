package io.drain4j.status;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Raw-socket HTTP/1.1 for what a real client library will not send. */
final class RawHttp {
  static final int READ_TIMEOUT_MS = 15_000;

  private RawHttp() {}

  /**
   * The address an IP literal names; these tests are about exact addresses (127.0.0.1 versus ::1),
   * so no host name is involved and the literal has exactly one address.
   */
  static InetAddress ip(String literal) throws IOException {
    return InetAddress.getAllByName(literal)[0];
  }

  /** A parsed response. */
  record Response(int code, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** Sends {@code request} from {@code local} (any local address when null), reads one response. */
  static Response exchange(InetSocketAddress target, InetAddress local, String request)
      throws IOException {
    try (Socket s = new Socket()) {
      if (local != null) {
        s.bind(new InetSocketAddress(local, 0));
      }
      s.connect(target, READ_TIMEOUT_MS);
      s.setSoTimeout(READ_TIMEOUT_MS);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      return read(s.getInputStream());
    }
  }

  static Response exchange(InetSocketAddress target, String request) throws IOException {
    return exchange(target, null, request);
  }

  /** Reads one response with a {@code Content-Length} (all this endpoint sends). */
  static Response read(InputStream in) throws IOException {
    String status = line(in);
    if (status == null) {
      throw new IOException("connection closed before a response");
    }
    String[] parts = status.split(" ", 3);
    int code = Integer.parseInt(parts[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
      int colon = h.indexOf(':');
      headers.put(
          h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] body = in.readNBytes(length);
    return new Response(code, headers, new String(body, StandardCharsets.UTF_8));
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  /** What became of a request the endpoint should refuse. */
  enum Outcome {
    ERROR_RESPONSE,
    CLOSED,
    SUCCESS_RESPONSE
  }

  /**
   * Sends raw bytes (maybe only part of them, if the server closes first), optionally closes the
   * sending side, and reads until the server closes. Fails with {@link SocketTimeoutException} when
   * the server neither answers nor closes in time.
   */
  static Outcome abuse(InetSocketAddress target, byte[] payload, boolean halfClose)
      throws IOException {
    try (Socket s = new Socket()) {
      s.connect(target, READ_TIMEOUT_MS);
      s.setSoTimeout(READ_TIMEOUT_MS);
      try {
        OutputStream out = s.getOutputStream();
        out.write(payload);
        out.flush();
        if (halfClose) {
          s.shutdownOutput();
        }
      } catch (IOException e) {
        // The server closed the connection while this side was still writing: a refusal.
      }
      return outcomeOf(s.getInputStream());
    }
  }

  /** Reads until the server closes; classifies what it sent. */
  static Outcome outcomeOf(InputStream in) throws IOException {
    byte[] head = new byte[12];
    int n = 0;
    try {
      for (int r; n < head.length && (r = in.read(head, n, head.length - n)) > 0; ) {
        n += r;
      }
      while (in.read() >= 0) {
        // drain the rest of the response until the server closes
      }
    } catch (SocketTimeoutException e) {
      throw e;
    } catch (IOException e) {
      // reset by the server: closed
    }
    if (n < 10) {
      return Outcome.CLOSED;
    }
    String status = new String(head, 0, n, StandardCharsets.ISO_8859_1);
    return status.startsWith("HTTP/1.1 4") || status.startsWith("HTTP/1.1 5")
        ? Outcome.ERROR_RESPONSE
        : Outcome.SUCCESS_RESPONSE;
  }
}

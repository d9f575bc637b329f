package io.drain4j.meshsim;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client over a raw socket, one connection per request, that tells a complete
 * response from one cut short: the JDK's {@code HttpClient} would hide a cut behind its own retries
 * and pooled connections.
 */
final class HttpProbe {

  /** Header that the simulator's HAProxy error pages carry: the answer came from a proxy. */
  static final String PROXY_HEADER = "x-mesh-sim-proxy";

  private static final int MAX_HEAD = 64 * 1024;
  private static final int MAX_BODY = 1024 * 1024;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

  /**
   * What a request got.
   *
   * @param status the status code, 0 when no status line arrived
   * @param headers the response headers, names in lower case
   * @param body the body received, possibly partial
   * @param complete whether the response arrived whole, as its framing defines it
   * @param closeDelimited whether the body had no framing and ended with the connection
   * @param failure what went wrong, {@code null} when complete
   */
  record Response(
      int status,
      Map<String, String> headers,
      String body,
      boolean complete,
      boolean closeDelimited,
      String failure) {

    /** Whether a proxy (not the application) generated this answer. */
    boolean fromProxy() {
      return headers.containsKey(PROXY_HEADER);
    }

    String proxy() {
      return headers.get(PROXY_HEADER);
    }
  }

  private HttpProbe() {}

  /**
   * Sends {@code GET path} on a new connection and reads the whole answer.
   *
   * @param target where to connect
   * @param path the request target, such as {@code /work?ms=100}
   * @param timeout the longest silence tolerated between two reads
   * @return the response; never throws for network failures, which become incomplete responses
   */
  static Response get(InetSocketAddress target, String path, Duration timeout) {
    Partial partial = new Partial();
    try (Socket socket = new Socket()) {
      socket.setTcpNoDelay(true);
      try {
        socket.connect(target, (int) CONNECT_TIMEOUT.toMillis());
      } catch (ConnectException e) {
        return partial.fail("connection refused");
      } catch (SocketTimeoutException e) {
        return partial.fail("connect timed out");
      }
      socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET "
                  + path
                  + " HTTP/1.1\r\nHost: pod\r\nUser-Agent: mesh-sim\r\n"
                  + "Connection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return read(new BufferedInputStream(socket.getInputStream()), partial);
    } catch (SocketTimeoutException e) {
      return partial.fail("no data for " + timeout.toMillis() + " ms");
    } catch (EOFException e) {
      return partial.fail(
          partial.status == 0
              ? "closed before any response"
              : "closed mid-body after " + partial.body.size() + " bytes");
    } catch (IOException e) {
      String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
      String what =
          message.contains("reset")
              ? "connection reset"
              : message.contains("broken pipe") ? "broken pipe" : e.toString();
      return partial.fail(
          partial.status == 0
              ? what + " before any response"
              : what + " mid-body after " + partial.body.size() + " bytes");
    }
  }

  /** Reads one response from {@code in}: exposed for tests of the framing. */
  static Response read(InputStream in, Partial partial) throws IOException {
    String statusLine = line(in);
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
      throw new IOException("not an HTTP status line: " + statusLine);
    }
    partial.status = Integer.parseInt(parts[1]);
    int headBytes = statusLine.length();
    for (String header = line(in); !header.isEmpty(); header = line(in)) {
      headBytes += header.length();
      if (headBytes > MAX_HEAD) {
        throw new IOException("response head over " + MAX_HEAD + " bytes");
      }
      int colon = header.indexOf(':');
      if (colon > 0) {
        partial.headers.put(
            header.substring(0, colon).trim().toLowerCase(Locale.ROOT),
            header.substring(colon + 1).trim());
      }
    }
    String encoding = partial.headers.getOrDefault("transfer-encoding", "");
    String length = partial.headers.get("content-length");
    boolean bodyless = partial.status == 204 || partial.status == 304 || partial.status / 100 == 1;
    if (bodyless) {
      return partial.done(false);
    }
    if (encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
      while (true) {
        String sizeLine = line(in);
        int semicolon = sizeLine.indexOf(';');
        int size =
            Integer.parseInt(
                (semicolon >= 0 ? sizeLine.substring(0, semicolon) : sizeLine).trim(), 16);
        if (size == 0) {
          for (String trailer = line(in); !trailer.isEmpty(); trailer = line(in)) {
            // trailers are not used
          }
          return partial.done(false);
        }
        copy(in, partial.body, size);
        line(in);
      }
    }
    if (length != null) {
      copy(in, partial.body, Integer.parseInt(length.trim()));
      return partial.done(false);
    }
    byte[] buffer = new byte[8192];
    for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
      partial.body.write(buffer, 0, n);
      if (partial.body.size() > MAX_BODY) {
        throw new IOException("body over " + MAX_BODY + " bytes");
      }
    }
    return partial.done(true);
  }

  private static void copy(InputStream in, ByteArrayOutputStream body, int count)
      throws IOException {
    if (count < 0 || body.size() + count > MAX_BODY) {
      throw new IOException("bad body length " + count);
    }
    byte[] buffer = new byte[Math.min(8192, Math.max(1, count))];
    int left = count;
    while (left > 0) {
      int n = in.read(buffer, 0, Math.min(buffer.length, left));
      if (n < 0) {
        throw new EOFException();
      }
      body.write(buffer, 0, n);
      left -= n;
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      int c = in.read();
      if (c < 0) {
        throw new EOFException();
      }
      if (c == '\n') {
        int end = line.length();
        if (end > 0 && line.charAt(end - 1) == '\r') {
          line.setLength(end - 1);
        }
        return line.toString();
      }
      if (line.length() >= 8192) {
        throw new IOException("line over 8192 bytes");
      }
      line.append((char) c);
    }
  }

  /** What has arrived so far of one response. */
  static final class Partial {
    int status;
    final Map<String, String> headers = new HashMap<>();
    final ByteArrayOutputStream body = new ByteArrayOutputStream();

    Response done(boolean closeDelimited) {
      return new Response(status, Map.copyOf(headers), text(), true, closeDelimited, null);
    }

    Response fail(String failure) {
      return new Response(status, Map.copyOf(headers), text(), false, false, failure);
    }

    private String text() {
      return body.toString(StandardCharsets.UTF_8);
    }
  }
}

package io.drain4j.netty;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.1 client over a plain socket, for what the JDK client hides: pipelining, the exact
 * response headers, and whether the server closed the connection. Reads wait 10 s at most.
 */
final class RawHttpConnection implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  RawHttpConnection(int port) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
    socket.setSoTimeout(10_000);
    in = new BufferedInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  static String get(String path) {
    return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
  }

  /** Sends the requests in one write, so that they are pipelined. */
  RawHttpConnection send(String... requests) throws IOException {
    out.write(String.join("", requests).getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return this;
  }

  Response read() throws IOException {
    int status = status(line());
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h = line(); !h.isEmpty(); h = line()) {
      int colon = h.indexOf(':');
      headers.put(
          h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
    }
    String body;
    if (status / 100 == 1) {
      body = "";
    } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      body = chunked();
    } else {
      body =
          new String(
              in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0"))),
              StandardCharsets.UTF_8);
    }
    return new Response(status, headers, body);
  }

  /** Reads the next chunk of a chunked body whose head {@link #readHead} has read. */
  String readChunk() throws IOException {
    int size = Integer.parseInt(line().trim(), 16);
    String chunk = new String(in.readNBytes(size), StandardCharsets.UTF_8);
    line();
    return chunk;
  }

  /** Reads a response's status line and headers only. */
  Response readHead() throws IOException {
    int status = status(line());
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h = line(); !h.isEmpty(); h = line()) {
      int colon = h.indexOf(':');
      headers.put(
          h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
    }
    return new Response(status, headers, "");
  }

  /** The status code of a status line: {@code HTTP/1.x CODE [REASON]}. */
  private static int status(String statusLine) throws IOException {
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP/1.1 status line: " + statusLine);
    }
    return Integer.parseInt(parts[1]);
  }

  private String chunked() throws IOException {
    StringBuilder body = new StringBuilder();
    for (String chunk = readChunk(); !chunk.isEmpty(); chunk = readChunk()) {
      body.append(chunk);
    }
    return body.toString();
  }

  /**
   * Whether the server closed the connection: the next read ends the stream (or is reset) within 10
   * s. A read that times out means the connection is still open, and fails the test.
   */
  boolean awaitClosedByServer() throws IOException {
    try {
      return in.read() == -1;
    } catch (SocketException e) {
      return true; // reset
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c == -1) {
        throw new EOFException("connection closed by the server");
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  record Response(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }
}

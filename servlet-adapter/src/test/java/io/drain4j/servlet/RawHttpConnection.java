package io.drain4j.servlet;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client over one socket, so that tests see the raw headers and control whether
 * a connection is reused. Reads block at most {@link #READ_TIMEOUT_MS}.
 */
final class RawHttpConnection implements AutoCloseable {

  static final int READ_TIMEOUT_MS = 15_000;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  RawHttpConnection(int port) throws IOException {
    this(port, 0);
  }

  /**
   * A connection whose receive buffer is fixed at {@code receiveBuffer} bytes (0: the system's
   * default), so that a large response cannot land in the kernel's buffers while the test does not
   * read it.
   */
  RawHttpConnection(int port, int receiveBuffer) throws IOException {
    socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), READ_TIMEOUT_MS);
    socket.setSoTimeout(READ_TIMEOUT_MS);
    in = new BufferedInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  /** Sends a GET without waiting for the answer. */
  void send(String path) throws IOException {
    out.write(
        ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** Sends a GET and reads its answer. */
  Response get(String path) throws IOException {
    send(path);
    return read();
  }

  /** Reads one response: status line, headers, and a body framed by length, chunks or close. */
  Response read() throws IOException {
    String statusLine = line();
    if (statusLine == null) {
      throw new IOException("connection closed before a response");
    }
    int status = Integer.parseInt(statusLine.split(" ", 3)[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String header = line(); header != null && !header.isEmpty(); header = line()) {
      int colon = header.indexOf(':');
      headers.merge(
          header.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          header.substring(colon + 1).trim(),
          (a, b) -> a + ", " + b);
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      for (int size = Integer.parseInt(line().trim(), 16);
          size > 0;
          size = Integer.parseInt(line().trim(), 16)) {
        body.write(in.readNBytes(size));
        line();
      }
      for (String trailer = line(); trailer != null && !trailer.isEmpty(); trailer = line()) {
        // trailers are not used by the tests
      }
    } else if (headers.containsKey("content-length")) {
      body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
    } else {
      body.write(in.readAllBytes());
    }
    return new Response(status, headers, body.toString(StandardCharsets.UTF_8));
  }

  /**
   * Waits until the server closes the connection.
   *
   * @return {@code true} when the server closed it (end of stream or reset), {@code false} when the
   *     read timed out with the connection still open
   * @throws IOException when the server sent bytes instead
   */
  boolean awaitClosedByServer() throws IOException {
    try {
      int b = in.read();
      if (b != -1) {
        throw new IOException("expected the connection to close, got byte " + b);
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true;
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      if (b == '\n') {
        String s = line.toString(StandardCharsets.US_ASCII);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      line.write(b);
    }
    return line.size() == 0 ? null : line.toString(StandardCharsets.US_ASCII);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** A response as read from the wire; header names in lower case. */
  record Response(int status, Map<String, String> headers, String body) {

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    boolean closesConnection() {
      String connection = header("connection");
      return connection != null && connection.toLowerCase(Locale.ROOT).contains("close");
    }
  }
}

package io.drain4j.spring.app;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An HTTP/1.1 client on one socket that reads nothing until told to. Its receive buffer is fixed
 * small, so that a large response cannot land in the kernel's buffers while the client does not
 * read: the server still has most of it to write.
 */
final class SlowClient implements AutoCloseable {
  private static final int RECEIVE_BUFFER = 16 * 1024;
  private static final byte[] END_OF_HEAD = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private final Socket socket = new Socket();

  SlowClient(int port) throws IOException {
    socket.setReceiveBufferSize(RECEIVE_BUFFER);
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
    socket.setSoTimeout(30_000);
  }

  /** Sends {@code GET path}, asking the server to close the connection after its answer. */
  void send(String path) throws IOException {
    socket
        .getOutputStream()
        .write(
            ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
  }

  /** Reads until the server closes the connection; a body must be framed by its length. */
  Answer readAll() throws IOException {
    byte[] all = socket.getInputStream().readAllBytes();
    int head = indexOf(all, END_OF_HEAD);
    if (head < 0) {
      throw new IOException("no complete response head in " + all.length + " bytes");
    }
    return new Answer(
        new String(all, 0, head, StandardCharsets.ISO_8859_1),
        new String(
            all,
            head + END_OF_HEAD.length,
            all.length - head - END_OF_HEAD.length,
            StandardCharsets.ISO_8859_1));
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  private static int indexOf(byte[] bytes, byte[] part) {
    for (int i = 0; i + part.length <= bytes.length; i++) {
      if (Arrays.equals(bytes, i, i + part.length, part, 0, part.length)) {
        return i;
      }
    }
    return -1;
  }

  /** A response as read off the wire: its head (status line and headers) and its body. */
  record Answer(String head, String body) {
    int status() {
      return Integer.parseInt(head.split(" ", 3)[1]);
    }
  }
}

package io.drain4j.meshsim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpProbeTest {

  private ServerSocket server;

  @AfterEach
  void close() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void whenTheBodyMatchesItsContentLengthThenTheResponseIsComplete() throws Exception {
    HttpProbe.Response r = answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");

    assertThat(r.complete()).isTrue();
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("ok");
  }

  @Test
  void whenTheConnectionClosesBeforeTheContentLengthThenTheResponseIsCut() throws Exception {
    HttpProbe.Response r = answer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok");

    assertThat(r.complete()).isFalse();
    assertThat(r.failure()).isEqualTo("closed mid-body after 2 bytes");
  }

  @Test
  void whenAChunkedBodyEndsWithItsLastChunkThenTheResponseIsComplete() throws Exception {
    HttpProbe.Response r =
        answer(
            """
            HTTP/1.1 200 OK\r
            Transfer-Encoding: chunked\r
            X-Mesh-Sim-Proxy: ingress\r
            \r
            5\r
            chunk\r
            3;x=y\r
             1
            \r
            0\r
            \r
            """);

    assertThat(r.complete()).isTrue();
    assertThat(r.body()).isEqualTo("chunk 1\n");
    assertThat(r.fromProxy()).isTrue();
    assertThat(r.proxy()).isEqualTo("ingress");
  }

  @Test
  void whenAChunkedBodyStopsBeforeItsLastChunkThenTheResponseIsCut() throws Exception {
    HttpProbe.Response r =
        answer(
            """
            HTTP/1.1 200 OK\r
            Transfer-Encoding: chunked\r
            \r
            5\r
            chunk\r
            """);

    assertThat(r.complete()).isFalse();
    assertThat(r.status()).isEqualTo(200);
  }

  @Test
  void whenNothingAnswersBeforeTheConnectionClosesThenThatIsSaid() throws Exception {
    HttpProbe.Response r = answer("");

    assertThat(r.complete()).isFalse();
    assertThat(r.failure()).isEqualTo("closed before any response");
  }

  @Test
  void whenTheBodyHasNoFramingThenItIsCloseDelimited() throws Exception {
    HttpProbe.Response r = answer("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nchunk 1/1\n");

    assertThat(r.complete()).isTrue();
    assertThat(r.closeDelimited()).isTrue();
  }

  @Test
  void whenNobodyListensThenTheConnectionIsRefused() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }

    HttpProbe.Response r =
        HttpProbe.get(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
            "/work?ms=0",
            Duration.ofSeconds(5));

    assertThat(r.complete()).isFalse();
    assertThat(r.failure()).isEqualTo("connection refused");
  }

  /** Serves {@code raw} to the probe's request, then closes the connection. */
  private HttpProbe.Response answer(String raw) throws Exception {
    server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    CompletableFuture<String> request =
        CompletableFuture.supplyAsync(
            () -> {
              try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                StringBuilder head = new StringBuilder();
                while (!head.toString().endsWith("\r\n\r\n")) {
                  int c = in.read();
                  if (c < 0) {
                    break;
                  }
                  head.append((char) c);
                }
                OutputStream out = s.getOutputStream();
                out.write(raw.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return head.toString();
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    HttpProbe.Response response =
        HttpProbe.get(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()),
            "/work?ms=1",
            Duration.ofSeconds(10));
    assertThat(request.get(10, TimeUnit.SECONDS))
        .startsWith("GET /work?ms=1 HTTP/1.1\r\n")
        .contains("Connection: close\r\n");
    return response;
  }
}

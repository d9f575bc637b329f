package io.drain4j.demo.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The demo's endpoints answer as the demo contract says (the drain itself: SpringDemoJarIT). */
@SpringBootTest(
    webEnvironment = WebEnvironment.RANDOM_PORT,
    properties = {"drain4j.status.port=0", "drain4j.propagation-delay=0s"})
class SpringDemoEndpointsTest {
  private static final HttpServer upstream = startUpstream();

  @LocalServerPort int port;

  private final HttpClient http = HttpClient.newHttpClient();

  @DynamicPropertySource
  static void upstreamUrl(DynamicPropertyRegistry registry) {
    registry.add("demo.upstream-url", () -> "http://127.0.0.1:" + upstream.getAddress().getPort());
  }

  @AfterAll
  static void stopUpstream() {
    upstream.stop(0);
  }

  @Test
  void workAnswersOk() throws Exception {
    HttpResponse<String> response = get("/work?ms=20");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("ok");
  }

  @Test
  void callAnswersTheUpstreamsBody() throws Exception {
    HttpResponse<String> response = get("/call?ms=5");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("upstream ms=5");
  }

  @Test
  void jobIsAcceptedAtOnce() throws Exception {
    assertThat(get("/job?ms=10").statusCode()).isEqualTo(202);
  }

  @Test
  void streamSendsTheChunksInOrder() throws Exception {
    HttpResponse<String> response = get("/stream?ms=60&chunks=3");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("chunk 1\nchunk 2\nchunk 3\n");
  }

  @Test
  void badParametersAreAnswered400() throws Exception {
    assertThat(get("/work?ms=soon").statusCode()).isEqualTo(400);
    assertThat(get("/work?ms=-1").statusCode()).isEqualTo(400);
    assertThat(get("/job?ms=99999999999").statusCode()).isEqualTo(400);
    assertThat(get("/stream?ms=10&chunks=0").statusCode()).isEqualTo(400);
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** An upstream that echoes the {@code ms} it was asked for. */
  private static HttpServer startUpstream() {
    try {
      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext(
          "/work",
          exchange -> {
            String query = exchange.getRequestURI().getQuery();
            byte[] body = ("upstream " + query).getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          });
      server.start();
      return server;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}

package io.drain4j.servlet;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import io.drain4j.DrainStatus;
import io.drain4j.UnitKind;
import io.drain4j.servlet.jetty.JettyDrain;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.ee11.servlet.ErrorPageErrorHandler;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/** The servlet drain contract on embedded Jetty 12 (EE 11). */
class JettyContractTest extends ServletContainerContractTest {

  /** Acceptor threads of the connector; -1: Jetty's default. */
  private int acceptors = -1;

  /** The connector of the running server. */
  private ServerConnector connector;

  @Override
  RunningContainer start(
      DrainCoordinator coordinator,
      DrainFilter filter,
      Map<String, HttpServlet> servlets,
      boolean connectorControl)
      throws Exception {
    Server server = new Server();
    HttpConfiguration config = new HttpConfiguration();
    ServerConnector connector =
        new ServerConnector(
            server,
            acceptors,
            -1,
            new HttpConnectionFactory(config),
            new HTTP2CServerConnectionFactory(config));
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    this.connector = connector;

    ServletContextHandler context = new ServletContextHandler("/");
    FilterHolder filterHolder = new FilterHolder(filter);
    filterHolder.setAsyncSupported(true);
    context.addFilter(filterHolder, "/*", EnumSet.of(DispatcherType.REQUEST));
    servlets.forEach(
        (path, servlet) -> {
          ServletHolder holder = new ServletHolder(servlet);
          holder.setAsyncSupported(true);
          context.addServlet(holder, path);
        });
    HeldErrorHandler errorHandler = new HeldErrorHandler();
    errorHandler.addErrorPage(TestServlets.ErrorPage.STATUS, TestServlets.ErrorPage.PATH);
    context.setErrorHandler(errorHandler);
    server.setHandler(context);
    if (connectorControl) {
      JettyDrain.install(coordinator, server);
    }
    server.start();
    return new RunningContainer() {
      @Override
      public int port() {
        return connector.getLocalPort();
      }

      @Override
      public DrainStatus stopAfterDrain() {
        return JettyDrain.stopAfterDrain(coordinator, server);
      }

      @Override
      public void stop() throws Exception {
        server.stop();
      }
    };
  }

  /**
   * With no acceptor thread the selector accepts, and {@code ServerConnector.close()} leaves the
   * listening channel open: the connector control must close it itself. (The kernel releases the
   * port once the selector has deregistered the channel, a moment later, so the test checks the
   * channel rather than racing a connect against the selector.)
   */
  @Test
  void whenConnectorHasNoAcceptorThreadThenQuiescingClosesItsListeningChannel() throws Exception {
    acceptors = 0;
    int port = serve(true);
    try (RawHttpConnection connection = new RawHttpConnection(port)) {
      assertThat(connection.get("/fast").status()).isEqualTo(200);
    }
    ServerSocketChannel channel = (ServerSocketChannel) connector.getTransport();
    assertThat(channel.isOpen()).isTrue();
    drain.startDrain();
    awaitQuiescing();

    assertThat(channel.isOpen()).isFalse();
    assertThat(drain.whenDrained().get(10, SECONDS).forced()).isFalse();
  }

  /**
   * At DRAINING, Jetty's HTTP/2 connections get a graceful GOAWAY: the client opens new streams
   * elsewhere, and the stream already in flight runs on through QUIESCING (Jetty judges only
   * HTTP/1.x connections idle) and completes. Jetty's own HTTP/2 client, because the JDK 17 one
   * fails its open streams on any GOAWAY.
   */
  @Test
  void whenDrainStartsThenHttp2ConnectionsGetAGracefulGoAwayAndTheirStreamInFlightCompletes()
      throws Exception {
    // A propagation delay long enough to see the GOAWAY arrive before QUIESCING on a slow machine.
    int port = serve(Duration.ofSeconds(2), Duration.ofSeconds(20), true);
    HTTP2Client client = new HTTP2Client();
    client.start();
    try {
      CompletableFuture<Boolean> goAwayWhileDraining = new CompletableFuture<>();
      Session session =
          client
              .connect(
                  new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                  new Session.Listener() {
                    @Override
                    public void onGoAway(Session s, GoAwayFrame frame) {
                      goAwayWhileDraining.complete(
                          frame.getError() == 0 && drain.state() == DrainState.DRAINING);
                    }
                  })
              .get(10, SECONDS);
      Gate gate = Gate.open();
      Http2Exchange held = Http2Exchange.get(session, port, "/block?id=" + gate.id);
      gate.awaitEntered();

      drain.startDrain();
      assertThat(goAwayWhileDraining.get(10, SECONDS)).as("NO_ERROR GOAWAY at DRAINING").isTrue();
      awaitQuiescing();
      assertThat(drain.inflight(UnitKind.INBOUND)).isEqualTo(1);
      assertThat(drain.whenDrained()).isNotDone();

      gate.release();
      assertThat(held.status.get(10, SECONDS)).isEqualTo(200);
      assertThat(held.body.get(10, SECONDS)).isEqualTo("done");
      assertDrainedCleanly();
    } finally {
      client.stop();
    }
  }

  /**
   * Jetty's error handler, whose default error page waits at the gate the request names in {@code
   * holdErrorPage} before it is written.
   */
  static final class HeldErrorHandler extends ErrorPageErrorHandler {
    @Override
    protected boolean generateAcceptableResponse(
        Request request,
        Response response,
        Callback callback,
        String contentType,
        List<Charset> charsets,
        int code,
        String message,
        Throwable cause)
        throws IOException {
      TestServlets.holdErrorPage(Request.extractQueryParameters(request).getValue("holdErrorPage"));
      return super.generateAcceptableResponse(
          request, response, callback, contentType, charsets, code, message, cause);
    }
  }

  /** One GET on an HTTP/2 session of Jetty's client: its status and its whole body. */
  static final class Http2Exchange implements Stream.Listener {
    final CompletableFuture<Integer> status = new CompletableFuture<>();
    final CompletableFuture<String> body = new CompletableFuture<>();
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();

    static Http2Exchange get(Session session, int port, String path) throws Exception {
      Http2Exchange exchange = new Http2Exchange();
      MetaData.Request request =
          new MetaData.Request(
              "GET",
              HttpURI.from("http://127.0.0.1:" + port + path),
              HttpVersion.HTTP_2,
              HttpFields.EMPTY);
      session.newStream(new HeadersFrame(request, null, true), exchange).get(10, SECONDS);
      return exchange;
    }

    @Override
    public void onHeaders(Stream stream, HeadersFrame frame) {
      if (frame.getMetaData() instanceof MetaData.Response response) {
        status.complete(response.getStatus());
      }
      if (frame.isEndStream()) {
        body.complete(received.toString(StandardCharsets.UTF_8));
      } else {
        stream.demand();
      }
    }

    @Override
    public void onDataAvailable(Stream stream) {
      Stream.Data data = stream.readData();
      if (data == null) {
        stream.demand();
        return;
      }
      ByteBuffer bytes = data.frame().getByteBuffer();
      byte[] copy = new byte[bytes.remaining()];
      bytes.get(copy);
      received.writeBytes(copy);
      data.release();
      if (data.frame().isEndStream()) {
        body.complete(received.toString(StandardCharsets.UTF_8));
      } else {
        stream.demand();
      }
    }

    @Override
    public void onReset(Stream stream, ResetFrame frame, Callback callback) {
      body.completeExceptionally(new IOException("stream reset: error " + frame.getError()));
      callback.succeeded();
    }
  }
}

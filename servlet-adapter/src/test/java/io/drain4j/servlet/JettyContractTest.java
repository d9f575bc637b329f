package io.drain4j.servlet;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainStatus;
import io.drain4j.servlet.jetty.JettyDrain;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.channels.ServerSocketChannel;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
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
   * Jetty judges only HTTP/1.x connections idle: an HTTP/2 connection with a stream in flight stays
   * open through QUIESCING, and the stream completes. (Tomcat's paused connector sends GOAWAY
   * instead, on which the JDK 17 client fails its open streams, so this runs on Jetty.)
   */
  @Test
  void whenHttp2StreamIsInFlightThenConnectorControlLetsItCompleteAndItHoldsTheDrain()
      throws Exception {
    int port = serve(true);
    assertThat(http2.send(get(port, "/fast"), HttpResponse.BodyHandlers.ofString()).version())
        .isEqualTo(HttpClient.Version.HTTP_2);
    Gate gate = Gate.open();
    CompletableFuture<HttpResponse<String>> held =
        http2.sendAsync(get(port, "/block?id=" + gate.id), HttpResponse.BodyHandlers.ofString());
    gate.awaitEntered();
    drainUntilQuiescingWithOneRequestHeld();

    gate.release();
    HttpResponse<String> done = held.get(10, SECONDS);
    assertThat(done.statusCode()).isEqualTo(200);
    assertThat(done.body()).isEqualTo("done");
    assertDrainedCleanly();
  }
}

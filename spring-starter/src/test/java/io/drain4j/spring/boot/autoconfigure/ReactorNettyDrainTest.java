package io.drain4j.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import io.drain4j.spring.testsupport.H2cExchange;
import io.drain4j.spring.webflux.DrainWebFilter;
import io.netty.channel.Channel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;

/**
 * {@link DrainWebFilter} and {@link ReactorNettyListenerControl} on a real Reactor Netty server,
 * driven by a coordinator whose drain the test starts, with raw sockets as clients so that every
 * header and every closed connection is seen as sent.
 */
class ReactorNettyDrainTest {
  private final List<AutoCloseable> resources = new ArrayList<>();
  private final CountDownLatch streamStarted = new CountDownLatch(1);
  private final CompletableFuture<String> streamEnd = new CompletableFuture<>();
  private final CountDownLatch handlerWorking = new CountDownLatch(1);
  private final CountDownLatch handlerRelease = new CountDownLatch(1);
  private final CountDownLatch exchangeCancelled = new CountDownLatch(1);
  private volatile boolean handlerDone;

  @AfterEach
  void closeAll() throws Exception {
    streamEnd.complete("end\n");
    handlerRelease.countDown();
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
  }

  @Test
  void whenDrainingThenRequestsAreServedAndTheirConnectionsClosed() throws Exception {
    DrainCoordinator coordinator = coordinator(Duration.ofSeconds(60));
    DisposableServer server = start(coordinator, false);
    try (Socket socket = connect(server)) {
      Response before = exchange(socket, "/hello");
      assertThat(before.status).isEqualTo(200);
      assertThat(before.header("connection")).isNull();

      coordinator.startDrain();
      assertThat(coordinator.state()).isEqualTo(DrainState.DRAINING);
      // The same keep-alive connection is still served, and then closed by the server.
      Response during = exchange(socket, "/hello");
      assertThat(during.status).isEqualTo(200);
      assertThat(during.body).isEqualTo("hello");
      assertThat(during.header("connection")).isEqualToIgnoringCase("close");
      assertThat(socket.getInputStream().read()).isEqualTo(-1);
    }
  }

  @Test
  void whenQuiescingThenNewRequestsAreRefusedWith503() throws Exception {
    DrainCoordinator coordinator = coordinator(Duration.ZERO);
    DisposableServer server = start(coordinator, false);
    InFlight held = coordinator.enter(UnitKind.BACKGROUND, "keeps the drain quiescing");
    coordinator.startDrain();
    coordinator.whenQuiescing().get(10, TimeUnit.SECONDS);
    try (Socket socket = connect(server)) {
      Response refused = exchange(socket, "/hello");
      assertThat(refused.status).isEqualTo(503);
      assertThat(refused.header("retry-after")).isEqualTo("1");
      assertThat(refused.header("connection")).isEqualToIgnoringCase("close");
      assertThat(socket.getInputStream().read()).isEqualTo(-1);
    }
    assertThat(coordinator.rejectedCount()).isEqualTo(1);
    held.exit();
    assertThat(coordinator.whenDrained().get(10, TimeUnit.SECONDS).forced()).isFalse();
  }

  @Test
  void whenQuiescingThenListenerStopsAcceptingAndIdleConnectionsAreClosed() throws Exception {
    DrainCoordinator coordinator = coordinator(Duration.ZERO);
    DisposableServer server = start(coordinator, true);
    InFlight held = coordinator.enter(UnitKind.BACKGROUND, "keeps the drain quiescing");
    try (Socket idle = connect(server);
        Socket busy = connect(server)) {
      assertThat(exchange(idle, "/hello").status).isEqualTo(200);
      sendRequest(busy, "/stream");
      assertThat(streamStarted.await(10, TimeUnit.SECONDS)).isTrue();

      coordinator.startDrain();
      coordinator.whenQuiescing().get(10, TimeUnit.SECONDS);
      // The listening socket is closed. (Not checked with a refused connect: on a shared machine
      // the freed port may be bound again at once by another process.)
      assertThat(server.channel().closeFuture().await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(server.channel().isOpen()).isFalse();
      assertThat(idle.getInputStream().read()).isEqualTo(-1);

      // The connection with a response in progress is left to finish.
      streamEnd.complete("end\n");
      Response streamed = readResponse(busy);
      assertThat(streamed.status).isEqualTo(200);
      assertThat(streamed.body).isEqualTo("one\ntwo\nend\n");
    }
    held.exit();
    assertThat(coordinator.whenDrained().get(10, TimeUnit.SECONDS).forced()).isFalse();
  }

  @Test
  void whenStreamingResponseIsInFlightThenDrainWaitsForItsLastElement() throws Exception {
    DrainCoordinator coordinator = coordinator(Duration.ZERO);
    DisposableServer server = start(coordinator, true);
    try (Socket socket = connect(server)) {
      sendRequest(socket, "/stream");
      assertThat(streamStarted.await(10, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<?> drained = coordinator.whenDrained();
      coordinator.startDrain();
      coordinator.whenQuiescing().get(10, TimeUnit.SECONDS);
      assertThat(coordinator.inflight(UnitKind.INBOUND)).isEqualTo(1);
      assertThat(drained).isNotDone();

      streamEnd.complete("end\n");
      Response streamed = readResponse(socket);
      assertThat(streamed.body).isEqualTo("one\ntwo\nend\n");
      assertThat(coordinator.whenDrained().get(10, TimeUnit.SECONDS).forced()).isFalse();
    }
  }

  @Test
  void whenClientGoesAwayDuringAnEndlessStreamThenItsUnitEndsAtTheNextWrite() throws Exception {
    DrainCoordinator coordinator = coordinator(Duration.ZERO);
    requestThenGoAway(coordinator, "/ticks", streamStarted);
    coordinator.startDrain();
    // The stream never ends by itself: its next write to the closed connection fails, which ends
    // the handler's work and so the exchange.
    assertThat(coordinator.whenDrained().get(10, TimeUnit.SECONDS).forced()).isFalse();
  }

  @Test
  void whenClientGoesAwayWhileTheHandlerWorksThenDrainedWaitsForTheHandler() throws Exception {
    DrainCoordinator coordinator = coordinator(Duration.ZERO);
    requestThenGoAway(coordinator, "/blocking", handlerWorking);
    // Reactor Netty has seen the client go and cancelled the exchange.
    assertThat(exchangeCancelled.await(10, TimeUnit.SECONDS)).isTrue();
    coordinator.startDrain();
    coordinator.whenQuiescing().get(10, TimeUnit.SECONDS);
    assertThat(coordinator.inflight(UnitKind.INBOUND)).isEqualTo(1);
    assertThat(coordinator.whenDrained()).isNotDone();

    handlerRelease.countDown();
    assertThat(coordinator.whenDrained().get(10, TimeUnit.SECONDS).forced()).isFalse();
    assertThat(handlerDone).as("the handler finished before DRAINED").isTrue();
  }

  @Test
  void whenQuiescingThenHttp2StreamsInFlightCompleteAndTheirConnectionCloses() throws Exception {
    DrainCoordinator coordinator = coordinator(Duration.ZERO);
    DisposableServer server = start(coordinator, true, HttpProtocol.H2C, HttpProtocol.HTTP11);
    InFlight held = coordinator.enter(UnitKind.BACKGROUND, "keeps the drain quiescing");
    H2cExchange exchange = H2cExchange.get(server.port(), "/late");
    assertThat(streamStarted.await(10, TimeUnit.SECONDS)).isTrue();
    Channel connection = exchange.connection().get(10, TimeUnit.SECONDS);
    assertThat(connection).as("an HTTP/2 connection").isNotNull();

    coordinator.startDrain();
    coordinator.whenQuiescing().get(10, TimeUnit.SECONDS);
    assertThat(server.channel().closeFuture().await(10, TimeUnit.SECONDS)).isTrue();
    // The stream in flight runs on over its connection, which is not cut.
    assertThat(connection.isActive()).isTrue();
    streamEnd.complete("end\n");
    assertThat(exchange.body().get(10, TimeUnit.SECONDS)).isEqualTo("end\n");
    // Then the connection, told to go away, is closed once its last stream has ended.
    assertThat(connection.closeFuture().await(10, TimeUnit.SECONDS)).isTrue();
    held.exit();
    assertThat(coordinator.whenDrained().get(10, TimeUnit.SECONDS).forced()).isFalse();
  }

  /** Sends a request, waits until its handler works, and closes the connection. */
  private void requestThenGoAway(DrainCoordinator coordinator, String path, CountDownLatch working)
      throws Exception {
    DisposableServer server = start(coordinator, true);
    try (Socket socket = connect(server)) {
      sendRequest(socket, path);
      assertThat(working.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(coordinator.inflight(UnitKind.INBOUND)).isEqualTo(1);
    }
  }

  private DrainCoordinator coordinator(Duration propagationDelay) {
    DrainCoordinator coordinator =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(false)
            .propagationDelay(propagationDelay)
            .deadline(propagationDelay.plusSeconds(60))
            .build();
    resources.add(coordinator);
    return coordinator;
  }

  private DisposableServer start(
      DrainCoordinator coordinator, boolean listenerControl, HttpProtocol... protocols) {
    HttpHandler handler =
        WebHttpHandlerBuilder.webHandler(
                exchange -> {
                  String path = exchange.getRequest().getPath().value();
                  if (path.equals("/ticks")) {
                    return exchange
                        .getResponse()
                        .writeWith(
                            Flux.interval(Duration.ofMillis(50))
                                .doOnSubscribe(s -> streamStarted.countDown())
                                .map(
                                    tick ->
                                        exchange
                                            .getResponse()
                                            .bufferFactory()
                                            .wrap(
                                                ("tick " + tick + "\n")
                                                    .getBytes(StandardCharsets.UTF_8))));
                  }
                  if (path.equals("/blocking")) {
                    // Work that a cancel cannot stop, like a blocking database write.
                    Mono<String> work =
                        Mono.fromCallable(
                                () -> {
                                  handlerWorking.countDown();
                                  boolean released = handlerRelease.await(60, TimeUnit.SECONDS);
                                  handlerDone = released;
                                  return "written";
                                })
                            .subscribeOn(Schedulers.boundedElastic());
                    return exchange
                        .getResponse()
                        .writeWith(
                            work.map(
                                s ->
                                    exchange
                                        .getResponse()
                                        .bufferFactory()
                                        .wrap(s.getBytes(StandardCharsets.UTF_8))));
                  }
                  if (path.equals("/late")) {
                    return exchange
                        .getResponse()
                        .writeWith(
                            Mono.fromFuture(streamEnd)
                                .doOnSubscribe(s -> streamStarted.countDown())
                                .map(
                                    s ->
                                        exchange
                                            .getResponse()
                                            .bufferFactory()
                                            .wrap(s.getBytes(StandardCharsets.UTF_8))));
                  }
                  if (path.equals("/stream")) {
                    exchange.getResponse().getHeaders().set("Content-Type", "text/plain");
                    Flux<String> chunks =
                        Flux.concat(
                                Mono.just("one\n"), Mono.just("two\n"), Mono.fromFuture(streamEnd))
                            .doOnSubscribe(s -> streamStarted.countDown());
                    return exchange
                        .getResponse()
                        .writeWith(
                            chunks.map(
                                s ->
                                    exchange
                                        .getResponse()
                                        .bufferFactory()
                                        .wrap(s.getBytes(StandardCharsets.UTF_8))));
                  }
                  return exchange
                      .getResponse()
                      .writeWith(
                          Mono.just(
                              exchange
                                  .getResponse()
                                  .bufferFactory()
                                  .wrap("hello".getBytes(StandardCharsets.UTF_8))));
                })
            .filter(new DrainWebFilter(coordinator))
            .httpHandlerDecorator(
                decorated ->
                    (request, response) ->
                        decorated
                            .handle(request, response)
                            .doOnCancel(exchangeCancelled::countDown))
            .build();
    HttpServer server =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .protocol(protocols.length == 0 ? new HttpProtocol[] {HttpProtocol.HTTP11} : protocols)
            .handle(new ReactorHttpHandlerAdapter(handler));
    if (listenerControl) {
      server = new ReactorNettyListenerControl(coordinator).apply(server);
    }
    DisposableServer bound = server.bindNow(Duration.ofSeconds(30));
    resources.add(bound::disposeNow);
    return bound;
  }

  private static Socket connect(DisposableServer server) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), 10_000);
    socket.setSoTimeout(10_000);
    return socket;
  }

  private static void sendRequest(Socket socket, String path) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(
        ("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  private static Response exchange(Socket socket, String path) throws IOException {
    sendRequest(socket, path);
    return readResponse(socket);
  }

  /** Reads one HTTP/1.1 response, with a Content-Length or chunked body, off the socket. */
  private static Response readResponse(Socket socket) throws IOException {
    BufferedReader in =
        readers.computeIfAbsent(
            socket,
            s -> {
              try {
                return new BufferedReader(
                    new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    Response response = new Response();
    String statusLine = in.readLine();
    if (statusLine == null) {
      throw new IOException("connection closed before a response");
    }
    response.status = Integer.parseInt(statusLine.split(" ", 3)[1]);
    for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) {
      int colon = line.indexOf(':');
      response.headers.add(
          new String[] {
            line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
            line.substring(colon + 1).trim()
          });
    }
    StringBuilder body = new StringBuilder();
    String length = response.header("content-length");
    if (length != null) {
      char[] buffer = new char[Integer.parseInt(length)];
      int read = 0;
      while (read < buffer.length) {
        int n = in.read(buffer, read, buffer.length - read);
        if (n < 0) {
          throw new IOException("body cut short");
        }
        read += n;
      }
      body.append(buffer);
    } else if ("chunked".equalsIgnoreCase(response.header("transfer-encoding"))) {
      for (int size; (size = Integer.parseInt(in.readLine().trim(), 16)) > 0; ) {
        char[] chunk = new char[size];
        int read = 0;
        while (read < size) {
          read += in.read(chunk, read, size - read);
        }
        body.append(chunk);
        in.readLine();
      }
      in.readLine();
    }
    response.body = body.toString();
    return response;
  }

  /** Each socket's reader, so that bytes buffered past one response serve the next. */
  private static final java.util.Map<Socket, BufferedReader> readers =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static final class Response {
    int status;
    final List<String[]> headers = new ArrayList<>();
    String body;

    String header(String name) {
      return headers.stream()
          .filter(h -> h[0].equals(name))
          .map(h -> h[1])
          .findFirst()
          .orElse(null);
    }
  }
}

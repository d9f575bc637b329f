package io.drain4j.jdkhttp;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import io.drain4j.DrainStatus;
import io.drain4j.DrainedException;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The tracked JDK client against a real local HTTP server and a real coordinator. */
class TrackedHttpClientTest {

  private final CountDownLatch arrived = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicInteger okRequests = new AtomicInteger();
  private final ExecutorService serverThreads = Executors.newCachedThreadPool();
  private final ExecutorService callers = Executors.newCachedThreadPool();

  private HttpServer server;
  private String base;
  private DrainCoordinator coordinator;
  private TrackedHttpClient client;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(serverThreads);
    server.createContext(
        "/ok",
        exchange -> {
          okRequests.incrementAndGet();
          respond(exchange, "ok");
        });
    server.createContext(
        "/hold",
        exchange -> {
          arrived.countDown();
          await(release);
          respond(exchange, "held");
        });
    server.createContext(
        "/stream",
        exchange -> {
          exchange.sendResponseHeaders(200, 0);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write("first\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            await(release);
            out.write("second\n".getBytes(StandardCharsets.UTF_8));
          } catch (IOException clientWentAway) {
            // The client closed the stream early; that is what some tests do.
          }
        });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
    coordinator =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(false)
            .propagationDelay(Duration.ofMillis(100))
            .deadline(Duration.ofSeconds(10))
            .build();
    client =
        TrackedHttpClient.newClient(
            coordinator,
            "test-client",
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1));
  }

  @AfterEach
  void stop() {
    release.countDown();
    coordinator.close();
    client.close();
    server.stop(0);
    serverThreads.shutdownNow();
    callers.shutdownNow();
  }

  @Test
  void whenSyncCallIsInFlightThenItCountsAsOutboundUntilItCompletes() throws Exception {
    CompletableFuture<HttpResponse<String>> call =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return client.send(get("/hold"), BodyHandlers.ofString());
              } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
              }
            },
            callers);
    assertThat(arrived.await(10, SECONDS)).isTrue();

    assertThat(coordinator.inflight(UnitKind.OUTBOUND)).isEqualTo(1);

    release.countDown();
    assertThat(call.get(10, SECONDS).body()).isEqualTo("held");
    assertThat(coordinator.inflight(UnitKind.OUTBOUND)).isZero();
  }

  @Test
  void whenAsyncCallIsInFlightThenItCountsAsOutboundUntilItCompletes() throws Exception {
    CompletableFuture<HttpResponse<String>> call =
        client.sendAsync(get("/hold"), BodyHandlers.ofString());
    assertThat(arrived.await(10, SECONDS)).isTrue();
    CompletableFuture<Integer> seenByCallback =
        call.thenApply(response -> coordinator.inflight(UnitKind.OUTBOUND));

    assertThat(coordinator.inflight(UnitKind.OUTBOUND)).isEqualTo(1);

    release.countDown();
    assertThat(call.get(10, SECONDS).body()).isEqualTo("held");
    assertThat(seenByCallback.get(10, SECONDS))
        .as("callbacks attached before completion run while the call still counts")
        .isEqualTo(1);
    assertDrainEndsWithNothingInFlight();
  }

  @Test
  void whenAsyncCallWithPushPromiseHandlerIsInFlightThenItCountsAsOutbound() throws Exception {
    CompletableFuture<HttpResponse<String>> call =
        client.sendAsync(get("/hold"), BodyHandlers.ofString(), null);
    assertThat(arrived.await(10, SECONDS)).isTrue();

    assertThat(coordinator.inflight(UnitKind.OUTBOUND)).isEqualTo(1);

    release.countDown();
    assertThat(call.get(10, SECONDS).body()).isEqualTo("held");
    assertDrainEndsWithNothingInFlight();
  }

  @Test
  void whenInboundWorkInFlightDuringDrainThenClientStaysUsableAndClosesAfter() throws Exception {
    InFlight inbound = coordinator.enter(UnitKind.INBOUND, "GET /call");
    coordinator.startDrain();
    coordinator.whenQuiescing().get(10, SECONDS);

    HttpResponse<String> during = client.send(get("/ok"), BodyHandlers.ofString());
    assertThat(during.body()).isEqualTo("ok");
    assertThat(client.isClosed()).isFalse();

    inbound.exit();
    DrainStatus drained = coordinator.whenDrained().get(10, SECONDS);
    assertThat(drained.forced()).isFalse();
    assertThat(client.isClosed()).isTrue();
    assertThat(((ExecutorService) client.executor().orElseThrow()).isShutdown()).isTrue();

    int served = okRequests.get();
    assertThatThrownBy(() -> client.send(get("/ok"), BodyHandlers.ofString()))
        .isInstanceOf(DrainedException.class)
        .hasMessageContaining("test-client")
        .hasMessageContaining("GET 127.0.0.1/ok");
    CompletableFuture<HttpResponse<String>> async =
        client.sendAsync(get("/ok"), BodyHandlers.ofString());
    assertThat(async).isCompletedExceptionally();
    assertThatThrownBy(() -> async.get(10, SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(DrainedException.class);
    assertThat(okRequests.get()).as("refused calls never reach the server").isEqualTo(served);
    assertThat(coordinator.inflight(UnitKind.OUTBOUND)).isZero();
  }

  @Test
  void whenOutboundCallIsInFlightThenDrainWaitsForIt() throws Exception {
    CompletableFuture<HttpResponse<String>> call =
        client.sendAsync(get("/hold"), BodyHandlers.ofString());
    assertThat(arrived.await(10, SECONDS)).isTrue();
    CompletableFuture<Boolean> callDoneWhenDrained =
        coordinator.whenDrained().thenApply(status -> call.isDone());

    coordinator.startDrain();
    coordinator.whenQuiescing().get(10, SECONDS);
    assertThat(coordinator.state()).isEqualTo(DrainState.QUIESCING);
    assertThat(coordinator.inflight(UnitKind.OUTBOUND)).isEqualTo(1);
    assertThat(client.isClosed()).isFalse();

    release.countDown();
    assertThat(call.get(10, SECONDS).body()).isEqualTo("held");
    DrainStatus drained = coordinator.whenDrained().get(10, SECONDS);
    assertThat(drained.forced()).isFalse();
    assertThat(drained.outbound()).isZero();
    assertThat(callDoneWhenDrained.get(10, SECONDS))
        .as("the call's future completed before DRAINED was reported")
        .isTrue();
  }

  @Test
  void whenAsyncCallFailsThenItsUnitExits() throws Exception {
    URI refused = URI.create("http://127.0.0.1:" + closedPort() + "/nothing");

    CompletableFuture<HttpResponse<String>> plain =
        client.sendAsync(HttpRequest.newBuilder(refused).build(), BodyHandlers.ofString());
    CompletableFuture<HttpResponse<String>> withPush =
        client.sendAsync(HttpRequest.newBuilder(refused).build(), BodyHandlers.ofString(), null);

    for (CompletableFuture<HttpResponse<String>> call : List.of(plain, withPush)) {
      assertThatThrownBy(() -> call.get(10, SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(ConnectException.class);
    }
    assertDrainEndsWithNothingInFlight();
  }

  @Test
  void whenSyncCallFailsThenItsUnitExits() throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + closedPort() + "/")).build();

    assertThatThrownBy(() -> client.send(request, BodyHandlers.ofString()))
        .isInstanceOf(ConnectException.class);
    assertThat(coordinator.inflight(UnitKind.OUTBOUND)).isZero();
  }

  @Test
  void whenCallerCancelsAsyncCallThenItsUnitDoesNotStayInFlight() throws Exception {
    CompletableFuture<HttpResponse<String>> call =
        client.sendAsync(get("/hold"), BodyHandlers.ofString());
    assertThat(arrived.await(10, SECONDS)).isTrue();

    assertThat(call.cancel(true)).isTrue();
    release.countDown();

    assertDrainEndsWithNothingInFlight();
  }

  @Test
  void whenCallerCancelsFutureDerivedFromAsyncCallThenItsUnitDoesNotStayInFlight()
      throws Exception {
    CompletableFuture<String> body =
        client.sendAsync(get("/hold"), BodyHandlers.ofString()).thenApply(HttpResponse::body);
    assertThat(arrived.await(10, SECONDS)).isTrue();

    assertThat(body.cancel(true)).isTrue();
    release.countDown();

    assertDrainEndsWithNothingInFlight();
  }

  @Test
  void whenStreamedBodyIsClosedEarlyThenTheCallEndsWithIt() throws Exception {
    HttpResponse<InputStream> response = client.send(get("/stream"), BodyHandlers.ofInputStream());
    InputStream in = response.body();
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    assertThat(reader.readLine()).isEqualTo("first");

    assertThat(coordinator.inflight(UnitKind.OUTBOUND))
        .as("the body is still streaming after send returned")
        .isEqualTo(1);

    reader.close();
    assertThat(coordinator.inflight(UnitKind.OUTBOUND)).isZero();
  }

  @Test
  void whenStreamedBodyIsReadToItsEndThenTheCallEnds() throws Exception {
    HttpResponse<InputStream> response = client.send(get("/stream"), BodyHandlers.ofInputStream());
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      assertThat(reader.readLine()).isEqualTo("first");
      assertThat(coordinator.inflight(UnitKind.OUTBOUND)).isEqualTo(1);

      release.countDown();
      assertThat(reader.readLine()).isEqualTo("second");
      assertThat(reader.readLine()).isNull();
      assertThat(coordinator.inflight(UnitKind.OUTBOUND)).isZero();
    }
  }

  @Test
  void whenManyCallsRunDuringTheDrainThenEveryOneEndsAndTheDrainIsNotForced() throws Exception {
    InFlight inbound = coordinator.enter(UnitKind.INBOUND, "GET /fan-out");
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      calls.add(client.sendAsync(get("/ok"), BodyHandlers.ofString()));
    }
    coordinator.startDrain();
    for (int i = 0; i < 20; i++) {
      calls.add(client.sendAsync(get("/ok"), BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> call : calls) {
      assertThat(call.get(10, SECONDS).body()).isEqualTo("ok");
    }
    inbound.exit();

    DrainStatus drained = coordinator.whenDrained().get(10, SECONDS);
    assertThat(drained.forced()).isFalse();
    assertThat(drained.outbound()).isZero();
    assertThat(okRequests.get()).isEqualTo(40);
  }

  @Test
  void whenDrainedThenTheWrappedClientIsClosedWhereTheJdkCanCloseIt() throws Exception {
    HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    TrackedHttpClient wrapped = TrackedHttpClient.wrap(coordinator, "wrapped", jdk);

    coordinator.startDrain();
    coordinator.whenDrained().get(10, SECONDS);

    assertThat(wrapped.isClosed()).isTrue();
    if (jdk instanceof AutoCloseable) {
      // JDK 21 and later: the JDK client was shut down with the wrapper.
      assertThatThrownBy(() -> jdk.send(get("/ok"), BodyHandlers.ofString()))
          .isInstanceOf(IOException.class);
    } else {
      // JDK 17 has no close: the JDK client is left to the garbage collector, as documented.
      assertThat(jdk.send(get("/ok"), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void whenClosedExplicitlyThenCallsAreRefusedWithTheClientsName() throws Exception {
    TrackedHttpClient wrapped = TrackedHttpClient.wrap(coordinator, HttpClient.newHttpClient());

    wrapped.close();
    wrapped.close();

    assertThat(wrapped.isClosed()).isTrue();
    assertThatThrownBy(() -> wrapped.send(get("/ok"), BodyHandlers.ofString()))
        .isInstanceOf(DrainedException.class)
        .hasMessageContaining(TrackedHttpClient.DEFAULT_NAME);
    assertThat(okRequests.get()).isZero();
    assertThat(coordinator.inflight(UnitKind.OUTBOUND)).isZero();
  }

  @Test
  void whenCoordinatorIsDrainedThenNewClientsAreRefused() throws Exception {
    coordinator.startDrain();
    coordinator.whenDrained().get(10, SECONDS);

    assertThatThrownBy(() -> TrackedHttpClient.wrap(coordinator, HttpClient.newHttpClient()))
        .isInstanceOf(DrainedException.class);
    assertThatThrownBy(() -> TrackedHttpClient.newClient(coordinator, HttpClient.newBuilder()))
        .isInstanceOf(DrainedException.class);
  }

  @Test
  void whenArgumentsAreMissingThenClearErrors() {
    HttpClient jdk = HttpClient.newHttpClient();

    assertThatThrownBy(() -> TrackedHttpClient.wrap(null, jdk))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("coordinator");
    assertThatThrownBy(() -> TrackedHttpClient.wrap(coordinator, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("delegate");
    assertThatThrownBy(() -> TrackedHttpClient.wrap(coordinator, " ", jdk))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blank");
    assertThatThrownBy(() -> TrackedHttpClient.newClient(coordinator, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("builder");
    assertThatThrownBy(() -> client.send(null, BodyHandlers.ofString()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("request");
    assertThatThrownBy(() -> client.sendAsync(get("/ok"), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("responseBodyHandler");
    assertThat(coordinator.inflight(UnitKind.OUTBOUND)).isZero();
  }

  @Test
  void whenConfigurationIsAskedThenTheWrappedClientAnswers() {
    HttpClient jdk =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(3))
            .build();

    TrackedHttpClient wrapped = TrackedHttpClient.wrap(coordinator, "orders-api", jdk);

    assertThat(wrapped.name()).isEqualTo("orders-api");
    assertThat(wrapped.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(wrapped.followRedirects()).isEqualTo(HttpClient.Redirect.NORMAL);
    assertThat(wrapped.connectTimeout()).contains(Duration.ofSeconds(3));
    assertThat(wrapped.proxy()).isEqualTo(jdk.proxy());
    assertThat(wrapped.cookieHandler()).isEqualTo(jdk.cookieHandler());
    assertThat(wrapped.authenticator()).isEqualTo(jdk.authenticator());
    assertThat(wrapped.sslContext()).isSameAs(jdk.sslContext());
    assertThat(wrapped.executor()).isEmpty();
    assertThat(wrapped.newWebSocketBuilder()).isNotNull();
    assertThat(wrapped.toString()).contains("orders-api");
    assertThat(client.executor()).isPresent();
  }

  @Test
  void whenUnitIsNamedThenItIsMethodHostAndPathWithoutTheQuery() {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("https://orders.internal:8443/v1/orders?token=secret"))
            .DELETE()
            .build();

    assertThat(TrackedHttpClient.unitName(request)).isEqualTo("DELETE orders.internal/v1/orders");
  }

  /**
   * Units of an asynchronous call end on the client's threads, after the caller's future completed;
   * a drain with nothing else in flight completing unforced proves that they ended.
   */
  private void assertDrainEndsWithNothingInFlight() throws Exception {
    coordinator.startDrain();
    DrainStatus drained = coordinator.whenDrained().get(10, SECONDS);
    assertThat(drained.forced()).isFalse();
    assertThat(drained.inflight()).isZero();
  }

  private HttpRequest get(String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build();
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void respond(HttpExchange exchange, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

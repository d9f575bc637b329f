package io.drain4j.servlet;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import io.drain4j.DrainStatus;
import io.drain4j.UnitKind;
import jakarta.servlet.http.HttpServlet;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The drain contract of the servlet adapter, run against each real servlet container by a small
 * subclass: {@link DrainFilter} in front of {@link TestServlets}, with or without the container's
 * connector control, and real HTTP clients over loopback.
 */
abstract class ServletContainerContractTest {

  /** Long enough for a loaded machine, short enough for the test time budget. */
  static final Duration PROPAGATION_DELAY = Duration.ofMillis(300);

  static final Duration DEADLINE = Duration.ofSeconds(5);

  /** Generous: the drain must follow the last request in milliseconds, not within 500 ms. */
  static final long DRAINED_LAG_BOUND_MS = 500;

  /**
   * A body larger than what the kernel buffers between the server and a client that does not read
   * (4 MiB of send buffer at most on Linux, and the client's fixed small receive buffer).
   */
  static final int LARGE_BODY_BYTES = 8 * 1024 * 1024;

  /** A running container serving {@link TestServlets} on loopback. */
  interface RunningContainer {
    int port();

    void stop() throws Exception;

    /** Stops the container as its documented shutdown hook does (JettyDrain/TomcatDrain). */
    DrainStatus stopAfterDrain();
  }

  /**
   * Starts the container with {@code filter} in front of {@code servlets}, mapped for every path
   * and the REQUEST dispatcher type, with async support, on a connector that speaks HTTP/1.1 and
   * upgrades to HTTP/2 cleartext ({@code h2c}) on request.
   *
   * @param connectorControl whether to install the container's connector control (JettyDrain or
   *     TomcatDrain) before the container starts
   */
  abstract RunningContainer start(
      DrainCoordinator coordinator,
      DrainFilter filter,
      Map<String, HttpServlet> servlets,
      boolean connectorControl)
      throws Exception;

  DrainCoordinator drain;
  private RunningContainer container;
  private boolean stoppedAfterDrain;

  /** Tells when the connector control, a listener on a callback thread, has done its QUIESCING. */
  private ListenerWatch control;

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  /** Upgrades its first connection to h2c and sends every later request on it as a stream. */
  final HttpClient http2 =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_2)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  static HttpRequest get(int port, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(15))
        .build();
  }

  @AfterEach
  void stopEverything() throws Exception {
    Gate.releaseAll();
    if (container != null && !stoppedAfterDrain) {
      container.stop();
    }
    if (drain != null) {
      drain.close();
    }
  }

  int serve(Duration propagationDelay, Duration deadline, boolean connectorControl)
      throws Exception {
    drain =
        DrainCoordinator.builder()
            .statusPort(0)
            .shutdownHook(false)
            .propagationDelay(propagationDelay)
            .deadline(deadline)
            .build();
    control = new ListenerWatch(drain);
    container =
        start(control.coordinator(), new DrainFilter(drain), TestServlets.all(), connectorControl);
    return container.port();
  }

  int serve(boolean connectorControl) throws Exception {
    return serve(PROPAGATION_DELAY, DEADLINE, connectorControl);
  }

  /** Waits for QUIESCING and for the container's connector control to have acted on it. */
  void awaitQuiescing() throws Exception {
    drain.whenQuiescing().get(10, SECONDS);
    control.awaitQuiescingCallbacks();
  }

  /** Starts the drain, waits for QUIESCING, and checks that the one request in flight holds it. */
  void drainUntilQuiescingWithOneRequestHeld() throws Exception {
    drain.startDrain();
    awaitQuiescing();
    assertThat(drain.inflight(UnitKind.INBOUND)).isEqualTo(1);
    assertThat(drain.whenDrained()).isNotDone();
  }

  /** Waits for DRAINED and checks that the drain was not forced and left nothing in flight. */
  void assertDrainedCleanly() throws Exception {
    DrainStatus status = drain.whenDrained().get(10, SECONDS);
    assertThat(status.forced()).isFalse();
    assertThat(status.inflight()).isZero();
  }

  @Test
  void whenLongRequestIsInFlightThenItHoldsTheDrainAndCompletesWith200() throws Exception {
    int port = serve(true);
    Gate gate = Gate.open();
    try (RawHttpConnection connection = new RawHttpConnection(port)) {
      connection.send("/block?id=" + gate.id);
      gate.awaitEntered();

      drainUntilQuiescingWithOneRequestHeld();
      assertThat(drain.state()).isEqualTo(DrainState.QUIESCING);

      gate.release();
      RawHttpConnection.Response response = connection.read();
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("done");
      assertThat(response.closesConnection()).as("answered while draining").isTrue();
    }
    assertDrainedCleanly();
  }

  @Test
  void whenQuiescingBeginsThenTheConnectorRefusesNewConnections() throws Exception {
    int port = serve(true);
    try (RawHttpConnection connection = new RawHttpConnection(port)) {
      assertThat(connection.get("/fast").status()).isEqualTo(200);
    }
    drain.startDrain();
    awaitQuiescing();

    assertThatThrownBy(
            () -> {
              try (Socket socket = new Socket()) {
                socket.connect(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
              }
            })
        .isInstanceOf(ConnectException.class);
  }

  /**
   * Containers hammered at the QUIESCING moment by {@link
   * #whenClientsConnectAcrossTheQuiescingMomentThenEveryRequestTheApplicationSawIsAnswered}.
   */
  static final int QUIESCING_MOMENT_ROUNDS = 10;

  /**
   * Issue 13, item 7: clients opening a new connection for every request, in a tight loop, across
   * the moment the listening socket closes. Every request the application served is answered, every
   * refusal is a {@code 503} or a refused connection, and the only other outcome is a connection
   * cut before any byte of an answer, on a request the application never saw: closing a listening
   * socket resets the connections the kernel accepted but the container did not yet take, and
   * Jetty's idle close can cut a connection whose request was refused at that moment (README,
   * Deviations).
   */
  @Test
  void whenClientsConnectAcrossTheQuiescingMomentThenEveryRequestTheApplicationSawIsAnswered()
      throws Exception {
    List<QuiescingMoment.Round> rounds = new ArrayList<>();
    for (int i = 0; i < QUIESCING_MOMENT_ROUNDS; i++) {
      rounds.add(QuiescingMoment.round((c, f, s) -> start(c, f, s, true)));
    }
    for (QuiescingMoment.Round r : rounds) {
      assertThat(r.outcomes().keySet())
          .as("outcomes of every round: %s", rounds)
          .isSubsetOf(
              QuiescingMoment.OK,
              QuiescingMoment.REFUSED_503,
              QuiescingMoment.CONNECTION_REFUSED,
              QuiescingMoment.CUT_BEFORE_ANSWER);
      assertThat(r.count(QuiescingMoment.OK))
          .as("answers 200 = requests the application served: %s", rounds)
          .isEqualTo(r.served());
      // A refusal whose 503 did not arrive was cut before any answer (Jetty's idle close can
      // close a connection whose request was refused that very moment); it never reached the
      // application either.
      assertThat(r.count(QuiescingMoment.REFUSED_503))
          .as("answers 503 <= refusals the coordinator counted: %s", rounds)
          .isLessThanOrEqualTo(r.refused503());
      assertThat(r.refused503() - r.count(QuiescingMoment.REFUSED_503))
          .as("refusals lost <= connections cut before any answer: %s", rounds)
          .isLessThanOrEqualTo(r.count(QuiescingMoment.CUT_BEFORE_ANSWER));
    }
  }

  @Test
  void whenAsyncRequestIsDispatchedAgainAndCompletedFromAnotherThreadThenItHoldsTheDrainUntilThen()
      throws Exception {
    int port = serve(true);
    Gate gate = Gate.open();
    try (RawHttpConnection connection = new RawHttpConnection(port)) {
      // Three async cycles: the request is dispatched twice before it waits at the gate.
      connection.send("/async?dispatches=3&id=" + gate.id);
      gate.awaitEntered();
      assertThat(drain.inflight(UnitKind.INBOUND)).as("tracked once").isEqualTo(1);

      drainUntilQuiescingWithOneRequestHeld();

      gate.release();
      RawHttpConnection.Response response = connection.read();
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("async-done");
    }
    assertDrainedCleanly();
  }

  @Test
  void whenStreamedResponseCommittedBeforeTheDrainThenItHoldsTheDrainAndCompletes()
      throws Exception {
    int port = serve(true);
    Gate gate = Gate.open();
    try (RawHttpConnection connection = new RawHttpConnection(port)) {
      connection.send("/stream?commitFirst=true&id=" + gate.id);
      gate.awaitEntered();

      drain.startDrain();
      awaitQuiescing();
      assertThat(drain.whenDrained()).isNotDone();

      gate.release();
      RawHttpConnection.Response response = connection.read();
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("first\nsecond\n");
    }
    assertThat(drain.whenDrained().get(10, SECONDS).forced()).isFalse();
  }

  @Test
  void whenStreamedResponseCommitsDuringTheDrainThenItCarriesConnectionClose() throws Exception {
    int port = serve(true);
    Gate gate = Gate.open();
    try (RawHttpConnection connection = new RawHttpConnection(port)) {
      connection.send("/stream?commitFirst=false&id=" + gate.id);
      gate.awaitEntered();

      drain.startDrain();
      gate.release();
      RawHttpConnection.Response response = connection.read();
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.header("content-length")).as("committed by a flush").isNull();
      assertThat(response.closesConnection()).isTrue();
      assertThat(response.body()).isEqualTo("first\nsecond\n");
      assertThat(connection.awaitClosedByServer()).isTrue();
    }
    assertThat(drain.whenDrained().get(10, SECONDS).forced()).isFalse();
  }

  @Test
  void whenRequestArrivesDuringThePropagationDelayThenItIsServedWithConnectionClose()
      throws Exception {
    // A propagation delay far longer than the test, so that every request lands inside it.
    int port = serve(Duration.ofSeconds(60), Duration.ofSeconds(120), true);
    try (RawHttpConnection connection = new RawHttpConnection(port)) {
      RawHttpConnection.Response before = connection.get("/fast");
      assertThat(before.status()).isEqualTo(200);
      assertThat(before.closesConnection()).as("keep-alive while serving").isFalse();

      drain.startDrain();
      drain.whenDraining().get(10, SECONDS);
      assertThat(drain.state()).isEqualTo(DrainState.DRAINING);

      RawHttpConnection.Response during = connection.get("/fast");
      assertThat(during.status()).isEqualTo(200);
      assertThat(during.body()).isEqualTo("ok");
      assertThat(during.closesConnection()).isTrue();
      assertThat(connection.awaitClosedByServer()).isTrue();
    }
    HttpResponse<String> fresh =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/fast")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(fresh.statusCode()).as("new connections are still served").isEqualTo(200);
    assertThat(drain.state()).isEqualTo(DrainState.DRAINING);
  }

  @Test
  void whenRequestArrivesWhileQuiescingThenItGets503AndDoesNotHoldTheDrain() throws Exception {
    // Without connector control, as in a plain container: the port still accepts.
    int port = serve(false);
    Gate gate = Gate.open();
    try (RawHttpConnection held = new RawHttpConnection(port)) {
      held.send("/block?id=" + gate.id);
      gate.awaitEntered();
      drain.startDrain();
      awaitQuiescing();

      try (RawHttpConnection late = new RawHttpConnection(port)) {
        RawHttpConnection.Response refused = late.get("/fast");
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.closesConnection()).isTrue();
        assertThat(refused.header("retry-after")).isEqualTo("1");
        assertThat(late.awaitClosedByServer()).isTrue();
      }
      assertThat(drain.rejectedCount()).isEqualTo(1);
      assertThat(drain.inflight(UnitKind.INBOUND)).as("only the held request").isEqualTo(1);
      assertThat(drain.whenDrained()).isNotDone();

      gate.release();
      assertThat(held.read().status()).isEqualTo(200);
    }
    assertThat(drain.whenDrained().get(10, SECONDS).forced()).isFalse();
  }

  @Test
  void whenKeepAliveConnectionIsIdleThenItDoesNotHoldTheDrainAndIsClosed() throws Exception {
    int port = serve(true);
    try (RawHttpConnection idle = new RawHttpConnection(port)) {
      RawHttpConnection.Response response = idle.get("/fast");
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.closesConnection()).isFalse();

      drain.startDrain();
      DrainStatus status = drain.whenDrained().get(10, SECONDS);
      assertThat(status.forced()).isFalse();
      assertThat(idle.awaitClosedByServer()).as("idle connection closed by the server").isTrue();
    }
  }

  @Test
  void whenRequestNeverEndsThenTheDeadlineCutsItAndReportsIt() throws Exception {
    int port = serve(PROPAGATION_DELAY, Duration.ofSeconds(2), true);
    Gate gate = Gate.open();
    try (RawHttpConnection stuck = new RawHttpConnection(port)) {
      stuck.send("/block?id=" + gate.id);
      gate.awaitEntered();

      drain.startDrain();
      DrainStatus status = drain.whenDrained().get(15, SECONDS);
      assertThat(status.forced()).isTrue();
      assertThat(status.inbound()).isEqualTo(1);
      assertThat(stuck.awaitClosedByServer()).as("connection cut at the deadline").isTrue();
    }
    HttpResponse<String> report =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + drain.statusAddress().getPort() + "/drain"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(report.statusCode()).isEqualTo(200);
    assertThat(report.body()).contains("\"state\":\"DRAINED\"", "\"forced\":true", "\"inbound\":1");
  }

  @Test
  void whenLastRequestFinishesThenDrainedFollowsWithinMilliseconds() throws Exception {
    int port = serve(true);
    Gate gate = Gate.open();
    CompletableFuture<HttpResponse<String>> response =
        http.sendAsync(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/block?id=" + gate.id))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    gate.awaitEntered();
    long startedAt = System.nanoTime();
    drain.startDrain();
    awaitQuiescing();

    long releasedAt = System.nanoTime();
    gate.release();

    DrainStatus drained = drain.whenDrained().get(10, SECONDS);
    // When the coordinator reached DRAINED (its drain started at startedAt or a moment later),
    // not when the future completed: that comes on a callback thread, which can start hundreds of
    // milliseconds late on a loaded machine.
    long drainedAt = startedAt + TimeUnit.MILLISECONDS.toNanos(drained.drainElapsedMs());
    long lagMs = Duration.ofNanos(drainedAt - releasedAt).toMillis();
    assertThat(lagMs).isLessThan(DRAINED_LAG_BOUND_MS);
    assertThat(response.get(10, SECONDS).statusCode()).isEqualTo(200);
    assertThat(drained.forced()).isFalse();
  }

  @Test
  void whenResponseCommitsThroughAnyPathDuringTheDrainThenItCarriesConnectionClose()
      throws Exception {
    // A propagation delay far longer than the test: every response commits while DRAINING.
    int port = serve(Duration.ofSeconds(60), Duration.ofSeconds(120), true);
    Map<String, Gate> gates = new LinkedHashMap<>();
    Map<String, RawHttpConnection> connections = new LinkedHashMap<>();
    try {
      for (String via : TestServlets.Commit.STATUS_BY_VIA.keySet()) {
        Gate gate = Gate.open();
        RawHttpConnection connection = new RawHttpConnection(port);
        connections.put(via, connection);
        gates.put(via, gate);
        connection.send("/commit?via=" + via + "&id=" + gate.id);
      }
      for (Gate gate : gates.values()) {
        gate.awaitEntered();
      }
      // Every request entered the filter before the drain: only the response wrapper can add
      // the header, at the moment the application commits.
      drain.startDrain();
      drain.whenDraining().get(10, SECONDS);
      gates.values().forEach(Gate::release);

      for (Map.Entry<String, RawHttpConnection> entry : connections.entrySet()) {
        String via = entry.getKey();
        RawHttpConnection.Response response = entry.getValue().read();
        assertThat(response.status()).as(via).isEqualTo(TestServlets.Commit.STATUS_BY_VIA.get(via));
        assertThat(response.closesConnection()).as(via + " carries Connection: close").isTrue();
        if (response.status() == 200) {
          assertThat(response.body()).as(via).isIn("ok", "ok" + System.lineSeparator());
        } else if (response.status() < 400) {
          assertThat(response.header("location")).as(via).endsWith("/fast");
        }
        assertThat(entry.getValue().awaitClosedByServer()).as(via + " closed").isTrue();
      }
    } finally {
      for (RawHttpConnection connection : connections.values()) {
        connection.close();
      }
    }
    Inflight.awaitCount(drain, UnitKind.INBOUND, 0);
  }

  @Test
  void whenNonBlockingWriteCommitsDuringTheDrainThenItCarriesConnectionCloseAndHoldsTheDrain()
      throws Exception {
    int port = serve(true);
    Gate gate = Gate.open();
    try (RawHttpConnection connection = new RawHttpConnection(port)) {
      connection.send("/nonblocking?id=" + gate.id);
      gate.awaitEntered();
      drain.startDrain();
      awaitQuiescing();
      assertThat(drain.whenDrained()).isNotDone();

      gate.release();
      RawHttpConnection.Response response = connection.read();
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("nb-done");
      assertThat(response.closesConnection()).isTrue();
    }
    assertDrainedCleanly();
  }

  @Test
  void whenClientIsGoneThenTheWriterReportsTheWriteErrorAndTheRequestStillExits() throws Exception {
    int port = serve(true);
    Gate gate = Gate.open();
    RawHttpConnection connection = new RawHttpConnection(port);
    connection.send("/write-to-closed?id=" + gate.id);
    gate.awaitEntered();
    connection.close();
    gate.release();

    assertThat(gate.result.get(10, SECONDS))
        .as("checkError() after the client left")
        .isEqualTo(true);
    drain.startDrain();
    assertThat(drain.whenDrained().get(10, SECONDS).forced()).isFalse();
  }

  @Test
  void whenRequestIsTrackedThenItsUnitIsAnInboundUnitNamedByMethodAndPath() throws Exception {
    int port = serve(true);
    HttpResponse<String> plain =
        http.send(get(port, "/name/orders?page=2"), HttpResponse.BodyHandlers.ofString());
    assertThat(plain.body()).isEqualTo("INBOUND|GET /name/orders");

    String longPath = "/name/" + "a".repeat(2 * DrainFilter.MAX_NAME_LENGTH);
    HttpResponse<String> cut = http.send(get(port, longPath), HttpResponse.BodyHandlers.ofString());
    String name = cut.body().substring("INBOUND|".length());
    assertThat(name)
        .hasSize(DrainFilter.MAX_NAME_LENGTH)
        .startsWith("GET /name/aaa")
        .endsWith("a...");
  }

  @Test
  void whenAsyncRequestTimesOutThenItStopsHoldingTheDrain() throws Exception {
    int port = serve(true);
    Gate gate = Gate.open();
    try (RawHttpConnection connection = new RawHttpConnection(port)) {
      // Far shorter than the deadline: only the timeout can end this request in time.
      connection.send("/async?mode=timeout&timeoutMs=300&id=" + gate.id);
      gate.awaitEntered();
      drain.startDrain();

      assertThat(connection.read().status())
          .as("the container's answer to a timeout")
          .isEqualTo(500);
    }
    assertDrainedCleanly();
  }

  @Test
  void whenAsyncDispatchFailsThenTheRequestStopsHoldingTheDrain() throws Exception {
    int port = serve(true);
    try (RawHttpConnection connection = new RawHttpConnection(port)) {
      assertThat(connection.get("/async?mode=failDispatch").status()).isEqualTo(500);
    }
    drain.startDrain();
    assertDrainedCleanly();
  }

  @Test
  void whenAsyncRequestIsCompletedByAnotherThreadBeforeItsDispatchReturnsThenItExitsOnce()
      throws Exception {
    int port = serve(true);
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      responses.add(
          http.sendAsync(
              get(port, "/async?mode=completeEarly"), HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> response : responses) {
      assertThat(response.get(10, SECONDS).statusCode()).isEqualTo(200);
      assertThat(response.get().body()).isEqualTo("early");
    }
    drain.startDrain();
    assertDrainedCleanly();
  }

  @Test
  void whenHttp2RequestArrivesWhileQuiescingThenItGets503WithRetryAfterAndNoConnectionHeader()
      throws Exception {
    // Without connector control, so that the open HTTP/2 connection keeps taking streams.
    int port = serve(false);
    HttpResponse<String> first =
        http2.send(get(port, "/fast"), HttpResponse.BodyHandlers.ofString());
    assertThat(first.version()).as("upgraded to h2c").isEqualTo(HttpClient.Version.HTTP_2);
    Gate gate = Gate.open();
    CompletableFuture<HttpResponse<String>> held =
        http2.sendAsync(get(port, "/block?id=" + gate.id), HttpResponse.BodyHandlers.ofString());
    gate.awaitEntered();
    drain.startDrain();
    awaitQuiescing();

    HttpResponse<String> refused =
        http2.send(get(port, "/fast"), HttpResponse.BodyHandlers.ofString());
    assertThat(refused.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.headers().firstValue("retry-after")).hasValue("1");
    assertThat(refused.headers().firstValue("connection")).as("forbidden in HTTP/2").isEmpty();
    assertThat(drain.rejectedCount()).isEqualTo(1);
    assertThat(drain.inflight(UnitKind.INBOUND)).as("only the held request").isEqualTo(1);
    assertThat(drain.whenDrained()).isNotDone();

    gate.release();
    HttpResponse<String> done = held.get(10, SECONDS);
    assertThat(done.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(done.statusCode()).isEqualTo(200);
    assertThat(done.headers().firstValue("connection")).isEmpty();
    assertThat(drain.whenDrained().get(10, SECONDS).forced()).isFalse();
  }

  /**
   * Waits a bounded time for DRAINED and expects it not to come: the work that holds the drain is
   * not done yet.
   */
  void assertNotDrainedWithin(Duration wait) {
    assertThatThrownBy(() -> drain.whenDrained().get(wait.toMillis(), MILLISECONDS))
        .as("DRAINED while a response was still being written")
        .isInstanceOf(TimeoutException.class);
  }

  @Test
  void whenLargeBufferedResponseIsStillBeingWrittenThenDrainedWaitsUntilTheClientHasItAll()
      throws Exception {
    int port = serve(true);
    Gate gate = Gate.open();
    // Far more than the kernel buffers between server and a client that reads nothing.
    int bytes = LARGE_BODY_BYTES;
    try (RawHttpConnection slow = new RawHttpConnection(port, 16 * 1024)) {
      slow.send("/large?bytes=" + bytes + "&id=" + gate.id);
      gate.awaitEntered();
      drain.startDrain();
      // The servlet returns with its whole body in the buffer, as the drain begins.
      gate.release();
      awaitQuiescing();
      assertNotDrainedWithin(Duration.ofMillis(500));
      assertThat(drain.inflight(UnitKind.INBOUND)).isEqualTo(1);

      RawHttpConnection.Response response = slow.read();
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.body()).hasSize(bytes).matches("x+");
    }
    assertDrainedCleanly();
  }

  @Test
  void whenClientDisconnectsWhileTheHandlerWorksThenDrainedWaitsForTheHandler() throws Exception {
    int port = serve(true);
    Gate gate = Gate.open();
    try (RawHttpConnection gone = new RawHttpConnection(port)) {
      gone.send("/block?id=" + gate.id);
      gate.awaitEntered();
    }
    drain.startDrain();
    awaitQuiescing();
    assertNotDrainedWithin(Duration.ofMillis(300));
    assertThat(drain.inflight(UnitKind.INBOUND)).as("the handler still works").isEqualTo(1);

    gate.release();
    assertDrainedCleanly();
  }

  @Test
  void whenAsyncTimeoutIsAnsweredByADispatchThenTheDispatchHoldsTheDrainUntilItHasAnswered()
      throws Exception {
    int port = serve(true);
    Gate gate = Gate.open();
    try (RawHttpConnection connection = new RawHttpConnection(port)) {
      connection.send("/async?mode=timeoutDispatch&timeoutMs=200&id=" + gate.id);
      // Entered by the dispatch that handles the timeout.
      gate.awaitEntered();
      drainUntilQuiescingWithOneRequestHeld();

      gate.release();
      RawHttpConnection.Response response = connection.read();
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("timeout-handled");
    }
    assertDrainedCleanly();
  }

  @Test
  void whenRequestArrivesOnAnOpenConnectionWhileQuiescingThenItGets503WithRetryAfterAndIsCounted()
      throws Exception {
    int port = serve(true);
    Gate holder = Gate.open();
    Gate stream = Gate.open();
    try (RawHttpConnection held = new RawHttpConnection(port);
        RawHttpConnection open = new RawHttpConnection(port)) {
      held.send("/block?id=" + holder.id);
      holder.awaitEntered();
      // Committed before the drain: no Connection: close, so the connection stays open after it.
      open.send("/stream?commitFirst=true&id=" + stream.id);
      stream.awaitEntered();
      drain.startDrain();
      awaitQuiescing();

      stream.release();
      assertThat(open.read().status()).isEqualTo(200);
      RawHttpConnection.Response refused = open.get("/fast");
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.header("retry-after")).isEqualTo("1");
      assertThat(refused.closesConnection()).isTrue();
      assertThat(open.awaitClosedByServer()).isTrue();
      assertThat(drain.rejectedCount()).as("counted as rejected").isEqualTo(1);

      holder.release();
      assertThat(held.read().status()).isEqualTo(200);
    }
    assertThat(drain.whenDrained().get(10, SECONDS).forced()).isFalse();
  }

  @Test
  void whenRequestNeverEndsThenTheServerStopsWithinASecondOfTheForcedDrained() throws Exception {
    int port = serve(PROPAGATION_DELAY, Duration.ofSeconds(2), true);
    Gate gate = Gate.open();
    try (RawHttpConnection stuck = new RawHttpConnection(port)) {
      stuck.send("/block?id=" + gate.id);
      gate.awaitEntered();
      CompletableFuture<Long> drainedAt = drain.whenDrained().thenApply(s -> System.nanoTime());

      stoppedAfterDrain = true;
      DrainStatus status = container.stopAfterDrain();
      long stoppedAt = System.nanoTime();

      assertThat(status.forced()).isTrue();
      assertThat(Duration.ofNanos(stoppedAt - drainedAt.get(10, SECONDS)))
          .as("stopped after DRAINED, with the request still stuck in the application")
          .isLessThan(Duration.ofSeconds(1));
      assertThat(stuck.awaitClosedByServer()).isTrue();
    }
  }

  /**
   * Sends {@code path} (which fails at gate {@code failing}) and holds the container's default
   * error page at gate {@code page}: DRAINED must wait for the page, which the container writes
   * after the filter chain has returned, and come once it is written out.
   */
  private RawHttpConnection.Response failWithHeldErrorPage(int port, String path) throws Exception {
    Gate failing = Gate.open();
    Gate page = Gate.open();
    try (RawHttpConnection connection = new RawHttpConnection(port)) {
      connection.send(path + "&id=" + failing.id + "&holdErrorPage=" + page.id);
      failing.awaitEntered();
      drainUntilQuiescingWithOneRequestHeld();

      failing.release();
      // The chain has returned; the container is about to write its error page.
      page.awaitEntered();
      assertNotDrainedWithin(Duration.ofMillis(300));
      assertThat(drain.inflight(UnitKind.INBOUND)).isEqualTo(1);

      page.release();
      RawHttpConnection.Response response = connection.read();
      assertDrainedCleanly();
      return response;
    }
  }

  @Test
  void whenServletSendsAnErrorThenDrainedWaitsUntilTheContainersErrorPageIsWrittenOut()
      throws Exception {
    int port = serve(true);
    RawHttpConnection.Response response = failWithHeldErrorPage(port, "/fail?mode=sendError");
    assertThat(response.status()).isEqualTo(500);
    assertThat(response.closesConnection()).as("answered while draining").isTrue();
  }

  @Test
  void whenServletThrowsThenDrainedWaitsUntilTheContainersErrorPageIsWrittenOut() throws Exception {
    int port = serve(true);
    RawHttpConnection.Response response = failWithHeldErrorPage(port, "/fail?mode=throw");
    assertThat(response.status()).isEqualTo(500);
  }

  @Test
  void whenMappedErrorPageWritesALargeBodyToASlowClientThenDrainedWaitsUntilTheClientHasItAll()
      throws Exception {
    int port = serve(true);
    Gate gate = Gate.open();
    int bytes = LARGE_BODY_BYTES;
    try (RawHttpConnection slow = new RawHttpConnection(port, 16 * 1024)) {
      slow.send(
          "/fail?status=" + TestServlets.ErrorPage.STATUS + "&bytes=" + bytes + "&id=" + gate.id);
      gate.awaitEntered();
      drainUntilQuiescingWithOneRequestHeld();

      // The servlet sends the error and returns; the error page's writes wait for the client.
      gate.release();
      assertNotDrainedWithin(Duration.ofMillis(500));
      assertThat(drain.inflight(UnitKind.INBOUND)).isEqualTo(1);

      RawHttpConnection.Response response = slow.read();
      assertThat(response.status()).isEqualTo(TestServlets.ErrorPage.STATUS);
      assertThat(response.body()).hasSize(bytes).matches("e+");
    }
    assertDrainedCleanly();
  }

  @Test
  void whenContainerIntegrationIsNotInstalledThenAnErrorResponseEndsItsUnitWhenTheChainReturns()
      throws Exception {
    // Without JettyDrain/TomcatDrain nobody offers the response's end: the unit must not leak.
    int port = serve(false);
    try (RawHttpConnection connection = new RawHttpConnection(port)) {
      Gate gate = Gate.open();
      connection.send("/fail?mode=sendError&id=" + gate.id);
      gate.awaitEntered();
      gate.release();
      assertThat(connection.read().status()).isEqualTo(500);
    }
    Inflight.awaitCount(drain, UnitKind.INBOUND, 0);
    drain.startDrain();
    assertDrainedCleanly();
  }
}

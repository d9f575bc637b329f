package io.drain4j.spring.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainStatus;
import io.drain4j.UnitKind;
import io.drain4j.spring.testsupport.Upstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.TestExecutionListeners;
import org.springframework.test.context.TestExecutionListeners.MergeMode;
import org.springframework.test.context.support.DependencyInjectionTestExecutionListener;

/**
 * The scenarios every stack must pass, on a real application on a random port, with the drain
 * started by the application context closing, as at SIGTERM, and the web server stopped right after
 * DRAINED ({@link #IMMEDIATE_SHUTDOWN} where the stack's test sets it): a long request is in
 * flight, its outbound call held by the upstream and its {@code @Async} job running; and the
 * contract of DESIGN §4, "a unit ends when its work is really done", over loopback.
 */
// Only injection and the closed-context bookkeeping: the default listeners would reload the
// context after the test closed it.
@TestExecutionListeners(
    listeners = {DependencyInjectionTestExecutionListener.class, ClosedContextListener.class},
    mergeMode = MergeMode.REPLACE_DEFAULTS)
abstract class AbstractDrainApplicationTest {
  /** Shared by the stacks' tests: short drain, status endpoint on any free port. */
  static final String DRAIN_PROPERTIES = "drain4j.status.port=0";

  static final String PROPAGATION = "drain4j.propagation-delay=500ms";
  static final String DEADLINE = "drain4j.deadline=30s";

  /**
   * Nothing but the drain holds the web server, whose graceful shutdown would otherwise wait for
   * the requests too: whatever the drain let go too early, the server's stop right after DRAINED
   * would cut.
   */
  static final String IMMEDIATE_SHUTDOWN = "server.shutdown=immediate";

  /**
   * Far more than the kernel buffers between the server and a client that does not read (4 MiB of
   * send buffer at most on Linux, and the client's small receive buffer).
   */
  static final int LARGE_BODY_BYTES = 8 * 1024 * 1024;

  @Autowired ConfigurableApplicationContext context;

  @Autowired DrainCoordinator coordinator;

  @Autowired Probe probe;

  @Autowired Upstream upstream;

  @Autowired Gate gate;

  @LocalServerPort int port;

  // HTTP/1.1: on a server that speaks h2c too, the JDK 17 client upgrades to h2c, and then
  // fail its streams in flight at the graceful GOAWAY that the drain sends at DRAINING.
  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  @Test
  void whenTheDrainStartsWithALargeResponseStillToWriteThenDrainedWaitsUntilTheClientHasItAll()
      throws Exception {
    try (SlowClient client = new SlowClient(port)) {
      client.send("/large?bytes=" + LARGE_BODY_BYTES);
      // MVC: the whole body is in the response buffer, for the container to write after the
      // handler. WebFlux: the handler answers the whole body once released.
      CompletableFuture<Void> closing = drainWhileTheLargeResponseIsStillToWrite();

      SlowClient.Answer answer = client.readAll();
      assertThat(answer.status()).as(server()).isEqualTo(200);
      assertThat(answer.body()).hasSize(LARGE_BODY_BYTES).matches("x+");
      assertClosedWithoutForcedDrain(closing);
    }
  }

  /**
   * With the handler of a large response held at the gate: starts the drain, releases the handler,
   * and checks that the response, still to write to a client that reads nothing, holds the drain.
   *
   * @return the context's closing
   */
  CompletableFuture<Void> drainWhileTheLargeResponseIsStillToWrite() throws Exception {
    assertThat(gate.awaitEntered()).isTrue();
    CompletableFuture<Void> closing = closeContext();
    coordinator.whenDraining().get(30, TimeUnit.SECONDS);
    gate.release();
    awaitQuiescing();
    assertRequestHoldsTheDrainFor(Duration.ofMillis(500));
    return closing;
  }

  @Test
  void whenTheClientDisconnectsWhileTheHandlerWorksThenDrainedWaitsForTheHandler()
      throws Exception {
    try (SlowClient client = new SlowClient(port)) {
      client.send("/blocking");
      assertThat(gate.awaitEntered()).isTrue();
    }
    CompletableFuture<Void> closing = closeContextWhileTheGateHoldsARequest();

    gate.release();
    assertClosedWithoutForcedDrain(closing);
    assertThat(gate.passed()).as("the handler finished its work").isTrue();
  }

  /** A test that failed half-way leaves no handler waiting for a minute. */
  @AfterEach
  void releaseHandlers() {
    gate.release();
    probe.releaseJob();
  }

  /** The server's name as the test reports it, for example {@code Tomcat}. */
  abstract String server();

  @Test
  void whenContextClosesWithRequestInFlightThenRequestCallAndJobAllCompleteBeforeCloseReturns()
      throws Exception {
    CompletableFuture<HttpResponse<String>> response =
        http.sendAsync(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/work"))
                .timeout(Duration.ofSeconds(60))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    upstream.awaitCalls();
    assertThat(probe.jobStarted.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(coordinator.inflight(UnitKind.INBOUND)).isEqualTo(1);
    assertThat(coordinator.inflight(UnitKind.OUTBOUND)).isEqualTo(1);
    assertThat(coordinator.inflight(UnitKind.BACKGROUND)).isEqualTo(1);

    CompletableFuture<Void> closing = closeContext();

    // Readiness turns to refusing at once, on the status endpoint too, while the request runs.
    probe.refusingTraffic.get(30, TimeUnit.SECONDS);
    // Spring's web-server context publishes REFUSING_TRAFFIC itself as close() begins, just
    // before the ContextClosedEvent that starts the drain: the status endpoint follows the drain.
    coordinator.whenDraining().get(30, TimeUnit.SECONDS);
    assertThat(statusCode("/ready")).isEqualTo(503);
    assertThat(response).isNotDone();

    // The request's outbound call is answered: the client stayed open during the drain.
    upstream.release();
    HttpResponse<String> answered = response.get(30, TimeUnit.SECONDS);
    assertThat(answered.statusCode()).as(server()).isEqualTo(200);
    assertThat(answered.body()).isEqualTo("ok:upstream");

    // The job the request started still runs, and holds the close.
    coordinator.whenQuiescing().get(30, TimeUnit.SECONDS);
    assertThat(coordinator.inflight(UnitKind.BACKGROUND)).isEqualTo(1);
    assertThat(closing).isNotDone();
    probe.releaseJob();
    assertClosedWithoutForcedDrain(closing);
    assertThat(probe.jobDone)
        .as("the job finished before the context finished closing")
        .isCompletedWithValue(null);
  }

  /**
   * Closes the context as SIGTERM does, on a thread of its own: the drain starts, and close()
   * returns once DRAINED came and the web server stopped. Not on the common pool: on JDK 25 with 2
   * CPUs, holding the common pool's worker kept responses from completing.
   */
  CompletableFuture<Void> closeContext() {
    ClosedContextListener.contextClosing();
    return CompletableFuture.runAsync(
        context::close, task -> new Thread(task, "context-close").start());
  }

  /**
   * Waits until a request's handler is held at the gate, closes the context, and checks, once the
   * drain is past its propagation delay, that the request holds it.
   *
   * @return the close, which ends once the gate is released
   */
  CompletableFuture<Void> closeContextWhileTheGateHoldsARequest() throws Exception {
    assertThat(gate.awaitEntered()).as("a handler at the gate").isTrue();
    CompletableFuture<Void> closing = closeContext();
    awaitQuiescing();
    assertRequestHoldsTheDrainFor(Duration.ofMillis(300));
    return closing;
  }

  /** Waits for the context to close, and for a drain that was not forced. */
  void assertClosedWithoutForcedDrain(CompletableFuture<Void> closing) throws Exception {
    closing.get(60, TimeUnit.SECONDS);
    DrainStatus status = coordinator.whenDrained().get(1, TimeUnit.SECONDS);
    assertThat(status.forced()).isFalse();
  }

  /** Waits until the drain is past its propagation delay: new requests are refused from now on. */
  void awaitQuiescing() throws Exception {
    coordinator.whenQuiescing().get(30, TimeUnit.SECONDS);
  }

  /**
   * Waits a bounded time for DRAINED and expects it not to come, because one request's work is not
   * done yet.
   */
  void assertRequestHoldsTheDrainFor(Duration wait) {
    assertThat(
            catchThrowable(
                () -> coordinator.whenDrained().get(wait.toMillis(), TimeUnit.MILLISECONDS)))
        .as("DRAINED while a request's work was not done")
        .isInstanceOf(TimeoutException.class);
    assertThat(coordinator.inflight(UnitKind.INBOUND)).isEqualTo(1);
  }

  private int statusCode(String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + coordinator.statusAddress().getPort() + path))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}

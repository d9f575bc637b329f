package io.drain4j.spring.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The contract of DESIGN §4 ("a unit ends when its work is really done") in a Spring MVC
 * application, over loopback, with the drain started by the context closing as at SIGTERM and the
 * web server stopped right after DRAINED ({@code server.shutdown=immediate}): whatever the drain
 * let go too early, the stop would cut.
 */
abstract class AbstractMvcDrainTest extends AbstractDrainApplicationTest {
  /**
   * Properties of the Spring MVC contract tests: nothing but the drain holds the web server, whose
   * graceful shutdown would otherwise wait for the requests too.
   */
  static final String IMMEDIATE_SHUTDOWN = "server.shutdown=immediate";

  /**
   * Far more than the kernel buffers between the server and a client that does not read (4 MiB of
   * send buffer at most on Linux, and the client's small receive buffer).
   */
  static final int LARGE_BODY_BYTES = 8 * 1024 * 1024;

  @Test
  void whenTheDrainStartsWithALargeBufferedResponseThenDrainedWaitsUntilTheClientHasItAll()
      throws Exception {
    try (SlowClient client = new SlowClient(port)) {
      client.send("/large?bytes=" + LARGE_BODY_BYTES);
      // The whole body is in the response buffer: the container writes it after the handler.
      assertThat(gate.awaitEntered()).isTrue();
      CompletableFuture<Void> closing = closeContext();
      coordinator.whenDraining().get(30, TimeUnit.SECONDS);
      gate.release();
      awaitQuiescing();
      assertRequestHoldsTheDrainFor(Duration.ofMillis(500));

      SlowClient.Answer answer = client.readAll();
      assertThat(answer.status()).as(server()).isEqualTo(200);
      assertThat(answer.body()).hasSize(LARGE_BODY_BYTES).matches("x+");
      assertClosedWithoutForcedDrain(closing);
    }
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

  @Test
  void whenADeferredResultTimesOutThenTheDispatchThatAnswersTheTimeoutHoldsTheDrain()
      throws Exception {
    try (SlowClient client = new SlowClient(port)) {
      client.send("/deferred?timeoutMs=100");
      // The timeout set the answer, and the dispatch that writes it is held at the gate.
      CompletableFuture<Void> closing = closeContextWhileTheGateHoldsARequest();

      gate.release();
      SlowClient.Answer answer = client.readAll();
      assertThat(answer.status()).as(server()).isEqualTo(200);
      assertThat(answer.body()).isEqualTo("timeout-handled");
      assertClosedWithoutForcedDrain(closing);
    }
  }
}

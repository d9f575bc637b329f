package io.drain4j.spring.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * What Spring MVC adds to the contract of {@link AbstractDrainApplicationTest}: asynchronous
 * requests whose timeout is answered by a dispatch.
 */
abstract class AbstractMvcDrainTest extends AbstractDrainApplicationTest {
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

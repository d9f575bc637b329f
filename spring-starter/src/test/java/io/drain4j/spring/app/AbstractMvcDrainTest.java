package io.drain4j.spring.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * What Spring MVC adds to the contract of {@link AbstractDrainApplicationTest}: asynchronous
 * requests whose timeout is answered by a dispatch.
 */
abstract class AbstractMvcDrainTest extends AbstractDrainApplicationTest {
  /** The timeout of {@code /callable}, which sets no timeout of its own. */
  static final String ASYNC_TIMEOUT = "spring.mvc.async.request-timeout=100ms";

  @Test
  void whenADeferredResultTimesOutThenTheDispatchThatAnswersTheTimeoutHoldsTheDrain()
      throws Exception {
    // The timeout set the answer, and the dispatch that writes it is held at the gate.
    assertTheDispatchAnsweringTheTimeoutHoldsTheDrain("/deferred?timeoutMs=100");
  }

  @Test
  void
      whenACallableOutlastsTheAsyncRequestTimeoutThenTheDispatchThatAnswersTheTimeoutHoldsTheDrain()
          throws Exception {
    // spring.mvc.async.request-timeout expired, Spring MVC cancelled the Callable, and the
    // dispatch that answers the AsyncRequestTimeoutException is held at the gate.
    assertTheDispatchAnsweringTheTimeoutHoldsTheDrain("/callable");
  }

  private void assertTheDispatchAnsweringTheTimeoutHoldsTheDrain(String path) throws Exception {
    try (SlowClient client = new SlowClient(port)) {
      client.send(path);
      CompletableFuture<Void> closing = closeContextWhileTheGateHoldsARequest();

      gate.release();
      SlowClient.Answer answer = client.readAll();
      assertThat(answer.status()).as(server()).isEqualTo(200);
      assertThat(answer.body()).isEqualTo("timeout-handled");
      assertClosedWithoutForcedDrain(closing);
    }
  }
}

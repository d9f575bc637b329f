package io.drain4j.jdkhttp;

import io.drain4j.InFlight;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.ResponseInfo;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One tracked call: its outbound unit, and the body handler that observes the end of the response
 * body. A call that succeeds is over when both its response has been handed to the caller and its
 * body has ended (complete, failed or cancelled by the reader): the order of the two depends on the
 * body handler (a string body ends first, an {@code InputStream} body after). A call that fails or
 * is abandoned is over at once. {@link InFlight#exit()} counts once, whichever path gets there.
 */
final class TrackedCall<T> implements BodyHandler<T> {

  private static final int BODY_ENDED = 1;
  private static final int HANDED_OVER = 2;

  private final InFlight unit;
  private final BodyHandler<T> handler;
  private final AtomicInteger ended = new AtomicInteger();

  /** Whether the client asked for a body subscriber, whose end is then awaited. */
  private volatile boolean applied;

  TrackedCall(InFlight unit, BodyHandler<T> handler) {
    this.unit = unit;
    this.handler = handler;
  }

  @Override
  public BodySubscriber<T> apply(ResponseInfo responseInfo) {
    applied = true;
    BodySubscriber<T> subscriber = handler.apply(responseInfo);
    if (subscriber == null) {
      throw new NullPointerException("the response body handler returned no body subscriber");
    }
    return new TrackedBodySubscriber<>(subscriber, this);
  }

  /** The response body ended: received completely, failed, or cancelled by its reader. */
  void bodyEnded() {
    reach(BODY_ENDED);
  }

  /**
   * The response has been handed to the caller. Without a body subscriber (a client other than the
   * JDK's may answer so) nothing else would end the call.
   */
  void handedOver() {
    if (!applied) {
      unit.exit();
    } else {
      reach(HANDED_OVER);
    }
  }

  /** The call failed or was abandoned. */
  void exit() {
    unit.exit();
  }

  private void reach(int milestone) {
    if (ended.accumulateAndGet(milestone, (a, b) -> a | b) == (BODY_ENDED | HANDED_OVER)) {
      unit.exit();
    }
  }

  /**
   * Ends an asynchronous call: passes the outcome on to the caller's future first, so that the
   * caller's callbacks attached to it run while the call still counts, then ends the unit.
   */
  void finish(
      HttpResponse<T> response, Throwable failure, CompletableFuture<HttpResponse<T>> result) {
    if (failure != null) {
      try {
        result.completeExceptionally(failure);
      } finally {
        unit.exit();
      }
      return;
    }
    boolean delivered = false;
    try {
      delivered = result.complete(response);
    } finally {
      handedOver();
      if (!delivered) {
        // The caller cancelled as the response arrived: nobody will ever read its body.
        unit.exit();
        closeBody(response);
      }
    }
  }

  private static void closeBody(HttpResponse<?> response) {
    if (response != null && response.body() instanceof AutoCloseable body) {
      try {
        body.close();
      } catch (Exception e) {
        // Only resources are released here; nobody waits for this body any more.
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}

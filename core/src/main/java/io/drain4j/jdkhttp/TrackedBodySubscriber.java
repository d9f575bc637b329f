package io.drain4j.jdkhttp;

import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Tells a {@link TrackedCall} when its response body ends: complete, failed, or cancelled by the
 * reader (an {@code InputStream} body closed early). The end is told before the body's own
 * subscriber sees it, so that a reader who reaches the end of a streamed body finds the call over.
 */
final class TrackedBodySubscriber<T> implements BodySubscriber<T> {

  private final BodySubscriber<T> delegate;
  private final TrackedCall<T> call;

  TrackedBodySubscriber(BodySubscriber<T> delegate, TrackedCall<T> call) {
    this.delegate = delegate;
    this.call = call;
  }

  @Override
  public CompletionStage<T> getBody() {
    return delegate.getBody();
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    delegate.onSubscribe(
        new Flow.Subscription() {
          @Override
          public void request(long n) {
            subscription.request(n);
          }

          @Override
          public void cancel() {
            try {
              subscription.cancel();
            } finally {
              call.bodyEnded();
            }
          }
        });
  }

  @Override
  public void onNext(List<ByteBuffer> item) {
    delegate.onNext(item);
  }

  @Override
  public void onError(Throwable throwable) {
    call.bodyEnded();
    delegate.onError(throwable);
  }

  @Override
  public void onComplete() {
    call.bodyEnded();
    delegate.onComplete();
  }
}

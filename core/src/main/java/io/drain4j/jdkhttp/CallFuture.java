package io.drain4j.jdkhttp;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * The future a tracked {@code sendAsync} returns. Cancelling it, or a future derived from it,
 * cancels the wrapped client's future, as the JDK client's own futures do; that aborts the
 * exchange, and the completion of the wrapped future ends the unit.
 */
final class CallFuture<T> extends CompletableFuture<T> {

  private final Future<?> source;

  CallFuture(Future<?> source) {
    this.source = source;
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    if (cancelled) {
      source.cancel(mayInterruptIfRunning);
    }
    return cancelled;
  }

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new CallFuture<>(source);
  }
}

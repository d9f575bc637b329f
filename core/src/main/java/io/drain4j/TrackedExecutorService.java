package io.drain4j;

import static io.drain4j.TrackedTasks.nameOf;

import io.drain4j.TrackedTasks.Tracked;
import io.drain4j.TrackedTasks.TrackedFuture;
import io.drain4j.TrackedTasks.TrackedRunnable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Tracks each task as a background unit from submission until its body returns, or until it is
 * known never to run (rejected, cancelled while queued, dropped by the pool's discard policy,
 * returned by {@link #shutdownNow()}); see {@link TrackedTasks}.
 */
final class TrackedExecutorService extends AbstractExecutorService {
  private final DrainCoordinator coordinator;
  private final ExecutorService delegate;

  TrackedExecutorService(DrainCoordinator coordinator, ExecutorService delegate) {
    this.coordinator = coordinator;
    this.delegate = delegate;
    TrackedTasks.watchDiscards(delegate);
  }

  @Override
  protected <T> RunnableFuture<T> newTaskFor(Runnable runnable, T value) {
    return new TrackedFuture<>(
        coordinator.enter(UnitKind.BACKGROUND, nameOf(runnable)), runnable, value);
  }

  @Override
  protected <T> RunnableFuture<T> newTaskFor(Callable<T> callable) {
    return new TrackedFuture<>(coordinator.enter(UnitKind.BACKGROUND, nameOf(callable)), callable);
  }

  @Override
  public void execute(Runnable command) {
    // Tasks from submit() arrive wrapped already; a plain execute() keeps its own semantics (an
    // exception reaches the thread's uncaught-exception handler instead of a future nobody reads).
    Tracked task =
        command instanceof Tracked t
            ? t
            : new TrackedRunnable(coordinator.enter(UnitKind.BACKGROUND, nameOf(command)), command);
    try {
      delegate.execute(task);
    } catch (RuntimeException | Error e) {
      task.unit().exit();
      throw e;
    }
  }

  @Override
  public void shutdown() {
    delegate.shutdown();
  }

  @Override
  public List<Runnable> shutdownNow() {
    List<Runnable> never = delegate.shutdownNow();
    List<Runnable> unwrapped = new ArrayList<>(never.size());
    for (Runnable r : never) {
      if (r instanceof Tracked t) {
        // These tasks will never run: release their units now.
        t.unit().exit();
        unwrapped.add(t.original());
      } else {
        unwrapped.add(r);
      }
    }
    return unwrapped;
  }

  @Override
  public boolean isShutdown() {
    return delegate.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return delegate.isTerminated();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return delegate.awaitTermination(timeout, unit);
  }

  @Override
  public String toString() {
    return "TrackedExecutorService[" + delegate + "]";
  }
}

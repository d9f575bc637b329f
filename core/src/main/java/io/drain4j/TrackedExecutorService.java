package io.drain4j;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Tracks each task as a background unit from submission until it completes, fails or is cancelled.
 * Tasks are wrapped in a {@link FutureTask} whose {@code done()} exits the unit, so a task
 * cancelled while queued does not hold the drain until the deadline.
 */
final class TrackedExecutorService extends AbstractExecutorService {
  private final DrainCoordinator coordinator;
  private final ExecutorService delegate;

  TrackedExecutorService(DrainCoordinator coordinator, ExecutorService delegate) {
    this.coordinator = coordinator;
    this.delegate = delegate;
  }

  static String nameOf(Object task) {
    return task.getClass().getName();
  }

  @Override
  protected <T> RunnableFuture<T> newTaskFor(Runnable runnable, T value) {
    return new TrackedTask<>(
        coordinator.enter(UnitKind.BACKGROUND, nameOf(runnable)), runnable, value);
  }

  @Override
  protected <T> RunnableFuture<T> newTaskFor(Callable<T> callable) {
    return new TrackedTask<>(coordinator.enter(UnitKind.BACKGROUND, nameOf(callable)), callable);
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

  /** A submitted task and its unit. */
  private interface Tracked extends Runnable {
    InFlight unit();

    Runnable original();
  }

  private static final class TrackedRunnable implements Tracked {
    private final InFlight unit;
    private final Runnable original;

    TrackedRunnable(InFlight unit, Runnable original) {
      this.unit = unit;
      this.original = original;
    }

    @Override
    public void run() {
      try {
        original.run();
      } finally {
        unit.exit();
      }
    }

    @Override
    public InFlight unit() {
      return unit;
    }

    @Override
    public Runnable original() {
      return original;
    }
  }

  private static final class TrackedTask<T> extends FutureTask<T> implements Tracked {
    private final InFlight unit;
    private final Runnable original;

    TrackedTask(InFlight unit, Callable<T> callable) {
      super(callable);
      this.unit = unit;
      this.original = this;
    }

    TrackedTask(InFlight unit, Runnable runnable, T value) {
      super(runnable, value);
      this.unit = unit;
      this.original = runnable;
    }

    @Override
    protected void done() {
      unit.exit();
    }

    @Override
    public InFlight unit() {
      return unit;
    }

    @Override
    public Runnable original() {
      return original;
    }
  }
}

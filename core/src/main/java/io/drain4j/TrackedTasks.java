package io.drain4j;

import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * The tasks of {@link TrackedExecutor} and {@link TrackedExecutorService}, and what keeps a task
 * that an executor drops from holding the drain to the deadline.
 *
 * <p>A task's unit ends when its body returns, never earlier: cancelling the future of a task that
 * is already running ends nothing (the body runs on, and may still use outbound clients). A task
 * that will never run ends its unit when that becomes known: rejected with an exception, cancelled
 * before it started, returned by {@code shutdownNow()}, or dropped by a {@link
 * ThreadPoolExecutor}'s {@link ThreadPoolExecutor.DiscardPolicy DiscardPolicy}, {@link
 * ThreadPoolExecutor.DiscardOldestPolicy DiscardOldestPolicy} or (once the pool is shut down)
 * {@link ThreadPoolExecutor.CallerRunsPolicy CallerRunsPolicy}.
 */
final class TrackedTasks {
  private TrackedTasks() {}

  /** A submitted task and its unit. */
  interface Tracked extends Runnable {
    InFlight unit();

    Runnable original();
  }

  static String nameOf(Object task) {
    return task.getClass().getName();
  }

  /**
   * Makes a thread pool end the units of the tracked tasks that its rejection policy drops
   * silently. The pool's handler is wrapped once; tasks that are not tracked see the same policy as
   * before.
   */
  static void watchDiscards(Executor executor) {
    if (executor instanceof ThreadPoolExecutor pool) {
      synchronized (pool) {
        RejectedExecutionHandler h = pool.getRejectedExecutionHandler();
        if (!(h instanceof DiscardAware)) {
          pool.setRejectedExecutionHandler(new DiscardAware(h));
        }
      }
    }
  }

  /** Ends a dropped task's unit, if it is tracked. */
  static void dropped(Runnable task) {
    if (task instanceof Tracked t) {
      t.unit().exit();
    }
  }

  /** Runs a task and ends its unit when the body returns. */
  static final class TrackedRunnable implements Tracked {
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

  /**
   * A future task whose unit ends when its body returns, or, for a task cancelled before it
   * started, at the cancellation. {@link FutureTask#done()} alone would end it at {@code cancel()}
   * while the body runs on.
   */
  static final class TrackedFuture<T> extends FutureTask<T> implements Tracked {
    private final InFlight unit;
    private final Runnable original;

    /** Set before the body can start; read by {@link #done()} after a cancellation's CAS. */
    private volatile boolean started;

    TrackedFuture(InFlight unit, Callable<T> callable) {
      super(callable);
      this.unit = unit;
      this.original = this;
    }

    TrackedFuture(InFlight unit, Runnable runnable, T value) {
      super(runnable, value);
      this.unit = unit;
      this.original = runnable;
    }

    @Override
    public void run() {
      // started is written before FutureTask checks its state: a cancel() that done() sees as
      // "not started" therefore happened first, and the body will not run at all.
      started = true;
      try {
        super.run();
      } finally {
        unit.exit();
      }
    }

    @Override
    protected void done() {
      if (!started) {
        unit.exit(); // cancelled while queued: it will never run
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

  /** The pool's own rejection policy, plus the units of the tasks it drops. */
  static final class DiscardAware implements RejectedExecutionHandler {
    private final RejectedExecutionHandler policy;

    DiscardAware(RejectedExecutionHandler policy) {
      this.policy = policy;
    }

    @Override
    public void rejectedExecution(Runnable task, ThreadPoolExecutor pool) {
      if (policy instanceof ThreadPoolExecutor.DiscardOldestPolicy) {
        // The policy's own steps, so that the task it drops is known.
        if (pool.isShutdown()) {
          dropped(task);
        } else {
          dropped(pool.getQueue().poll());
          pool.execute(task);
        }
        return;
      }
      if (policy instanceof ThreadPoolExecutor.DiscardPolicy
          || (policy instanceof ThreadPoolExecutor.CallerRunsPolicy && pool.isShutdown())) {
        dropped(task);
        return;
      }
      // Any other policy throws (the submitter ends the unit) or runs or keeps the task itself.
      policy.rejectedExecution(task, pool);
    }

    @Override
    public String toString() {
      return "DiscardAware[" + policy + "]";
    }
  }
}

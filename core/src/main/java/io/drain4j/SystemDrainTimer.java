package io.drain4j;

import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The real timer: one daemon thread runs the drain's transitions and keeps a coarse clock fresh. A
 * single thread also orders the transitions: the last unit's exit, the end of the propagation delay
 * and the deadline never race each other.
 */
final class SystemDrainTimer implements DrainTimer {
  /** Resolution of unit ages; fine for "oldest in flight" and deadline reports. */
  static final long COARSE_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final ScheduledThreadPoolExecutor executor;
  private volatile long coarseNanos = System.nanoTime();

  SystemDrainTimer() {
    executor =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "drain4j-timer");
              t.setDaemon(true);
              return t;
            });
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    // Runs until shutdown(); a periodic task's future only ever reports its cancellation.
    Future<?> unused =
        executor.scheduleAtFixedRate(
            () -> coarseNanos = System.nanoTime(),
            COARSE_TICK_NANOS,
            COARSE_TICK_NANOS,
            TimeUnit.NANOSECONDS);
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public long coarseNanoTime() {
    return coarseNanos;
  }

  @Override
  public Future<?> schedule(Runnable task, long delayNanos) {
    return executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void execute(Runnable task) {
    executor.execute(task);
  }

  @Override
  public void shutdown() {
    executor.shutdownNow();
  }
}

package io.drain4j;

import java.util.concurrent.Future;

/**
 * The coordinator's source of time and its thread for drain transitions. Tests inject a manual
 * implementation to drive the lifecycle without sleeping.
 */
interface DrainTimer {

  /** Precise monotonic time, for the drain's delays and deadline. */
  long nanoTime();

  /**
   * Cheap monotonic time for unit ages, allowed to lag {@link #nanoTime()} by a few milliseconds:
   * reading the precise clock on every request would cost more than the rest of the tracking.
   */
  long coarseNanoTime();

  /** Runs {@code task} once after {@code delayNanos}; the future cancels it. */
  Future<?> schedule(Runnable task, long delayNanos);

  /** Runs {@code task} soon, off the caller's thread where possible, in submission order. */
  void execute(Runnable task);

  /** Stops the timer's thread; tasks not yet run are dropped. */
  void shutdown();
}

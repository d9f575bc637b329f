package io.drain4j;

import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** A timer whose time moves only when the test says so; tasks run on the test's thread. */
final class ManualTimer implements DrainTimer {
  private long now = 1_000_000_000L;
  private long seq;
  private final PriorityQueue<Task> tasks = new PriorityQueue<>();

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized long coarseNanoTime() {
    return now;
  }

  @Override
  public synchronized Future<?> schedule(Runnable task, long delayNanos) {
    Task t = new Task(task, now + delayNanos, seq++);
    tasks.add(t);
    return t;
  }

  @Override
  public void execute(Runnable task) {
    task.run();
  }

  @Override
  public void shutdown() {}

  /** Moves time forward, running every task that falls due, in order. */
  void advance(Duration d) {
    long target;
    synchronized (this) {
      target = now + d.toNanos();
    }
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.peek();
        if (next == null || next.at > target) {
          now = target;
          return;
        }
        tasks.poll();
        now = next.at;
      }
      if (!next.cancelled) {
        next.task.run();
      }
    }
  }

  /**
   * Moves time forward without running anything: what falls due runs at the next {@link #advance}.
   * Models a thread that acts at the very nanosecond a timer task falls due, before the timer's
   * thread got to run it.
   */
  synchronized void advanceClockOnly(Duration d) {
    now += d.toNanos();
  }

  synchronized int pending() {
    return (int) tasks.stream().filter(t -> !t.cancelled).count();
  }

  private static final class Task implements Future<Object>, Comparable<Task> {
    final Runnable task;
    final long at;
    final long seq;
    volatile boolean cancelled;

    Task(Runnable task, long at, long seq) {
      this.task = task;
      this.at = at;
      this.seq = seq;
    }

    @Override
    public int compareTo(Task o) {
      int c = Long.compare(at, o.at);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }

    @Override
    public boolean cancel(boolean mayInterrupt) {
      cancelled = true;
      return true;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return cancelled;
    }

    @Override
    public Object get() throws InterruptedException, ExecutionException {
      throw new UnsupportedOperationException();
    }

    @Override
    public Object get(long timeout, TimeUnit unit) {
      throw new UnsupportedOperationException();
    }
  }
}

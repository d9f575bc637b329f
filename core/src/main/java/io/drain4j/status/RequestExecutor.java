package io.drain4j.status;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The executor the JDK server runs its exchanges on, with two defences the JDK server lacks by
 * default.
 *
 * <p><b>Bounded.</b> A small fixed pool and a bounded queue. When both are full, {@link #execute}
 * throws, and the JDK's dispatcher answers that by closing the connection: a flood costs closed
 * connections, never threads or memory.
 *
 * <p><b>Request deadline.</b> The JDK server reads the request line and headers on the executor
 * thread, with blocking reads and, unless {@code sun.net.httpserver.maxReqTime} is set, no time
 * limit: a client that sends half a request line and stalls would hold a worker forever. Each
 * exchange therefore gets a deadline, counted from the moment the dispatcher handed it over (its
 * first bytes had arrived). When the deadline passes before the handler has read the whole request,
 * the worker is interrupted; its socket channel is interruptible, so the blocked read fails with
 * {@code ClosedByInterruptException}, the channel is closed and the JDK server drops the
 * connection. An exchange that waited in the queue past its deadline fails the same way as soon as
 * it starts, so a burst of stalled requests clears within about one deadline whatever the pool
 * size. The handler disarms the deadline ({@link #requestRead()}) once the request is read, so that
 * answering (which may call into the coordinator) is never interrupted.
 */
final class RequestExecutor implements Executor {

  private static final ThreadLocal<Deadline> CURRENT = new ThreadLocal<>();

  private final ThreadPoolExecutor pool;
  private final ScheduledExecutorService timer;
  private final long timeoutNanos;
  private final LongAdder refused = new LongAdder();
  private final Busy busy = new Busy();
  private final LongAdder expired = new LongAdder();
  private final Set<Deadline> running = ConcurrentHashMap.newKeySet();
  private volatile boolean closing;

  RequestExecutor(Limits limits, ScheduledExecutorService timer, StatusThreads threads) {
    this.timer = timer;
    this.timeoutNanos = saturatedNanos(limits.requestTimeout());
    this.pool =
        new ThreadPoolExecutor(
            limits.workers(),
            limits.workers(),
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(limits.queue()),
            threads,
            (task, executor) -> {
              refused.increment();
              throw busy;
            });
    // An idle endpoint holds no worker threads.
    pool.allowCoreThreadTimeOut(true);
  }

  /**
   * Runs one exchange of the JDK server.
   *
   * @throws RejectedExecutionException when the pool and its queue are full or the endpoint is
   *     closed; the JDK server then closes the connection
   */
  @Override
  public void execute(Runnable exchange) {
    pool.execute(new Deadline(exchange, System.nanoTime() + timeoutNanos));
  }

  /**
   * Called by the handler, on the worker thread, once the whole request has been read: from now on
   * the worker is not interrupted.
   *
   * @return {@code false} when the deadline passed first; the exchange must then be dropped
   */
  static boolean requestRead() {
    Deadline d = CURRENT.get();
    return d == null || d.disarm();
  }

  /** Connections closed because the pool and its queue were full. */
  long refused() {
    return refused.sum();
  }

  /** Exchanges whose request was not read within the deadline. */
  long expired() {
    return expired.sum();
  }

  /**
   * Starts an orderly stop: takes no new exchange, lets those that have read their request write
   * their answer, and fails at once those still reading (or queued), as their deadline would.
   */
  void shutdown() {
    closing = true;
    pool.shutdown();
    for (Deadline d : running) {
      d.expire();
    }
  }

  void shutdownNow() {
    closing = true;
    pool.shutdownNow();
  }

  boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return pool.awaitTermination(timeout, unit);
  }

  static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /** One exchange and the deadline of its request. */
  private final class Deadline implements Runnable {
    private final Runnable exchange;
    private final long deadlineNanos;

    /** Guarded by {@code this}: the interrupt is sent only while armed, under the same lock. */
    private Thread worker;

    private boolean armed;
    private boolean fired;

    Deadline(Runnable exchange, long deadlineNanos) {
      this.exchange = exchange;
      this.deadlineNanos = deadlineNanos;
    }

    @Override
    public void run() {
      synchronized (this) {
        worker = Thread.currentThread();
        armed = true;
      }
      running.add(this);
      ScheduledFuture<?> watchdog = null;
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0 || closing) {
        // Waited in the queue past its deadline: fail at the first read, without waiting again.
        expire();
      } else {
        try {
          watchdog = timer.schedule(this::expire, left, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
          expire(); // the endpoint is closing
        }
      }
      CURRENT.set(this);
      try {
        exchange.run();
      } finally {
        CURRENT.remove();
        running.remove(this);
        disarm();
        if (watchdog != null) {
          watchdog.cancel(false);
        }
        // No interrupt can arrive after disarm(); clear one that arrived before it, so that the
        // pool thread starts its next exchange clean.
        Thread.interrupted();
      }
    }

    private synchronized void expire() {
      if (armed) {
        armed = false;
        fired = true;
        expired.increment();
        worker.interrupt();
      }
    }

    synchronized boolean disarm() {
      armed = false;
      return !fired;
    }
  }

  /**
   * Thrown on overload; one per endpoint, allocated up front, since it is thrown in floods and its
   * stack says nothing.
   */
  private static final class Busy extends RejectedExecutionException {
    private static final long serialVersionUID = 1L;

    private Busy() {
      super("drain4j status endpoint busy: connection closed");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }
}

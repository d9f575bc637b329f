package io.drain4j.status;

import com.sun.net.httpserver.HttpExchange;
import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The long polls of {@code GET /drain/await}, parked without a thread each: a parked exchange is
 * answered by whichever comes first, the drain's end ({@link #onDrained()}, on the timer thread) or
 * its own timeout (a task on the same timer thread), exactly once.
 *
 * <p>The endpoint registers once on the coordinator's drained future, not once per waiter, so that
 * waiters that time out leave nothing behind.
 */
final class DrainWaiters {
  private static final Logger log = LoggerFactory.getLogger(StatusEndpoint.class);

  private final DrainCoordinator coordinator;
  private final ScheduledExecutorService timer;
  private final int max;
  private final Set<Waiter> parked = ConcurrentHashMap.newKeySet();
  private final AtomicInteger count = new AtomicInteger();
  private volatile boolean done;

  DrainWaiters(DrainCoordinator coordinator, ScheduledExecutorService timer, int max) {
    this.coordinator = coordinator;
    this.timer = timer;
    this.max = max;
  }

  /**
   * Answers the exchange now if it can, otherwise parks it. Called on a worker thread after the
   * request was read; returns at once.
   */
  void await(HttpExchange exchange, Duration timeout) {
    if (done || timeout.isZero() || coordinator.state() == DrainState.DRAINED) {
      Replies.status(exchange, coordinator.status());
      return;
    }
    if (!reserve()) {
      exchange.getResponseHeaders().set("Retry-After", "1");
      Replies.text(
          exchange,
          429,
          "too many waiters: at most " + max + " concurrent /drain/await requests\n");
      return;
    }
    Waiter w = new Waiter(exchange);
    parked.add(w);
    try {
      w.timeoutTask =
          timer.schedule(
              () -> answer(w), RequestExecutor.saturatedNanos(timeout), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      answer(w); // the endpoint is closing
      return;
    }
    // The drain may have ended, or the endpoint closed, between the first check and parking;
    // whoever comes second sees the other, and the answered flag keeps it to one answer.
    if (done) {
      answer(w);
    }
  }

  /** The drain ended: answers every parked exchange. Runs on the timer thread. */
  void onDrained() {
    done = true;
    for (Waiter w : parked) {
      answer(w);
    }
  }

  /** The endpoint is closing: answers every parked exchange with the current status. */
  void close() {
    onDrained();
  }

  private boolean reserve() {
    int n;
    do {
      n = count.get();
      if (n >= max) {
        return false;
      }
    } while (!count.compareAndSet(n, n + 1));
    return true;
  }

  private void answer(Waiter w) {
    if (!w.answered.compareAndSet(false, true)) {
      return;
    }
    parked.remove(w);
    count.decrementAndGet();
    Future<?> t = w.timeoutTask;
    if (t != null) {
      t.cancel(false);
    }
    try {
      Replies.status(w.exchange, coordinator.status());
    } catch (RuntimeException e) {
      log.warn("drain4j status endpoint could not answer /drain/await", e);
      w.exchange.close();
    }
  }

  private static final class Waiter {
    final HttpExchange exchange;
    final AtomicBoolean answered = new AtomicBoolean();
    volatile Future<?> timeoutTask;

    Waiter(HttpExchange exchange) {
      this.exchange = exchange;
    }
  }
}

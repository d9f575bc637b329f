package io.drain4j.status;

import com.sun.net.httpserver.HttpExchange;
import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
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
 * answered exactly once by whichever comes first: the drain's end ({@link #onDrained()}), its own
 * timeout, its client going away, or its eviction to make room for the sidecar's own poll.
 *
 * <p><b>Bounded.</b> No wait outlives the remaining deadline plus one second, whatever {@code
 * timeout=} asks. A poll whose client has gone is noticed within about a second (see {@link
 * OpenConnections}) and frees its place. When every place is taken, a poll from exactly {@code
 * 127.0.0.1} or {@code ::1} made after the drain started still gets one: the oldest parked poll is
 * answered (with the current status, 503) to make room, so a crowd of abandoned or hostile pollers
 * can never leave the sidecar's preStop hook a {@code 429}.
 */
final class DrainWaiters {
  private static final Logger log = LoggerFactory.getLogger(StatusEndpoint.class);

  /** How often parked polls are checked for clients that went away: {@value} ms. */
  static final long SWEEP_MILLIS = 500;

  private final DrainCoordinator coordinator;
  private final ScheduledExecutorService timer;
  private final int max;

  /** Oldest first, for eviction. */
  private final Queue<Waiter> parked = new ConcurrentLinkedQueue<>();

  private final AtomicInteger count = new AtomicInteger();
  private final AtomicBoolean sweeping = new AtomicBoolean();
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
    if (!reserve() && !(sidecarMayEvict(exchange) && evictForRoom())) {
      exchange.getResponseHeaders().set("Retry-After", "1");
      Replies.text(
          exchange,
          429,
          "too many waiters: at most " + max + " concurrent /drain/await requests\n");
      return;
    }
    Waiter w = new Waiter(exchange, System.nanoTime(), sidecarMayEvict(exchange));
    parked.add(w);
    try {
      w.timeoutTask =
          timer.schedule(
              () -> answer(w), RequestExecutor.saturatedNanos(timeout), TimeUnit.NANOSECONDS);
      startSweeping();
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

  int parkedCount() {
    return count.get();
  }

  private boolean sidecarMayEvict(HttpExchange exchange) {
    return coordinator.isDraining() && StatusHandler.isExactLoopback(exchange.getRemoteAddress());
  }

  /**
   * Answers parked polls until a place is reserved; false if none could be had. The oldest poll
   * that is not a loopback poll of the drain goes first; among those only the newest, so that the
   * sidecar's hook, the first such poll, is the last to go.
   */
  private boolean evictForRoom() {
    for (int attempt = 0; attempt < 2 * max; attempt++) {
      Waiter victim = null;
      Waiter newestSidecar = null;
      for (Waiter w : parked) {
        if (!w.sidecar) {
          victim = w;
          break;
        }
        newestSidecar = w;
      }
      if (victim == null) {
        victim = newestSidecar;
      }
      if (victim == null) {
        break;
      }
      if (answer(victim)) {
        log.info(
            "drain4j status endpoint: /drain/await from {} answered early to make room for a"
                + " poll from loopback",
            victim.exchange.getRemoteAddress());
      }
      if (reserve()) {
        return true;
      }
    }
    return reserve();
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

  private void startSweeping() {
    if (sweeping.compareAndSet(false, true)) {
      // sweep() catches nothing it must report: its future holds no result worth reading.
      Future<?> unused = timer.schedule(this::sweep, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  /** Frees the places of polls whose clients went away; runs on the timer while any is parked. */
  private void sweep() {
    long readAt = System.nanoTime();
    OpenConnections open = parked.isEmpty() ? null : OpenConnections.read();
    if (open != null) {
      for (Waiter w : parked) {
        // Only polls parked before the table was read: a newer one may simply be missing from it.
        if (w.parkedAt - readAt < 0
            && !open.isOpen(w.exchange.getLocalAddress(), w.exchange.getRemoteAddress())) {
          answer(w); // writes to a closed connection: fails quietly, and the place is free
        }
      }
    }
    sweeping.set(false);
    if (!parked.isEmpty() && !done) {
      try {
        startSweeping();
      } catch (RejectedExecutionException e) {
        // closing: close() answers everyone
      }
    }
  }

  /** Answers once; {@code true} for the call that did. */
  private boolean answer(Waiter w) {
    if (!w.answered.compareAndSet(false, true)) {
      return false;
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
      log.debug("drain4j status endpoint could not answer /drain/await", e);
      w.exchange.close();
    }
    return true;
  }

  private static final class Waiter {
    final HttpExchange exchange;
    final long parkedAt;

    /** A loopback poll made during the drain: the sidecar's hook, evicted last. */
    final boolean sidecar;

    final AtomicBoolean answered = new AtomicBoolean();
    volatile Future<?> timeoutTask;

    Waiter(HttpExchange exchange, long parkedAt, boolean sidecar) {
      this.exchange = exchange;
      this.parkedAt = parkedAt;
      this.sidecar = sidecar;
    }
  }
}

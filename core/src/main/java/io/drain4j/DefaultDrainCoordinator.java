package io.drain4j;

import io.drain4j.status.StatusEndpoint;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator. Admission and completion hinge on one atomic word, {@link #ctl}: the count of
 * units in flight in its low bits, and two flags. Because admission increments the same word that
 * the drain closes with a compare-and-set at zero, no unit can slip in after DRAINED (invariant 1)
 * and DRAINED cannot be reached while a unit is in flight (invariant 2). The last exit observes the
 * zero itself and hands completion to the timer thread at once (invariant 4), so nothing polls.
 *
 * <p><b>Striped while serving.</b> One word shared by every request thread is one cache line
 * bouncing between cores on every enter and exit. Until QUIESCING, nothing needs the exact total,
 * so units are counted in per-thread-striped cells instead ({@link #cells}, one cache line each); a
 * unit remembers its cell and exits there. When QUIESCING begins, {@link #quiesce()} marks every
 * cell {@link #MIGRATED} with an atomic OR that also reads its count, and adds the counts to {@code
 * ctl}, holding a large guard in {@code ctl} meanwhile so that a partial sum can never look like
 * zero. An enter or exit that finds its cell migrated goes to {@code ctl}: from then on the single
 * word above decides, exactly as before. The OR and the cell's increments are ordered on the same
 * word, so each unit is counted in exactly one place.
 */
final class DefaultDrainCoordinator implements DrainCoordinator {
  private static final Logger log = LoggerFactory.getLogger(DrainCoordinator.class);

  /** Set when QUIESCING begins: from then on a count of zero completes the drain. */
  static final long QUIESCING = 1L << 62;

  /** Set when admission closes, at zero (normal) or at the deadline (forced). */
  static final long CLOSED = 1L << 61;

  static final long COUNT = CLOSED - 1;

  /** Set on a cell when its count moved to {@code ctl}; the cell is not used again. */
  static final long MIGRATED = 1L << 62;

  /** Held in ctl while cells move there; no application has 2^40 units in flight. */
  private static final long MIGRATION_GUARD = 1L << 40;

  /** Longs per cell: 128 bytes, so that neither a cache line nor its prefetched pair is shared. */
  private static final int CELL_STRIDE = 16;

  private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);

  private final AtomicLong ctl = new AtomicLong();

  /** Counts per cell while serving and draining, {@link #CELL_STRIDE} longs apart. */
  private final long[] cells;

  private final int cellMask;

  /** Guarded by {@code this}; set once, when the cells' counts moved to {@code ctl}. */
  private boolean migrated;

  private final UnitTable units = new UnitTable();
  private final LongAdder rejected = new LongAdder();
  private final DrainTimer timer;
  private final Duration propagationDelay;
  private final Duration deadline;
  private final Duration outboundCloseTimeout;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final List<OutboundClient> outboundClients = new ArrayList<>();

  private final CompletableFuture<Void> draining = new CompletableFuture<>();
  private final CompletableFuture<Void> quiescing = new CompletableFuture<>();
  private final CompletableFuture<DrainStatus> drained = new CompletableFuture<>();

  /** Guarded by {@code this}; read without the lock through the volatile write order. */
  private volatile DrainState state = DrainState.SERVING;

  private volatile long drainStartNanos;
  private volatile DrainStatus finalStatus;
  private Future<?> quiesceTask;
  private Future<?> deadlineTask;

  private volatile StatusEndpoint statusEndpoint;
  private volatile Thread shutdownHook;

  private DefaultDrainCoordinator(DrainCoordinatorBuilder b) {
    this.timer = b.timer != null ? b.timer : new SystemDrainTimer();
    this.propagationDelay = b.propagationDelay;
    this.deadline = b.deadline;
    this.outboundCloseTimeout = b.outboundCloseTimeout;
    int n = cellCount(Runtime.getRuntime().availableProcessors());
    this.cells = new long[(n + 1) * CELL_STRIDE];
    this.cellMask = n - 1;
  }

  /** Two cells per CPU, rounded up to a power of two, at most {@link TrackedUnit#MAX_CELLS}. */
  static int cellCount(int cpus) {
    int want = Math.max(2, Math.min(cpus, TrackedUnit.MAX_CELLS / 2) * 2);
    return Integer.highestOneBit(want - 1) << 1;
  }

  static DefaultDrainCoordinator start(DrainCoordinatorBuilder b) {
    DefaultDrainCoordinator c = new DefaultDrainCoordinator(b);
    try {
      if (b.statusEnabled) {
        c.statusEndpoint =
            StatusEndpoint.start(c, new InetSocketAddress(b.statusAddress, b.statusPort));
      }
      if (b.shutdownHook) {
        c.installShutdownHook();
      }
    } catch (RuntimeException | Error e) {
      c.close();
      throw e;
    }
    log.info(
        "drain4j serving: propagation delay {}, deadline {}, status endpoint {}",
        Settings.format(c.propagationDelay),
        Settings.format(c.deadline),
        c.statusEndpoint == null ? "off" : c.statusEndpoint.address());
    return c;
  }

  // ---------------------------------------------------------------- admission (hot path)

  @Override
  public InFlight enter(UnitKind kind, String name) {
    Objects.requireNonNull(kind, "kind");
    int cell = cell();
    long w = (long) CELL.getAndAdd(cells, offset(cell), 1L);
    if ((w & MIGRATED) == 0) {
      return track(kind, name, cell);
    }
    // QUIESCING has begun (the increment on a migrated cell is ignored).
    long c = ctl.getAndIncrement();
    if ((c & CLOSED) != 0) {
      release();
      throw new DrainedException(
          "drain4j: the application is drained; "
              + kind.tag()
              + " "
              + (name == null ? "unit" : name)
              + " refused");
    }
    return track(kind, name, TrackedUnit.CENTRAL);
  }

  @Override
  public InFlight admitInbound(String name) {
    int cell = cell();
    int offset = offset(cell);
    // Read first, so that a storm of refused requests does not write to the cell.
    if (((long) CELL.getOpaque(cells, offset) & MIGRATED) == 0) {
      long w = (long) CELL.getAndAdd(cells, offset, 1L);
      if ((w & MIGRATED) == 0) {
        return track(UnitKind.INBOUND, name, cell);
      }
    }
    // The cell has moved to ctl, which only happens once QUIESCING has begun: refused.
    rejected.increment();
    return null;
  }

  /** The calling thread's cell; consecutive thread ids land on different cells. */
  private int cell() {
    return (int) Thread.currentThread().getId() & cellMask;
  }

  /** The array index of a cell; cell 0 starts one stride in, clear of the array header. */
  private static int offset(int cell) {
    return (cell + 1) * CELL_STRIDE;
  }

  private TrackedUnit track(UnitKind kind, String name, int cell) {
    TrackedUnit unit =
        new TrackedUnit(this, kind, name, Thread.currentThread(), timer.coarseNanoTime());
    units.add(unit, cell);
    return unit;
  }

  void exit(TrackedUnit unit) {
    if (units.remove(unit)) {
      int cell = unit.cell();
      if (cell == TrackedUnit.CENTRAL
          || ((long) CELL.getAndAdd(cells, offset(cell), -1L) & MIGRATED) != 0) {
        // Counted in ctl: entered after QUIESCING began, or its cell has moved there since.
        release();
      }
    }
  }

  private void release() {
    if (ctl.decrementAndGet() == QUIESCING) {
      tryComplete();
    }
  }

  /** Closes admission if nothing is in flight; the winner of the CAS completes the drain. */
  private void tryComplete() {
    if (ctl.compareAndSet(QUIESCING, QUIESCING | CLOSED)) {
      timer.execute(() -> finish(false));
    }
  }

  // ---------------------------------------------------------------- lifecycle

  @Override
  public boolean startDrain() {
    synchronized (this) {
      if (state != DrainState.SERVING) {
        return false;
      }
      drainStartNanos = timer.nanoTime();
      state = DrainState.DRAINING;
      deadlineTask = timer.schedule(this::deadlineReached, deadline.toNanos());
      if (!propagationDelay.isZero()) {
        quiesceTask = timer.schedule(this::quiesce, propagationDelay.toNanos());
      }
    }
    logTransition(DrainState.DRAINING);
    // Listeners before futures: whoever waits on a future sees the listeners' work done.
    for (Listener l : listeners) {
      l.deliverUpTo(DrainState.DRAINING, null);
    }
    draining.complete(null);
    if (propagationDelay.isZero()) {
      quiesce();
    }
    return true;
  }

  private void quiesce() {
    synchronized (this) {
      if (state != DrainState.DRAINING) {
        return;
      }
      state = DrainState.QUIESCING;
      // Refuse new inbound requests before anyone hears of QUIESCING: a listener or a waiter on
      // the future must be able to rely on it. Under the lock, so that the deadline, which takes
      // it too, always finds every unit counted in ctl.
      migrateCells();
    }
    logTransition(DrainState.QUIESCING);
    for (Listener l : listeners) {
      l.deliverUpTo(DrainState.QUIESCING, null);
    }
    quiescing.complete(null);
  }

  /**
   * Moves every cell's count into ctl and sets QUIESCING there. A unit whose cell has been marked
   * may exit (and decrement ctl) before that cell's count has been added, so ctl holds a guard far
   * larger than any count meanwhile: a partial sum can then never read as zero.
   */
  private void migrateCells() {
    if (migrated) {
      return;
    }
    migrated = true;
    ctl.getAndUpdate(v -> (v | QUIESCING) + MIGRATION_GUARD);
    long moved = 0;
    for (int cell = 0; cell <= cellMask; cell++) {
      moved += (long) CELL.getAndBitwiseOr(cells, offset(cell), MIGRATED);
    }
    // Completes at once if nothing is in flight; otherwise the last exit will.
    if (ctl.addAndGet(moved - MIGRATION_GUARD) == QUIESCING) {
      tryComplete();
    }
  }

  private void deadlineReached() {
    // Normally long done; if the timer was late, QUIESCING comes first, so that every unit is
    // counted in ctl before admission closes.
    quiesce();
    long c;
    do {
      c = ctl.get();
      if ((c & CLOSED) != 0) {
        return;
      }
    } while (!ctl.compareAndSet(c, c | QUIESCING | CLOSED));
    boolean forced = (c & COUNT) != 0;
    List<TrackedUnit> left = new ArrayList<>();
    units.forEach(left::add);
    StringBuilder report = new StringBuilder();
    long now = timer.coarseNanoTime();
    for (TrackedUnit u : left) {
      report
          .append("\n  ")
          .append(u.kind.tag())
          .append(' ')
          .append(u.name == null ? "(unnamed)" : u.name)
          .append(" age=")
          .append(TimeUnit.NANOSECONDS.toMillis(Math.max(0, now - u.startNanos)))
          .append("ms thread=")
          .append(u.thread.getName());
    }
    if (forced) {
      log.warn(
          "drain4j deadline of {} reached with {} unit(s) still in flight; forcing DRAINED:{}",
          Settings.format(deadline),
          left.size(),
          report);
    }
    finish(forced);
  }

  /** Runs once, on the timer thread, after admission closed. */
  private void finish(boolean forced) {
    synchronized (this) {
      if (state == DrainState.DRAINED) {
        return;
      }
    }
    closeOutboundClients();
    DrainStatus status;
    synchronized (this) {
      long now = timer.nanoTime();
      status = snapshot(DrainState.DRAINED, forced, now);
      finalStatus = status;
      state = DrainState.DRAINED;
      if (deadlineTask != null) {
        deadlineTask.cancel(false);
      }
      if (quiesceTask != null) {
        quiesceTask.cancel(false);
      }
    }
    log.info(
        "drain4j DRAINED{} after {} ms: inflight inbound={} outbound={} background={}",
        forced ? " (forced)" : "",
        status.drainElapsedMs(),
        status.inbound(),
        status.outbound(),
        status.background());
    for (Listener l : listeners) {
      l.deliverUpTo(DrainState.DRAINED, status);
    }
    quiescing.complete(null);
    drained.complete(status);
  }

  private void closeOutboundClients() {
    List<OutboundClient> clients;
    synchronized (outboundClients) {
      clients = new ArrayList<>(outboundClients);
    }
    for (int i = clients.size() - 1; i >= 0; i--) {
      clients.get(i).close(outboundCloseTimeout);
    }
  }

  private void logTransition(DrainState to) {
    if (log.isInfoEnabled()) {
      log.info(
          "drain4j {}: inflight inbound={} outbound={} background={}",
          to,
          inflight(UnitKind.INBOUND),
          inflight(UnitKind.OUTBOUND),
          inflight(UnitKind.BACKGROUND));
    }
  }

  // ---------------------------------------------------------------- observation

  @Override
  public boolean isDraining() {
    return state != DrainState.SERVING;
  }

  @Override
  public DrainState state() {
    return state;
  }

  @Override
  public DrainStatus status() {
    DrainStatus done = finalStatus;
    if (done != null) {
      // Frozen timings, live counts: after a forced drain, stragglers are still worth seeing.
      int[] counts = new int[3];
      long oldest = scan(counts, timer.coarseNanoTime());
      return new DrainStatus(
          done.state(),
          done.forced(),
          counts[0],
          counts[1],
          counts[2],
          oldest,
          done.drainElapsedMs(),
          done.deadlineRemainingMs());
    }
    return snapshot(state, false, timer.nanoTime());
  }

  private DrainStatus snapshot(DrainState s, boolean forced, long now) {
    int[] counts = new int[3];
    long oldest = scan(counts, timer.coarseNanoTime());
    long elapsed = 0;
    long remaining = deadline.toMillis();
    if (s != DrainState.SERVING) {
      elapsed = TimeUnit.NANOSECONDS.toMillis(now - drainStartNanos);
      remaining = Math.max(0, remaining - elapsed);
    }
    return new DrainStatus(s, forced, counts[0], counts[1], counts[2], oldest, elapsed, remaining);
  }

  /** Counts units per kind into {@code counts}; answers the age in ms of the oldest. */
  private long scan(int[] counts, long now) {
    long[] oldest = {Long.MAX_VALUE};
    units.forEach(
        u -> {
          switch (u.kind) {
            case INBOUND -> counts[0]++;
            case OUTBOUND -> counts[1]++;
            case BACKGROUND -> counts[2]++;
          }
          if (u.startNanos < oldest[0]) {
            oldest[0] = u.startNanos;
          }
        });
    return oldest[0] == Long.MAX_VALUE
        ? 0
        : TimeUnit.NANOSECONDS.toMillis(Math.max(0, now - oldest[0]));
  }

  @Override
  public int inflight(UnitKind kind) {
    Objects.requireNonNull(kind, "kind");
    int[] n = {0};
    units.forEach(
        u -> {
          if (u.kind == kind) {
            n[0]++;
          }
        });
    return n[0];
  }

  @Override
  public long rejectedCount() {
    return rejected.sum();
  }

  @Override
  public CompletableFuture<Void> whenDraining() {
    return draining.copy();
  }

  @Override
  public CompletableFuture<Void> whenQuiescing() {
    return quiescing.copy();
  }

  @Override
  public CompletableFuture<DrainStatus> whenDrained() {
    return drained.copy();
  }

  @Override
  public boolean awaitDrained(Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative: " + timeout);
    }
    try {
      drained.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("drain failed", e.getCause());
    }
  }

  @Override
  public void addListener(DrainListener listener) {
    Listener l = new Listener(Objects.requireNonNull(listener, "listener"));
    DrainState seen;
    synchronized (this) {
      listeners.add(l);
      seen = state;
    }
    // Catch up on what already happened; the per-listener stage makes this race-free with a
    // transition delivering concurrently: each callback runs once, in order.
    l.deliverUpTo(seen, finalStatus);
  }

  /** A listener with the last stage delivered to it, so each callback runs exactly once. */
  private static final class Listener {
    private final DrainListener delegate;
    private final AtomicReference<DrainState> delivered = new AtomicReference<>(DrainState.SERVING);

    Listener(DrainListener delegate) {
      this.delegate = delegate;
    }

    void deliverUpTo(DrainState target, DrainStatus status) {
      for (DrainState s = delivered.get(); s.compareTo(target) < 0; s = delivered.get()) {
        DrainState next =
            switch (s) {
              case SERVING -> DrainState.DRAINING;
              case DRAINING -> DrainState.QUIESCING;
              default -> DrainState.DRAINED;
            };
        if (!delivered.compareAndSet(s, next)) {
          continue;
        }
        try {
          switch (next) {
            case DRAINING -> delegate.onDraining();
            case QUIESCING -> delegate.onQuiescing();
            default -> delegate.onDrained(status);
          }
        } catch (RuntimeException e) {
          log.warn("drain4j listener {} failed on {}", delegate, next, e);
        }
      }
    }
  }

  // ---------------------------------------------------------------- outbound and background

  @Override
  public void registerOutboundClient(String name, AutoCloseable client) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(client, "client");
    synchronized (outboundClients) {
      if ((ctl.get() & CLOSED) != 0) {
        throw new DrainedException(
            "drain4j: the application is drained; outbound client "
                + name
                + " cannot be registered");
      }
      outboundClients.add(new OutboundClient(name, client));
    }
  }

  @Override
  public Executor trackExecutor(Executor executor) {
    return new TrackedExecutor(this, Objects.requireNonNull(executor, "executor"));
  }

  @Override
  public ExecutorService trackExecutorService(ExecutorService executor) {
    return new TrackedExecutorService(this, Objects.requireNonNull(executor, "executor"));
  }

  // ---------------------------------------------------------------- configuration and resources

  @Override
  public Duration propagationDelay() {
    return propagationDelay;
  }

  @Override
  public Duration deadline() {
    return deadline;
  }

  @Override
  public InetSocketAddress statusAddress() {
    StatusEndpoint endpoint = statusEndpoint;
    return endpoint == null ? null : endpoint.address();
  }

  private void installShutdownHook() {
    Thread hook =
        new Thread(
            () -> {
              if (startDrain()) {
                log.info("drain4j: JVM shutdown requested, draining before exit");
              }
              drained.join();
              // The JVM halts as soon as the hooks return, daemon threads mid-write included:
              // the endpoint finishes its answers to the preStop hook's long polls first.
              closeStatusEndpoint();
            },
            "drain4j-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    shutdownHook = hook;
  }

  @Override
  public void close() {
    closeStatusEndpoint();
    Thread hook = shutdownHook;
    shutdownHook = null;
    if (hook != null && Thread.currentThread() != hook) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is already shutting down; the hook is running or about to.
      }
    }
    // During a drain the timer still has work to do; it stops itself once DRAINED.
    if (state == DrainState.SERVING || state == DrainState.DRAINED) {
      timer.shutdown();
    } else {
      // drained never completes exceptionally; the stage only orders the shutdown after it.
      CompletableFuture<?> unused = drained.whenComplete((s, e) -> timer.shutdown());
    }
  }

  private void closeStatusEndpoint() {
    // StatusEndpoint.close() is idempotent, so a racing second caller is harmless.
    StatusEndpoint endpoint = statusEndpoint;
    statusEndpoint = null;
    if (endpoint != null) {
      endpoint.close();
    }
  }

  @Override
  public String toString() {
    return "DrainCoordinator[" + state + "]";
  }
}

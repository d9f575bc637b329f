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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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

  private static final VarHandle LAST_ARRIVAL;

  static {
    try {
      LAST_ARRIVAL =
          MethodHandles.lookup()
              .findVarHandle(DefaultDrainCoordinator.class, "lastArrivalNanos", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

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

  /** {@code drain4j.quiet-period} in ns; 0 when off. */
  private final long quietNanos;

  private final Duration minPropagationDelay;
  private final Duration terminationGracePeriod;

  /**
   * Set while DRAINING with a quiet period: only then does an inbound admission note its time in
   * {@link #lastArrivalNanos}, so that serving pays one read of this flag and nothing else.
   */
  private volatile boolean watchingArrivals;

  /**
   * When the last inbound unit was admitted while DRAINING (or the drain's start). Written opaque
   * by request threads, read by the timer thread: a write seen late only makes one quiet check find
   * the period over while a request is being admitted at that very moment, which is admitted and
   * served all the same.
   */
  @SuppressWarnings("unused") // accessed through LAST_ARRIVAL
  private long lastArrivalNanos;

  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final List<OutboundClient> outboundClients = new ArrayList<>();

  private final CompletableFuture<Void> draining = new CompletableFuture<>();
  private final CompletableFuture<Void> quiescing = new CompletableFuture<>();
  private final CompletableFuture<DrainStatus> drained = new CompletableFuture<>();

  /** Completed the moment the state becomes DRAINED, before any listener hears of it. */
  private final CompletableFuture<Void> reported = new CompletableFuture<>();

  /** Completed once every registered client has been closed (or its close timed out). */
  private final CompletableFuture<Void> clientsClosed = new CompletableFuture<>();

  /** Guarded by {@code outboundClients}: set once the drain began closing them. */
  private boolean clientsClosing;

  private final AtomicBoolean haltArmed = new AtomicBoolean();

  /**
   * Runs listener callbacks, off the timer thread so that no callback can delay the deadline. Idle
   * threads end after a few seconds, so a coordinator that never drains keeps none.
   */
  private final ExecutorService callbacks = newCallbackPool();

  /** How long a transition's future waits for slow listeners: {@value} ns. */
  static final long LISTENER_BUDGET_NANOS = 250_000_000L;

  /** How long the JVM may take to exit after DRAINED before drain4j's hook halts it. */
  static final Duration EXIT_GRACE = Duration.ofMillis(900);

  /** The exit status of a halt: what a SIGTERM gives. */
  static final int HALT_STATUS = 143;

  /** How often the JVM hook looks for threads stuck in {@code System.exit}: {@value} ns. */
  private static final long EXIT_SCAN_NANOS = 250_000_000L;

  /** Guarded by {@code this}; read without the lock through the volatile write order. */
  private volatile DrainState state = DrainState.SERVING;

  private volatile long drainStartNanos;
  private volatile DrainStatus finalStatus;
  private Future<?> quiesceTask;
  private Future<?> quietTask;
  private Future<?> deadlineTask;

  private volatile StatusEndpoint statusEndpoint;
  private volatile Thread shutdownHook;

  /**
   * Every coordinator of this JVM, held weakly: the exit bound of one does not halt the JVM while
   * another has not reached DRAINED yet (Spring's test context cache, or two contexts in one
   * application, closes its contexts one after the other during JVM shutdown).
   */
  private static final java.util.Set<DefaultDrainCoordinator> ALL =
      java.util.Collections.synchronizedSet(
          java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>()));

  private DefaultDrainCoordinator(DrainCoordinatorBuilder b) {
    ALL.add(this);
    this.timer = b.timer != null ? b.timer : new SystemDrainTimer();
    this.propagationDelay = b.propagationDelay;
    this.deadline = b.deadline;
    this.outboundCloseTimeout = b.outboundCloseTimeout;
    this.quietNanos = b.quietPeriod.toNanos();
    this.minPropagationDelay = b.minPropagationDelay;
    this.terminationGracePeriod = b.terminationGracePeriod;
    int n = cellCount(Runtime.getRuntime().availableProcessors());
    this.cells = new long[(n + 1) * CELL_STRIDE];
    this.cellMask = n - 1;
  }

  private static ExecutorService newCallbackPool() {
    AtomicLong n = new AtomicLong();
    return new ThreadPoolExecutor(
        0,
        Integer.MAX_VALUE,
        5,
        TimeUnit.SECONDS,
        new SynchronousQueue<>(),
        r -> {
          Thread t = new Thread(r, "drain4j-callback-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
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
        "drain4j serving: propagation delay {}{}, deadline {}, status endpoint {}",
        Settings.format(c.propagationDelay),
        c.quietNanos == 0
            ? ""
            : " (quiet period "
                + Settings.format(Duration.ofNanos(c.quietNanos))
                + ", at least "
                + Settings.format(c.minPropagationDelay)
                + ")",
        Settings.format(c.deadline),
        c.statusEndpoint == null ? "off" : c.statusEndpoint.address());
    String budget = graceBudgetWarning(c.propagationDelay, c.deadline, c.terminationGracePeriod);
    if (budget != null) {
      log.warn(budget);
    }
    return c;
  }

  /**
   * The start-up warning of {@code drain4j.termination-grace-period}, or {@code null} when the
   * drain fits the pod's grace period (or none is configured).
   */
  static String graceBudgetWarning(Duration propagationDelay, Duration deadline, Duration grace) {
    if (grace == null) {
      return null;
    }
    Duration needed = propagationDelay.plus(deadline).plus(Settings.GRACE_PERIOD_MARGIN);
    if (needed.compareTo(grace) <= 0) {
      return null;
    }
    return "drain4j: "
        + Settings.PROPAGATION_DELAY
        + "="
        + Settings.format(propagationDelay)
        + " + "
        + Settings.DEADLINE
        + "="
        + Settings.format(deadline)
        + " + "
        + Settings.format(Settings.GRACE_PERIOD_MARGIN)
        + " = "
        + Settings.format(needed)
        + " exceeds "
        + Settings.TERMINATION_GRACE_PERIOD
        + "="
        + Settings.format(grace)
        + ": the pod may be killed before its drain ends; raise the pod's"
        + " terminationGracePeriodSeconds or lower the deadline";
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
    if (watchingArrivals && kind == UnitKind.INBOUND) {
      LAST_ARRIVAL.setOpaque(this, timer.nanoTime());
    }
    try {
      TrackedUnit unit =
          new TrackedUnit(this, kind, name, Thread.currentThread(), timer.coarseNanoTime());
      units.add(unit, cell);
      return unit;
    } catch (RuntimeException | Error e) {
      // Counted but not tracked (the table is full, or memory ran out): take the count back, or
      // it would hold the drain to the deadline.
      uncount(cell);
      throw e;
    }
  }

  void exit(TrackedUnit unit) {
    if (units.remove(unit)) {
      uncount(unit.cell());
    }
  }

  private void uncount(int cell) {
    if (cell == TrackedUnit.CENTRAL
        || ((long) CELL.getAndAdd(cells, offset(cell), -1L) & MIGRATED) != 0) {
      // Counted in ctl: entered after QUIESCING began, or its cell has moved there since.
      release();
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
      Runnable done = guarded("completion", this::workDone);
      try {
        timer.execute(done);
      } catch (RejectedExecutionException e) {
        done.run(); // the timer is gone; the exiting thread must not be the one to fail
      }
    }
  }

  // ---------------------------------------------------------------- lifecycle

  @Override
  public boolean startDrain() {
    return startDrain("API (DrainCoordinator.startDrain)");
  }

  @Override
  public boolean startDrain(String trigger) {
    Objects.requireNonNull(trigger, "trigger");
    synchronized (this) {
      if (state != DrainState.SERVING) {
        return false;
      }
      long now = timer.nanoTime();
      drainStartNanos = now;
      if (quietNanos != 0) {
        LAST_ARRIVAL.setOpaque(this, now);
        watchingArrivals = true;
        // The first moment the quiet period can end: the minimum delay, or one quiet period of
        // silence, whichever is later. Past the propagation delay its own task ends DRAINING.
        long first = Math.max(minPropagationDelay.toNanos(), quietNanos);
        if (first < propagationDelay.toNanos()) {
          quietTask = timer.schedule(guarded("quiet period", this::quietCheck), first);
        }
      }
      state = DrainState.DRAINING;
      deadlineTask = timer.schedule(guarded("deadline", this::deadlineReached), deadline.toNanos());
    }
    log.info("drain4j: drain started (trigger: {})", trigger);
    logTransition(DrainState.DRAINING);
    dispatch(DrainState.DRAINING, null, () -> draining.complete(null));
    // QUIESCING always comes from the timer thread, a zero delay included, so that the
    // transitions (and their log lines) are ordered: DRAINING, QUIESCING, DRAINED.
    Runnable quiesce = guarded("propagation delay", this::quiesce);
    if (propagationDelay.isZero()) {
      timer.execute(quiesce);
    } else {
      Future<?> task = timer.schedule(quiesce, propagationDelay.toNanos());
      synchronized (this) {
        quiesceTask = task;
      }
    }
    return true;
  }

  /**
   * Ends DRAINING if no inbound request arrived for the quiet period; otherwise looks again when
   * the period since the last arrival will have passed. No polling: each new look follows an
   * arrival, and none is taken past the propagation delay, whose own task ends DRAINING then.
   */
  private void quietCheck() {
    long now = timer.nanoTime();
    synchronized (this) {
      if (state != DrainState.DRAINING) {
        return;
      }
      long due = (long) LAST_ARRIVAL.getOpaque(this) + quietNanos;
      if (due - now > 0) {
        long end = drainStartNanos + propagationDelay.toNanos();
        quietTask =
            end - due > 0
                ? timer.schedule(guarded("quiet period", this::quietCheck), due - now)
                : null;
        return;
      }
    }
    log.info(
        "drain4j: no new inbound request for {} after {} of draining; quiescing before the"
            + " propagation delay of {}",
        Settings.format(Duration.ofNanos(quietNanos)),
        Settings.format(Duration.ofNanos(now - drainStartNanos)),
        Settings.format(propagationDelay));
    quiesce();
  }

  private void quiesce() {
    synchronized (this) {
      if (state != DrainState.DRAINING) {
        return;
      }
      state = DrainState.QUIESCING;
      watchingArrivals = false;
      // Whichever ended DRAINING, the other task has nothing left to do.
      cancel(quietTask);
      cancel(quiesceTask);
      // Refuse new inbound requests before anyone hears of QUIESCING: a listener or a waiter on
      // the future must be able to rely on it. Under the lock, so that the deadline, which takes
      // it too, always finds every unit counted in ctl.
      migrateCells();
    }
    logTransition(DrainState.QUIESCING);
    dispatch(DrainState.QUIESCING, null, () -> quiescing.complete(null));
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

  /** The work reached zero (admission is closed): close the clients, then report DRAINED. */
  private void workDone() {
    Runnable report = guarded("completion", () -> report(false));
    closeOutboundClients(
        () -> {
          try {
            timer.execute(report);
          } catch (RejectedExecutionException e) {
            report.run(); // the timer stopped (a forced drain, then close()): report here
          }
        });
  }

  private void deadlineReached() {
    forceEnd("deadline of " + Settings.format(deadline) + " reached", false);
  }

  /**
   * Ends the drain now, whatever is still in flight: at the deadline, or when the coordinator is
   * closed while serving. Never waits for anything but its own bookkeeping, so that DRAINED is
   * reported on time whatever the application's callbacks and clients do.
   */
  private void forceEnd(String reason, boolean mayWaitForClients) {
    // Normally long done; if the timer was late, QUIESCING comes first, so that every unit is
    // counted in ctl before admission closes.
    quiesce();
    long c;
    do {
      c = ctl.get();
      if ((c & CLOSED) != 0) {
        break;
      }
    } while (!ctl.compareAndSet(c, c | QUIESCING | CLOSED));
    if (state == DrainState.DRAINED) {
      return;
    }
    StringBuilder report = new StringBuilder();
    int left = 0;
    if ((c & CLOSED) == 0 && (c & COUNT) != 0) {
      left = describeUnits(report);
    }
    // What is left is closed now (or is closing already), without waiting at the deadline.
    closeOutboundClients(() -> {});
    if (mayWaitForClients && left == 0) {
      // close() on an idle coordinator: its caller may wait for the clients, bounded.
      awaitQuietly(clientsClosed, outboundCloseTimeout.multipliedBy(stillClosing().size() + 1L));
    }
    List<String> closing = clientsClosed.isDone() ? List.of() : stillClosing();
    for (String name : closing) {
      report.append("\n  outbound client ").append(name).append(" still closing");
    }
    boolean forced = left > 0 || !clientsClosed.isDone();
    if (forced) {
      log.warn(
          "drain4j {} with {} unit(s) still in flight; forcing DRAINED:{}", reason, left, report);
    }
    report(forced);
  }

  private static void cancel(Future<?> task) {
    if (task != null) {
      task.cancel(false);
    }
  }

  private static void awaitQuietly(CompletableFuture<?> f, Duration timeout) {
    try {
      f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // bounded: what is still closing is named in the report
    }
  }

  /** Appends one line per unit still in flight; answers their number. */
  private int describeUnits(StringBuilder report) {
    List<TrackedUnit> left = new ArrayList<>();
    units.forEach(left::add);
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
    return left.size();
  }

  /** Reports DRAINED, once. */
  private void report(boolean forced) {
    DrainStatus status;
    synchronized (this) {
      if (state == DrainState.DRAINED) {
        return;
      }
      long now = timer.nanoTime();
      status = snapshot(DrainState.DRAINED, forced, now);
      finalStatus = status;
      state = DrainState.DRAINED;
      cancel(deadlineTask);
      cancel(quiesceTask);
      cancel(quietTask);
    }
    reported.complete(null);
    log.info(
        "drain4j DRAINED{} after {} ms: inflight inbound={} outbound={} background={}",
        forced ? " (forced)" : "",
        status.drainElapsedMs(),
        status.inbound(),
        status.outbound(),
        status.background());
    dispatch(
        DrainState.DRAINED,
        status,
        () -> {
          quiescing.complete(null);
          drained.complete(status);
        });
  }

  /**
   * Closes the registered clients once, in reverse order of registration, on a thread of its own
   * (each close bounded by the outbound close timeout), then runs {@code then}. A later call (the
   * deadline while the clients still close) runs {@code then} at once.
   */
  private void closeOutboundClients(Runnable then) {
    List<OutboundClient> clients;
    synchronized (outboundClients) {
      if (clientsClosing) {
        clients = null;
      } else {
        clientsClosing = true;
        clients = new ArrayList<>(outboundClients);
      }
    }
    if (clients == null) {
      then.run();
      return;
    }
    if (clients.isEmpty()) {
      clientsClosed.complete(null);
      then.run();
      return;
    }
    Thread closer =
        new Thread(
            () -> {
              try {
                for (int i = clients.size() - 1; i >= 0; i--) {
                  OutboundClient client = clients.get(i);
                  client.close(outboundCloseTimeout);
                  synchronized (outboundClients) {
                    outboundClients.remove(client);
                  }
                }
              } finally {
                clientsClosed.complete(null);
                then.run();
              }
            },
            "drain4j-close-clients");
    closer.setDaemon(true);
    closer.start();
  }

  /** Names of the registered clients that have not been closed yet. */
  private List<String> stillClosing() {
    List<String> names = new ArrayList<>();
    synchronized (outboundClients) {
      if (clientsClosing) {
        for (OutboundClient c : outboundClients) {
          names.add(c.name());
        }
      }
    }
    return names;
  }

  /**
   * Delivers a transition to every listener on the callback threads, and completes the transition's
   * future once they all returned or after {@link #LISTENER_BUDGET_NANOS}, whichever is first:
   * listeners before futures, so that whoever waits on a future sees the listeners' work done, but
   * a listener that blocks cannot hold the futures (and the JVM hook) back.
   */
  private void dispatch(DrainState stage, DrainStatus status, Runnable completeFuture) {
    List<Listener> all = new ArrayList<>(listeners);
    if (all.isEmpty()) {
      completeOnCallbackThread(completeFuture);
      return;
    }
    CompletableFuture<?>[] reached = new CompletableFuture<?>[all.size()];
    for (int i = 0; i < reached.length; i++) {
      reached[i] = all.get(i).request(stage, status, false);
    }
    CompletableFuture<Void> allDone = CompletableFuture.allOf(reached);
    if (allDone.isDone()) {
      completeOnCallbackThread(completeFuture);
      return;
    }
    AtomicBoolean once = new AtomicBoolean();
    // Completed on a callback thread of its own: what waits on the future (thenRun, the JVM hook)
    // then runs neither on a listener's thread, where it would hold that listener's later
    // callbacks, nor on the timer, where it would hold the deadline.
    Runnable complete =
        () -> {
          if (once.compareAndSet(false, true)) {
            completeOnCallbackThread(completeFuture);
          }
        };
    CompletableFuture<?> unused = allDone.whenComplete((v, e) -> complete.run());
    try {
      Future<?> budget =
          timer.schedule(
              guarded(
                  "listener budget",
                  () -> {
                    if (!once.get()) {
                      log.warn(
                          "drain4j: listener(s) still running {} ms after {}: {}; going on",
                          TimeUnit.NANOSECONDS.toMillis(LISTENER_BUDGET_NANOS),
                          stage,
                          busy(all, stage));
                    }
                    complete.run();
                  }),
              LISTENER_BUDGET_NANOS);
      // The budget task is dropped once every listener returned; the stage itself is unused.
      CompletableFuture<?> unusedStage = allDone.whenComplete((v, e) -> budget.cancel(false));
    } catch (RejectedExecutionException e) {
      complete.run(); // the timer has stopped: nothing is left to wait for
    }
  }

  private void completeOnCallbackThread(Runnable completeFuture) {
    try {
      callbacks.execute(completeFuture);
    } catch (RuntimeException | Error e) {
      completeFuture.run(); // no thread to be had: here rather than never
    }
  }

  private static List<DrainListener> busy(List<Listener> all, DrainState stage) {
    List<DrainListener> names = new ArrayList<>();
    for (Listener l : all) {
      if (!l.reached(stage).isDone()) {
        names.add(l.delegate);
      }
    }
    return names;
  }

  /** Wraps a timer task so that nothing it throws, an Error included, goes unlogged. */
  private static Runnable guarded(String what, Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (Throwable t) {
        log.error("drain4j: {} task failed", what, t);
      }
    };
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
    DrainStatus status;
    synchronized (this) {
      listeners.add(l);
      seen = state;
      status = finalStatus;
    }
    // Catch up on what already happened, on this thread; a transition delivered concurrently
    // queues behind it on the same listener: each callback runs once, in order.
    if (seen != DrainState.SERVING) {
      CompletableFuture<Void> unused = l.request(seen, status, true);
    }
  }

  /**
   * A listener and what has been delivered to it. Deliveries to one listener run one at a time, in
   * order, on a callback thread (or on the thread that added it, for the catch-up); different
   * listeners run side by side, so one that blocks holds back only itself.
   */
  private final class Listener {
    final DrainListener delegate;

    /** Guarded by {@code this}: the last stage asked for, and DRAINED's status. */
    private DrainState target = DrainState.SERVING;

    private DrainStatus status;

    /** Written only by the thread holding {@link #running}. */
    private volatile DrainState delivered = DrainState.SERVING;

    private final AtomicBoolean running = new AtomicBoolean();

    /** Completed once the callback of DRAINING, QUIESCING, DRAINED returned (or threw). */
    private final List<CompletableFuture<Void>> reached =
        List.of(new CompletableFuture<>(), new CompletableFuture<>(), new CompletableFuture<>());

    Listener(DrainListener delegate) {
      this.delegate = delegate;
    }

    CompletableFuture<Void> reached(DrainState stage) {
      return reached.get(
          switch (stage) {
            case SERVING, DRAINING -> 0;
            case QUIESCING -> 1;
            case DRAINED -> 2;
          });
    }

    /** Asks for delivery up to {@code stage}; answers the future of that stage's callback. */
    CompletableFuture<Void> request(DrainState stage, DrainStatus drainedStatus, boolean inline) {
      synchronized (this) {
        if (drainedStatus != null) {
          status = drainedStatus;
        }
        if (stage.compareTo(target) > 0) {
          target = stage;
        }
      }
      if (running.compareAndSet(false, true)) {
        if (inline) {
          run();
        } else {
          try {
            callbacks.execute(this::run);
          } catch (RuntimeException | Error e) {
            // No thread could be had: deliver here rather than never.
            run();
          }
        }
      }
      return reached(stage);
    }

    /** Runs while holding {@link #running}; delivers what is pending, then lets go. */
    private void run() {
      while (true) {
        deliverPending();
        running.set(false);
        synchronized (this) {
          if (delivered.compareTo(target) >= 0) {
            return;
          }
        }
        if (!running.compareAndSet(false, true)) {
          return; // another thread took over
        }
      }
    }

    private void deliverPending() {
      while (true) {
        DrainState next;
        DrainStatus drainedStatus;
        synchronized (this) {
          if (delivered.compareTo(target) >= 0) {
            return;
          }
          next =
              switch (delivered) {
                case SERVING -> DrainState.DRAINING;
                case DRAINING -> DrainState.QUIESCING;
                default -> DrainState.DRAINED;
              };
          drainedStatus = status;
        }
        try {
          switch (next) {
            case DRAINING -> delegate.onDraining();
            case QUIESCING -> delegate.onQuiescing();
            default -> delegate.onDrained(drainedStatus);
          }
        } catch (Throwable t) {
          // Errors too: a NoClassDefFoundError from an optional dependency must not wedge the
          // drain, and is worth a log line rather than a silent stop.
          log.warn("drain4j listener {} failed on {}", delegate, next, t);
        } finally {
          delivered = next;
          reached(next).complete(null);
        }
      }
    }
  }

  // ---------------------------------------------------------------- outbound and background

  @Override
  public Registration registerOutboundClient(String name, AutoCloseable client) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(client, "client");
    OutboundClient registered = new OutboundClient(name, client);
    synchronized (outboundClients) {
      if ((ctl.get() & CLOSED) != 0 || clientsClosing) {
        throw new DrainedException(
            "drain4j: the application is drained; outbound client "
                + name
                + " cannot be registered");
      }
      outboundClients.add(registered);
    }
    return () -> {
      synchronized (outboundClients) {
        outboundClients.remove(registered);
      }
    };
  }

  /** Registered clients not yet closed or deregistered, for tests. */
  int outboundClientCount() {
    synchronized (outboundClients) {
      return outboundClients.size();
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
    Thread hook = new Thread(this::onJvmShutdown, "drain4j-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    shutdownHook = hook;
  }

  /**
   * The JVM hook (SIGTERM, {@code System.exit}): drains, and keeps the JVM alive until DRAINED, but
   * never longer than the remaining deadline plus a second, whatever happens in the coordinator.
   */
  private void onJvmShutdown() {
    haltAfterDrained(EXIT_GRACE);
    startDrain("JVM shutdown hook: SIGTERM or System.exit");
    long limit = timer.nanoTime() + deadline.toNanos() + TimeUnit.SECONDS.toNanos(1);
    try {
      while (true) {
        // A thread that called System.exit from inside a unit waits for this hook: its unit can
        // never end by itself, so it is ended here instead of holding the drain to the deadline.
        releaseExitingThreads();
        long left = limit - timer.nanoTime();
        if (left <= 0) {
          log.error("drain4j: not DRAINED within the deadline plus 1 s; letting the JVM exit");
          break;
        }
        try {
          drained.get(Math.min(left, EXIT_SCAN_NANOS), TimeUnit.NANOSECONDS);
          break;
        } catch (TimeoutException e) {
          // scan again
        } catch (ExecutionException e) {
          break; // never completed exceptionally; nothing to wait for
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // The JVM halts as soon as the hooks return, daemon threads mid-write included: the endpoint
    // finishes its answers to the preStop hook's long polls first.
    closeStatusEndpoint();
  }

  /** Ends the inbound units of threads that are blocked in {@code System.exit}. */
  void releaseExitingThreads() {
    if (state == DrainState.DRAINED) {
      return;
    }
    List<TrackedUnit> all = new ArrayList<>();
    units.forEach(all::add);
    java.util.Map<Thread, Boolean> exiting = new java.util.HashMap<>();
    for (TrackedUnit u : all) {
      // Inbound only: a background task or an async call entered by that thread runs elsewhere
      // and is still real work; a request is handled by the thread that admitted it.
      if (u.kind == UnitKind.INBOUND
          && exiting.computeIfAbsent(u.thread, DefaultDrainCoordinator::isInSystemExit)) {
        log.warn(
            "drain4j: {} ended: its thread {} called System.exit and waits for the JVM to exit",
            u,
            u.thread.getName());
        u.exit();
      }
    }
  }

  static boolean isInSystemExit(Thread t) {
    if (t == Thread.currentThread() || !t.isAlive()) {
      return false;
    }
    for (StackTraceElement e : t.getStackTrace()) {
      if ("java.lang.Shutdown".equals(e.getClassName()) && "exit".equals(e.getMethodName())) {
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean haltAfterDrained(Duration grace) {
    Objects.requireNonNull(grace, "grace");
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace must not be negative: " + grace);
    }
    if (!jvmShuttingDown() || !haltArmed.compareAndSet(false, true)) {
      return false;
    }
    long graceNanos = grace.compareTo(Settings.MAX_DURATION) > 0 ? Long.MAX_VALUE : grace.toNanos();
    Thread bound =
        new Thread(
            () -> {
              reported.join();
              park(graceNanos);
              java.util.Set<DefaultDrainCoordinator> waitedFor = new java.util.HashSet<>();
              for (DefaultDrainCoordinator other; (other = undrainedOther(waitedFor)) != null; ) {
                // Another coordinator of this JVM has not reached DRAINED (the next context the
                // shutdown closes, still in its propagation delay): its own drain bounds the
                // exit from here, once; one that never starts draining is waited for no longer
                // than a whole drain of its own would take.
                waitedFor.add(other);
                Duration cap = other.propagationDelay.plus(other.deadline).plus(grace);
                try {
                  other.reported.get(cap.toNanos(), TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.TimeoutException
                    | java.util.concurrent.ExecutionException e) {
                  continue;
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  break;
                }
                park(graceNanos);
              }
              log.warn(
                  "drain4j: the JVM still runs {} after DRAINED (a shutdown hook or the"
                      + " framework's stop blocks; live threads: {}); halting it",
                  Settings.format(grace),
                  liveThreads());
              Runtime.getRuntime().halt(HALT_STATUS);
            },
            "drain4j-exit-bound");
    bound.setDaemon(true);
    bound.start();
    return true;
  }

  private static void park(long nanos) {
    long until = System.nanoTime() + nanos;
    for (long left = nanos; left > 0; left = until - System.nanoTime()) {
      java.util.concurrent.locks.LockSupport.parkNanos(left);
    }
  }

  /** A coordinator of this JVM other than this one, not DRAINED and not waited for yet. */
  private DefaultDrainCoordinator undrainedOther(java.util.Set<DefaultDrainCoordinator> skip) {
    synchronized (ALL) {
      for (DefaultDrainCoordinator c : ALL) {
        if (c != this && !skip.contains(c) && !c.reported.isDone()) {
          return c;
        }
      }
    }
    return null;
  }

  /** Whether the JVM has begun to shut down: it refuses new hooks from then on. */
  static boolean jvmShuttingDown() {
    Thread probe = new Thread(() -> {}, "drain4j-probe");
    try {
      Runtime.getRuntime().addShutdownHook(probe);
    } catch (IllegalStateException e) {
      return true;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(probe);
    } catch (IllegalStateException e) {
      return true;
    }
    return false;
  }

  private static List<String> liveThreads() {
    List<String> names = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (!t.isDaemon() && t != Thread.currentThread()) {
        names.add(t.getName() + " (" + t.getState() + ")");
      }
    }
    return names;
  }

  @Override
  public void close() {
    boolean serving;
    synchronized (this) {
      serving = state == DrainState.SERVING;
      if (serving) {
        drainStartNanos = timer.nanoTime();
        state = DrainState.DRAINING;
      }
    }
    if (serving) {
      // The application is going away without a drain: end the lifecycle, so that nothing that
      // starts a drain later (a JVM hook that won a race with the application's own stop) finds
      // a coordinator half alive.
      logTransition(DrainState.DRAINING);
      dispatch(DrainState.DRAINING, null, () -> draining.complete(null));
      forceEnd("closed while serving", true);
      try {
        drained.get(1, TimeUnit.SECONDS); // bounded: listeners get their budget, no more
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        // never exceptional; a timeout leaves the endpoint to close when the drain completes
      }
    }
    Thread hook = shutdownHook;
    shutdownHook = null;
    if (hook != null && Thread.currentThread() != hook) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is already shutting down; the hook is running or about to.
      }
    }
    if (drained.isDone()) {
      closeStatusEndpoint();
      timer.shutdown();
    } else {
      // During a drain the endpoint keeps answering (the sidecar waits on it) and the timer has
      // work to do: both stop once DRAINED. drained never completes exceptionally.
      CompletableFuture<?> unused =
          drained.whenComplete(
              (s, e) -> {
                closeStatusEndpoint();
                timer.shutdown();
              });
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

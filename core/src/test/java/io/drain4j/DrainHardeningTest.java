package io.drain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Nothing a user or a dependency does stops the drain from ending on time (DESIGN §3 invariant 6):
 * listeners that throw Errors or block, client closes that hang, cancelled and dropped tasks,
 * close() at any time, durations too large to schedule. Time is the test's: a {@link ManualTimer}.
 */
class DrainHardeningTest {
  private static final Duration DELAY = Duration.ofSeconds(5);
  private static final Duration DEADLINE = Duration.ofSeconds(25);

  private final ManualTimer timer = new ManualTimer();
  private final CountDownLatch release = new CountDownLatch(1);
  private DrainCoordinator coordinator;
  private ExecutorService pool;

  private DrainCoordinator coordinator(Duration delay) {
    coordinator =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(false)
            .propagationDelay(delay)
            .deadline(DEADLINE)
            .outboundCloseTimeout(Duration.ofSeconds(60))
            .timer(timer)
            .build();
    return coordinator;
  }

  @AfterEach
  void cleanUp() {
    release.countDown();
    if (pool != null) {
      pool.shutdownNow();
    }
    if (coordinator != null) {
      coordinator.close();
    }
  }

  /** A one-thread pool with the given queue and rejection policy, shut down after the test. */
  private ThreadPoolExecutor onePool(
      java.util.concurrent.BlockingQueue<Runnable> queue,
      java.util.concurrent.RejectedExecutionHandler policy) {
    ThreadPoolExecutor tpe = new ThreadPoolExecutor(1, 1, 1, TimeUnit.MINUTES, queue, policy);
    pool = tpe;
    return tpe;
  }

  /** Submits a task that holds the executor's thread until the test ends; waits until it runs. */
  private void occupy(java.util.concurrent.Executor executor) throws InterruptedException {
    CountDownLatch running = new CountDownLatch(1);
    executor.execute(
        () -> {
          running.countDown();
          block();
        });
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
  }

  /** Waits for the release latch, bounded so that a failing test still ends. */
  private void block() {
    try {
      release.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aListenerThatThrowsAnErrorOnDrainedDoesNotKeepWhenDrainedFromCompleting() throws Exception {
    DrainCoordinator c = coordinator(DELAY);
    c.addListener(
        new DrainListener() {
          @Override
          public void onDrained(DrainStatus status) {
            throw new NoClassDefFoundError("io/micrometer/Missing");
          }
        });
    c.startDrain();
    timer.advance(DELAY);
    assertThat(c.whenDrained().get(10, TimeUnit.SECONDS).forced()).isFalse();
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
  }

  @Test
  void aListenerThatThrowsAnErrorOnDrainingWithNoDelayNeitherFailsTheTriggerNorStallsTheDrain()
      throws Exception {
    DrainCoordinator c = coordinator(Duration.ZERO);
    c.addListener(
        new DrainListener() {
          @Override
          public void onDraining() {
            throw new StackOverflowError("listener");
          }
        });
    assertThat(c.startDrain()).isTrue();
    assertThat(c.whenDrained().get(10, TimeUnit.SECONDS).forced()).isFalse();
  }

  @Test
  void aListenerThatBlocksDelaysNeitherTheTriggerNorTheDeadline() throws Exception {
    DrainCoordinator c = coordinator(DELAY);
    CountDownLatch blocking = new CountDownLatch(1);
    c.addListener(
        new DrainListener() {
          @Override
          public void onDraining() {
            blocking.countDown();
            block();
          }
        });
    c.enter(UnitKind.INBOUND, "GET /slow");
    Thread trigger = new Thread(c::startDrain, "trigger");
    trigger.start();
    assertThat(blocking.await(10, TimeUnit.SECONDS)).isTrue();
    trigger.join(10_000);
    assertThat(trigger.isAlive()).as("startDrain() returned while the listener blocks").isFalse();
    timer.advance(DEADLINE);
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
    assertThat(c.status().forced()).isTrue();
    // The futures wait for listeners, but only for the listener budget.
    timer.advance(Duration.ofNanos(DefaultDrainCoordinator.LISTENER_BUDGET_NANOS));
    assertThat(c.whenDrained().get(10, TimeUnit.SECONDS).forced()).isTrue();
    assertThat(release.getCount()).as("the listener still blocks").isEqualTo(1);
  }

  @Test
  void aListenerThatBlocksHoldsBackOnlyItselfNotTheOtherListeners() throws Exception {
    DrainCoordinator c = coordinator(DELAY);
    List<DrainState> heard = new CopyOnWriteArrayList<>();
    CountDownLatch quiescing = new CountDownLatch(1);
    c.addListener(
        new DrainListener() {
          @Override
          public void onDraining() {
            block();
          }
        });
    c.addListener(
        new DrainListener() {
          @Override
          public void onDraining() {
            heard.add(DrainState.DRAINING);
          }

          @Override
          public void onQuiescing() {
            heard.add(DrainState.QUIESCING);
            quiescing.countDown();
          }
        });
    c.startDrain();
    timer.advance(DELAY);
    assertThat(quiescing.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(heard).containsExactly(DrainState.DRAINING, DrainState.QUIESCING);
  }

  @Test
  void anOutboundClientWhoseCloseHangsCannotPushTheDeadlineBack() throws Exception {
    DrainCoordinator c = coordinator(DELAY);
    CountDownLatch closing = new CountDownLatch(1);
    c.registerOutboundClient(
        "hangs",
        () -> {
          closing.countDown();
          block();
        });
    c.startDrain();
    timer.advance(DELAY); // nothing in flight: the clients start closing
    assertThat(closing.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(c.state()).isEqualTo(DrainState.QUIESCING);
    timer.advance(DEADLINE.minus(DELAY));
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
    assertThat(c.status().forced()).as("a client was still closing").isTrue();
  }

  @Test
  void anOutboundClientWhoseCloseThrowsAnErrorStillLetsTheDrainEnd() throws Exception {
    DrainCoordinator c = coordinator(DELAY);
    c.registerOutboundClient(
        "throws",
        () -> {
          throw new LinkageError("close");
        });
    c.startDrain();
    timer.advance(DELAY);
    assertThat(c.whenDrained().get(10, TimeUnit.SECONDS).forced()).isFalse();
  }

  @Test
  void cancellingARunningTaskDoesNotEndItsUnitWhileTheBodyRunsOn() throws Exception {
    DrainCoordinator c = coordinator(DELAY);
    pool = Executors.newSingleThreadExecutor();
    ExecutorService tracked = c.trackExecutorService(pool);
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch bodyDone = new CountDownLatch(1);
    Future<?> f =
        tracked.submit(
            () -> {
              running.countDown();
              // Ignores interrupts, as a blocking client call often does.
              while (release.getCount() > 0) {
                try {
                  release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  // goes on
                }
              }
              bodyDone.countDown();
            });
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(f.cancel(true)).isTrue();
    assertThat(c.inflight(UnitKind.BACKGROUND)).as("the body still runs").isEqualTo(1);
    c.startDrain();
    timer.advance(DELAY);
    assertThat(c.state()).isEqualTo(DrainState.QUIESCING);
    release.countDown();
    assertThat(bodyDone.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(c.whenDrained().get(10, TimeUnit.SECONDS).forced()).isFalse();
  }

  @Test
  void aTaskCancelledWhileQueuedEndsItsUnitAtOnce() throws Exception {
    DrainCoordinator c = coordinator(DELAY);
    pool = Executors.newSingleThreadExecutor();
    ExecutorService tracked = c.trackExecutorService(pool);
    CountDownLatch running = new CountDownLatch(1);
    Future<?> first =
        tracked.submit(
            () -> {
              running.countDown();
              block();
            });
    assertThat(first.isDone()).isFalse();
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    Future<?> queued = tracked.submit(() -> {});
    assertThat(c.inflight(UnitKind.BACKGROUND)).isEqualTo(2);
    queued.cancel(false);
    assertThat(c.inflight(UnitKind.BACKGROUND)).isEqualTo(1);
  }

  @Test
  void aTaskThatADiscardPolicyDropsEndsItsUnit() throws Exception {
    DrainCoordinator c = coordinator(DELAY);
    ThreadPoolExecutor tpe =
        onePool(new SynchronousQueue<>(), new ThreadPoolExecutor.DiscardPolicy());
    java.util.concurrent.Executor tracked = c.trackExecutor(tpe);
    occupy(tracked);
    Future<?> neverDone = c.trackExecutorService(tpe).submit(() -> {}); // dropped silently
    assertThat(neverDone.isDone()).as("DiscardPolicy leaves the future pending").isFalse();
    tracked.execute(() -> {}); // dropped silently
    assertThat(c.inflight(UnitKind.BACKGROUND)).isEqualTo(1);
  }

  @Test
  void theTaskThatADiscardOldestPolicyDropsEndsItsUnit() throws Exception {
    DrainCoordinator c = coordinator(DELAY);
    ThreadPoolExecutor tpe =
        onePool(new ArrayBlockingQueue<>(1), new ThreadPoolExecutor.DiscardOldestPolicy());
    ExecutorService tracked = c.trackExecutorService(tpe);
    occupy(tracked);
    tracked.execute(() -> {}); // queued, then dropped for the next one
    tracked.execute(() -> {}); // queued
    assertThat(c.inflight(UnitKind.BACKGROUND)).isEqualTo(2);
    release.countDown();
    c.startDrain();
    timer.advance(DELAY);
    assertThat(c.whenDrained().get(10, TimeUnit.SECONDS).forced()).isFalse();
  }

  @Test
  void aDeadlineTooLargeToScheduleIsRefusedAtBuildNamingTheKeyAndTheLimit() {
    assertThatThrownBy(() -> DrainCoordinator.builder().deadline(Duration.ofDays(125_000)))
        .isInstanceOf(DrainConfigException.class)
        .hasMessageContaining("drain4j.deadline=PT3000000H")
        .hasMessageContaining("at most 24h");
    assertThatThrownBy(
            () ->
                DrainCoordinator.builder()
                    .configure(Map.of("drain4j.deadline", "PT2562047788015215H")))
        .isInstanceOf(DrainConfigException.class)
        .hasMessageContaining("drain4j.deadline=PT2562047788015215H");
    assertThatThrownBy(
            () -> DrainCoordinator.builder().configure(Map.of("drain4j.propagation-delay", "25h")))
        .isInstanceOf(DrainConfigException.class)
        .hasMessageContaining("drain4j.propagation-delay=PT25H");
  }

  @Test
  void aDrainStartedAfterCloseIsRefusedCleanlyAndTheLifecycleIsOver() throws Exception {
    DrainCoordinator c = coordinator(DELAY);
    c.close();
    assertThat(c.startDrain()).isFalse();
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
    assertThat(c.whenDrained().get(10, TimeUnit.SECONDS).forced()).isFalse();
    assertThatThrownBy(() -> c.enter(UnitKind.BACKGROUND, "late"))
        .isInstanceOf(DrainedException.class);
  }

  @Test
  void closingWhileServingWithWorkInFlightReportsAForcedDrainAndClosesTheClients()
      throws Exception {
    DrainCoordinator c = coordinator(DELAY);
    CountDownLatch closed = new CountDownLatch(1);
    c.registerOutboundClient("pool", closed::countDown);
    c.enter(UnitKind.INBOUND, "GET /left");
    c.close();
    assertThat(c.whenDrained().get(10, TimeUnit.SECONDS).forced()).isTrue();
    assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void closingARegistrationForgetsTheClientWithoutClosingIt() throws Exception {
    DrainCoordinator c = coordinator(DELAY);
    CountDownLatch kept = new CountDownLatch(1);
    CountDownLatch dropped = new CountDownLatch(1);
    c.registerOutboundClient("kept", kept::countDown);
    DrainCoordinator.Registration r = c.registerOutboundClient("dropped", dropped::countDown);
    r.close();
    r.close();
    assertThat(dropped.getCount()).isEqualTo(1);
    c.startDrain();
    timer.advance(DELAY);
    c.whenDrained().get(10, TimeUnit.SECONDS);
    assertThat(kept.getCount()).isZero();
    assertThat(dropped.getCount()).as("not closed by the drain").isEqualTo(1);
  }

  @Test
  void withNoPropagationDelayAndNothingInFlightTheCallbacksAndFuturesComeInOrder()
      throws Exception {
    // The real timer: the order must hold across threads, with DRAINED following at once. But
    // without its listener budget: a future completes after its listeners returned or 250 ms after
    // the transition, whichever comes first (DrainListener), and on a loaded machine a callback
    // thread can start later than that. The budget is tested on the manual timer, by
    // aListenerThatBlocksDelaysNeitherTheTriggerNorTheDeadline.
    coordinator =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(false)
            .propagationDelay(Duration.ZERO)
            .deadline(Duration.ofSeconds(30))
            .timer(new WithoutListenerBudget(new SystemDrainTimer()))
            .build();
    DrainCoordinator c = coordinator;
    List<String> events = new CopyOnWriteArrayList<>();
    c.addListener(
        new DrainListener() {
          @Override
          public void onDraining() {
            events.add("onDraining");
          }

          @Override
          public void onQuiescing() {
            events.add("onQuiescing");
          }

          @Override
          public void onDrained(DrainStatus status) {
            events.add("onDrained");
          }
        });
    CompletableFuture<Void> quiesced = c.whenQuiescing().thenRun(() -> events.add("whenQuiescing"));
    CompletableFuture<Void> drained = c.whenDrained().thenRun(() -> events.add("whenDrained"));
    Thread trigger = Thread.currentThread();
    List<Thread> callbackThreads = new CopyOnWriteArrayList<>();
    c.addListener(
        new DrainListener() {
          @Override
          public void onQuiescing() {
            callbackThreads.add(Thread.currentThread());
          }
        });
    assertThat(c.startDrain()).isTrue();
    drained.get(10, TimeUnit.SECONDS);
    quiesced.get(10, TimeUnit.SECONDS);
    // Each listener hears the transitions in order; each future completes after the listeners
    // returned from its transition. (The futures' own dependents run on the threads that complete
    // them, so two of them may run side by side.)
    assertThat(events)
        .hasSize(5)
        .containsSubsequence("onDraining", "onQuiescing", "onDrained", "whenDrained")
        .containsSubsequence("onQuiescing", "whenQuiescing");
    assertThat(callbackThreads).hasSize(1).doesNotContain(trigger);
    assertThat(callbackThreads.get(0).getName()).startsWith("drain4j-callback-");
  }

  /** The real timer, except that the listener budget's task never runs. */
  private static final class WithoutListenerBudget implements DrainTimer {
    private final DrainTimer real;

    WithoutListenerBudget(DrainTimer real) {
      this.real = real;
    }

    @Override
    public long nanoTime() {
      return real.nanoTime();
    }

    @Override
    public long coarseNanoTime() {
      return real.coarseNanoTime();
    }

    @Override
    public Future<?> schedule(Runnable task, long delayNanos) {
      if (delayNanos == DefaultDrainCoordinator.LISTENER_BUDGET_NANOS) {
        return CompletableFuture.completedFuture(null); // cancelling it has nothing to do
      }
      return real.schedule(task, delayNanos);
    }

    @Override
    public void execute(Runnable task) {
      real.execute(task);
    }

    @Override
    public void shutdown() {
      real.shutdown();
    }
  }

  @Test
  void aCallerRunsPolicyOnAShutDownPoolDropsTheTaskAndItsUnitEnds() throws Exception {
    DrainCoordinator c = coordinator(DELAY);
    ThreadPoolExecutor tpe =
        onePool(new SynchronousQueue<>(), new ThreadPoolExecutor.CallerRunsPolicy());
    java.util.concurrent.Executor tracked = c.trackExecutor(tpe);
    tpe.shutdown();
    tracked.execute(() -> {}); // neither run nor queued: the pool is shut down
    assertThat(c.inflight(UnitKind.BACKGROUND)).isZero();
  }

  @Test
  void anAbortPolicyThrowsToTheSubmitterAndTheUnitEnds() throws Exception {
    DrainCoordinator c = coordinator(DELAY);
    ThreadPoolExecutor tpe =
        onePool(new SynchronousQueue<>(), new ThreadPoolExecutor.AbortPolicy());
    ExecutorService tracked = c.trackExecutorService(tpe);
    tpe.shutdown();
    assertThatThrownBy(() -> tracked.execute(() -> {}))
        .isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
    // Tracked twice, wrapped once.
    c.trackExecutor(tpe);
    assertThat(tpe.getRejectedExecutionHandler().toString()).startsWith("DiscardAware[");
    assertThat(tpe.getRejectedExecutionHandler().toString()).doesNotContain("DiscardAware[Discard");
    assertThat(c.inflight(UnitKind.BACKGROUND)).isZero();
  }

  @Test
  void theExitBoundIsArmedOnlyWhileTheJvmShutsDownAndRefusesANegativeGrace() {
    DrainCoordinator c = coordinator(DELAY);
    assertThatThrownBy(() -> c.haltAfterDrained(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> c.haltAfterDrained(null)).hasMessage("grace");
    // A drain started by POST /drain must never halt a running process.
    assertThat(c.haltAfterDrained(Duration.ZERO)).isFalse();
    assertThat(DefaultDrainCoordinator.jvmShuttingDown()).isFalse();
  }

  @Test
  void onlyAThreadBlockedInSystemExitCountsAsExiting() throws Exception {
    Thread done = new Thread(() -> {});
    done.start();
    done.join();
    assertThat(DefaultDrainCoordinator.isInSystemExit(done)).isFalse();
    assertThat(DefaultDrainCoordinator.isInSystemExit(Thread.currentThread())).isFalse();
    CountDownLatch parked = new CountDownLatch(1);
    Thread waiting =
        new Thread(
            () -> {
              parked.countDown();
              block();
            });
    waiting.start();
    assertThat(parked.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(DefaultDrainCoordinator.isInSystemExit(waiting)).isFalse();
    DefaultDrainCoordinator impl = (DefaultDrainCoordinator) coordinator(DELAY);
    impl.enter(UnitKind.INBOUND, "GET /a");
    impl.releaseExitingThreads();
    assertThat(impl.inflight(UnitKind.INBOUND)).isEqualTo(1);
  }
}

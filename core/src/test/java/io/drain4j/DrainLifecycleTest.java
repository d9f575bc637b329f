package io.drain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DrainLifecycleTest {
  private final ManualTimer timer = new ManualTimer();
  private DrainCoordinator coordinator;

  private DrainCoordinator coordinator(Duration delay, Duration deadline) {
    coordinator =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(false)
            .propagationDelay(delay)
            .deadline(deadline)
            .timer(timer)
            .build();
    return coordinator;
  }

  private DrainCoordinator coordinator() {
    return coordinator(Duration.ofSeconds(5), Duration.ofSeconds(25));
  }

  @AfterEach
  void close() {
    if (coordinator != null) {
      coordinator.close();
    }
  }

  @Test
  void whenBuiltThenServingAndEverythingIsAdmitted() {
    DrainCoordinator c = coordinator();
    assertThat(c.state()).isEqualTo(DrainState.SERVING);
    assertThat(c.isDraining()).isFalse();
    InFlight in = c.admitInbound("GET /a");
    assertThat(in).isNotNull();
    assertThat(in.kind()).isEqualTo(UnitKind.INBOUND);
    assertThat(in.name()).isEqualTo("GET /a");
    c.enter(UnitKind.OUTBOUND, "call");
    c.enter(UnitKind.BACKGROUND, null);
    assertThat(c.status().inflight()).isEqualTo(3);
    assertThat(c.inflight(UnitKind.OUTBOUND)).isEqualTo(1);
  }

  @Test
  void whenDrainStartsThenReadinessFailsAtOnceAndNewRequestsAreStillServedWithConnectionClose() {
    DrainCoordinator c = coordinator();
    assertThat(c.startDrain()).isTrue();
    assertThat(c.state()).isEqualTo(DrainState.DRAINING);
    assertThat(c.isDraining()).isTrue();
    assertThat(c.whenDraining()).succeedsWithin(Duration.ofSeconds(10));
    assertThat(c.whenQuiescing()).isNotDone();
    InFlight in = c.admitInbound("GET /late");
    assertThat(in).isNotNull();
    assertThat(c.rejectedCount()).isZero();
  }

  @Test
  void whenPropagationDelayPassesThenNewRequestsAreRefusedAndCounted() {
    DrainCoordinator c = coordinator();
    InFlight held = c.admitInbound("GET /long");
    c.startDrain();
    timer.advance(Duration.ofMillis(4999));
    assertThat(c.state()).isEqualTo(DrainState.DRAINING);
    timer.advance(Duration.ofMillis(1));
    assertThat(c.state()).isEqualTo(DrainState.QUIESCING);
    assertThat(c.whenQuiescing()).succeedsWithin(Duration.ofSeconds(10));
    assertThat(c.admitInbound("GET /new")).isNull();
    assertThat(c.admitInbound("GET /new")).isNull();
    assertThat(c.rejectedCount()).isEqualTo(2);
    assertThat(c.status().inbound()).isEqualTo(1);
    held.exit();
  }

  @Test
  void whenRequestInFlightThenDrainWaitsAndCompletesTheMomentItExits() {
    DrainCoordinator c = coordinator();
    InFlight held = c.admitInbound("GET /long");
    c.startDrain();
    timer.advance(Duration.ofSeconds(10));
    assertThat(c.state()).isEqualTo(DrainState.QUIESCING);
    assertThat(c.whenDrained()).isNotDone();

    held.exit(); // no time passes: completion is signalled by the exit itself

    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
    DrainStatus status = c.whenDrained().join();
    assertThat(status.forced()).isFalse();
    assertThat(status.inflight()).isZero();
    assertThat(status.drainElapsedMs()).isEqualTo(10_000);
    assertThat(status.deadlineRemainingMs()).isEqualTo(15_000);
    assertThat(timer.pending()).as("deadline task cancelled").isZero();
  }

  @Test
  void whenNothingInFlightThenDrainedRightAfterThePropagationDelay() {
    DrainCoordinator c = coordinator();
    c.startDrain();
    timer.advance(Duration.ofSeconds(5));
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
    assertThat(c.status().drainElapsedMs()).isEqualTo(5000);
  }

  @Test
  void whenPropagationDelayIsZeroThenQuiescingStartsAtOnce() {
    DrainCoordinator c = coordinator(Duration.ZERO, Duration.ofSeconds(1));
    InFlight held = c.enter(UnitKind.BACKGROUND, "job");
    c.startDrain();
    assertThat(c.state()).isEqualTo(DrainState.QUIESCING);
    held.exit();
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
  }

  @Test
  void whenRequestExitsDuringPropagationDelayThenDrainStillWaitsForTheDelay() {
    DrainCoordinator c = coordinator();
    InFlight held = c.admitInbound("GET /a");
    c.startDrain();
    held.exit();
    assertThat(c.state()).isEqualTo(DrainState.DRAINING);
    timer.advance(Duration.ofSeconds(5));
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
  }

  @Test
  void whenOutboundAndBackgroundUnitsStartWhileQuiescingThenTheyAreAdmittedAndHoldTheDrain() {
    DrainCoordinator c = coordinator();
    InFlight request = c.admitInbound("GET /a");
    c.startDrain();
    timer.advance(Duration.ofSeconds(5));
    InFlight call = c.enter(UnitKind.OUTBOUND, "GET upstream/work");
    InFlight job = c.enter(UnitKind.BACKGROUND, "job");
    request.exit();
    assertThat(c.state()).isEqualTo(DrainState.QUIESCING);
    call.exit();
    assertThat(c.state()).isEqualTo(DrainState.QUIESCING);
    job.exit();
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
  }

  @Test
  void whenExitIsCalledTwiceThenTheUnitCountsOnce() {
    DrainCoordinator c = coordinator();
    InFlight a = c.admitInbound("a");
    InFlight b = c.admitInbound("b");
    c.startDrain();
    timer.advance(Duration.ofSeconds(5));
    a.exit();
    a.exit();
    a.close();
    assertThat(c.state()).isEqualTo(DrainState.QUIESCING);
    assertThat(c.status().inbound()).isEqualTo(1);
    b.exit();
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
  }

  @Test
  void whenDeadlinePassesThenDrainedIsForcedAndStragglersAreStillVisible() {
    DrainCoordinator c = coordinator(Duration.ofSeconds(1), Duration.ofSeconds(3));
    InFlight stuck = c.admitInbound("GET /forever");
    c.startDrain();
    timer.advance(Duration.ofMillis(2999));
    assertThat(c.state()).isEqualTo(DrainState.QUIESCING);
    timer.advance(Duration.ofMillis(1));
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
    DrainStatus status = c.status();
    assertThat(status.forced()).isTrue();
    assertThat(status.inbound()).isEqualTo(1);
    assertThat(status.oldestInflightMs()).isEqualTo(3000);
    assertThat(status.deadlineRemainingMs()).isZero();
    assertThatThrownBy(() -> c.enter(UnitKind.OUTBOUND, "late call"))
        .isInstanceOf(DrainedException.class)
        .hasMessageContaining("late call");
    stuck.exit(); // a straggler ending after a forced drain is harmless
    assertThat(c.status().inbound()).isZero();
    assertThat(c.status().forced()).isTrue();
  }

  @Test
  void whenDrainedThenNoUnitOfAnyKindIsAdmitted() {
    DrainCoordinator c = coordinator();
    c.startDrain();
    timer.advance(Duration.ofSeconds(5));
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
    for (UnitKind kind : UnitKind.values()) {
      assertThatThrownBy(() -> c.enter(kind, "x")).isInstanceOf(DrainedException.class);
    }
    assertThat(c.admitInbound("GET /")).isNull();
    assertThat(c.status().inflight()).isZero();
  }

  @Test
  void whenDrainIsStartedTwiceThenItRunsOnce() {
    DrainCoordinator c = coordinator();
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    c.addListener(recorder(events));
    assertThat(c.startDrain()).isTrue();
    assertThat(c.startDrain()).isFalse();
    timer.advance(Duration.ofSeconds(2));
    assertThat(c.startDrain()).isFalse();
    timer.advance(Duration.ofSeconds(30));
    assertThat(c.startDrain()).isFalse();
    // Listeners run on callback threads. (The futures wait for them only for the listener budget,
    // which the manual clock passes at once: wait for the listener itself.)
    awaitSize(events, 3);
    assertThat(events).containsExactly("draining", "quiescing", "drained forced=false");
  }

  @Test
  void whenListenerIsAddedLateThenItCatchesUpOnceInOrder() {
    DrainCoordinator c = coordinator();
    c.startDrain();
    timer.advance(Duration.ofSeconds(5));
    List<String> events = new ArrayList<>();
    c.addListener(recorder(events));
    assertThat(events).containsExactly("draining", "quiescing", "drained forced=false");
  }

  @Test
  void whenListenerThrowsThenTheDrainGoesOn() {
    DrainCoordinator c = coordinator();
    c.addListener(
        new DrainListener() {
          @Override
          public void onDraining() {
            throw new IllegalStateException("boom");
          }

          @Override
          public void onQuiescing() {
            throw new IllegalStateException("boom");
          }
        });
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    c.addListener(recorder(events));
    c.startDrain();
    timer.advance(Duration.ofSeconds(5));
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
    awaitSize(events, 3);
  }

  @Test
  void whenStatusIsReadBeforeTheDrainThenTimingsShowTheFullDeadline() {
    DrainCoordinator c = coordinator();
    c.admitInbound("a");
    timer.advance(Duration.ofMillis(1234));
    DrainStatus s = c.status();
    assertThat(s.state()).isEqualTo(DrainState.SERVING);
    assertThat(s.drainElapsedMs()).isZero();
    assertThat(s.deadlineRemainingMs()).isEqualTo(25_000);
    assertThat(s.oldestInflightMs()).isEqualTo(1234);
    assertThat(s.toJson())
        .isEqualTo(
            "{\"state\":\"SERVING\",\"forced\":false,"
                + "\"inflight\":{\"inbound\":1,\"outbound\":0,\"background\":0},"
                + "\"oldestInflightMs\":1234,\"drainElapsedMs\":0,\"deadlineRemainingMs\":25000}");
  }

  @Test
  void whenOutboundClientsAreRegisteredThenTheyCloseInReverseOrderAfterWorkEndsAndBeforeDrained() {
    DrainCoordinator c = coordinator();
    List<String> closed = Collections.synchronizedList(new ArrayList<>());
    c.registerOutboundClient(
        "first", () -> closed.add("first:" + c.state() + ":" + c.status().inflight()));
    c.registerOutboundClient(
        "second", () -> closed.add("second:" + c.state() + ":" + c.status().inflight()));
    InFlight request = c.admitInbound("GET /a");
    c.startDrain();
    timer.advance(Duration.ofSeconds(6));
    InFlight call = c.enter(UnitKind.OUTBOUND, "call");
    call.exit();
    assertThat(closed).isEmpty();
    request.exit();
    // Closed on a thread of their own, before DRAINED is reported.
    c.whenDrained().join();
    assertThat(closed).containsExactly("second:QUIESCING:0", "first:QUIESCING:0");
    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
    assertThatThrownBy(() -> c.registerOutboundClient("late", () -> {}))
        .isInstanceOf(DrainedException.class);
  }

  @Test
  void whenDeadlinePassesThenOutboundClientsAreClosedToo() throws Exception {
    DrainCoordinator c = coordinator(Duration.ofSeconds(1), Duration.ofSeconds(2));
    CountDownLatch closed = new CountDownLatch(1);
    c.registerOutboundClient("pool", closed::countDown);
    c.admitInbound("GET /forever");
    c.startDrain();
    timer.advance(Duration.ofSeconds(2));
    // DRAINED at the deadline at once; the client closes on a thread of its own meanwhile.
    assertThat(c.status().forced()).isTrue();
    assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void whenAnOutboundClientCloseHangsOrFailsThenTheDrainGoesOnAfterTheCloseTimeout()
      throws Exception {
    coordinator =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(false)
            .propagationDelay(Duration.ofSeconds(1))
            .deadline(Duration.ofSeconds(2))
            .outboundCloseTimeout(Duration.ofMillis(100))
            .timer(timer)
            .build();
    CountDownLatch release = new CountDownLatch(1);
    List<String> closed = Collections.synchronizedList(new ArrayList<>());
    coordinator.registerOutboundClient("ok", () -> closed.add("ok"));
    coordinator.registerOutboundClient("hangs", release::await);
    coordinator.registerOutboundClient(
        "fails",
        () -> {
          throw new java.io.IOException("broken");
        });
    coordinator.startDrain();
    timer.advance(Duration.ofSeconds(1));
    // Each close is bounded by the close timeout (real time, on the closing thread).
    assertThat(coordinator.whenDrained().get(10, TimeUnit.SECONDS).forced()).isFalse();
    assertThat(closed).containsExactly("ok");
    release.countDown();
  }

  @Test
  void whenTaskIsSubmittedToTrackedExecutorServiceThenItHoldsTheDrainUntilItEnds()
      throws Exception {
    DrainCoordinator c = coordinator();
    java.util.concurrent.ExecutorService pool =
        c.trackExecutorService(java.util.concurrent.Executors.newSingleThreadExecutor());
    try {
      CountDownLatch running = new CountDownLatch(1);
      CountDownLatch finish = new CountDownLatch(1);
      java.util.concurrent.Future<String> f =
          pool.submit(
              () -> {
                running.countDown();
                finish.await();
                return "done";
              });
      java.util.concurrent.Future<?> queued = pool.submit(() -> {});
      assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(c.inflight(UnitKind.BACKGROUND)).isEqualTo(2);
      queued.cancel(false); // never runs: must not hold the drain
      assertThat(c.inflight(UnitKind.BACKGROUND)).isEqualTo(1);
      c.startDrain();
      timer.advance(Duration.ofSeconds(5));
      assertThat(c.state()).isEqualTo(DrainState.QUIESCING);
      finish.countDown();
      assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo("done");
      assertThat(c.whenDrained().get(10, TimeUnit.SECONDS).forced()).isFalse();
      assertThatThrownBy(() -> pool.execute(() -> {})).isInstanceOf(DrainedException.class);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void whenExecutorRejectsOrIsShutDownNowThenUnitsOfTasksThatNeverRunAreReleased()
      throws Exception {
    DrainCoordinator c = coordinator();
    java.util.concurrent.ExecutorService single =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    java.util.concurrent.ExecutorService pool = c.trackExecutorService(single);
    CountDownLatch block = new CountDownLatch(1);
    CountDownLatch running = new CountDownLatch(1);
    pool.execute(
        () -> {
          running.countDown();
          try {
            block.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    Runnable never = () -> {};
    pool.execute(never);
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(c.inflight(UnitKind.BACKGROUND)).isEqualTo(2);
    List<Runnable> dropped = pool.shutdownNow();
    assertThat(dropped).containsExactly(never);
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(c.inflight(UnitKind.BACKGROUND)).isZero();
    assertThatThrownBy(() -> pool.execute(() -> {}))
        .isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
    assertThat(c.inflight(UnitKind.BACKGROUND)).isZero();

    java.util.concurrent.Executor plain = c.trackExecutor(Runnable::run);
    plain.execute(() -> assertThat(c.inflight(UnitKind.BACKGROUND)).isEqualTo(1));
    assertThat(c.inflight(UnitKind.BACKGROUND)).isZero();
  }

  /** A bounded wait for listener callbacks, which run on drain4j's callback threads. */
  private static void awaitSize(List<String> events, int n) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (events.size() < n && System.nanoTime() < end) {
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
    assertThat(events).hasSize(n);
  }

  private static DrainListener recorder(List<String> events) {
    return new DrainListener() {
      @Override
      public void onDraining() {
        events.add("draining");
      }

      @Override
      public void onQuiescing() {
        events.add("quiescing");
      }

      @Override
      public void onDrained(DrainStatus status) {
        events.add("drained forced=" + status.forced());
      }
    };
  }
}

package io.drain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The striped counts: units entered on many threads (many cells) while serving, moved into one
 * count when QUIESCING begins, and exited from other threads before and after the move.
 */
class StripedCountTest {
  private static final UnitKind[] KINDS = {
    UnitKind.INBOUND, UnitKind.OUTBOUND, UnitKind.BACKGROUND
  };

  private final ManualTimer timer = new ManualTimer();
  private final ExecutorService threads = Executors.newFixedThreadPool(8);
  private DrainCoordinator coordinator;

  @AfterEach
  void close() {
    threads.shutdownNow();
    if (coordinator != null) {
      coordinator.close();
    }
  }

  private DrainCoordinator coordinator() {
    coordinator =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(false)
            .propagationDelay(Duration.ofSeconds(5))
            .deadline(Duration.ofSeconds(25))
            .timer(timer)
            .build();
    return coordinator;
  }

  @Test
  void whenCpusGrowThenCellsAreTwoPerCpuRoundedUpToAPowerOfTwoAndCapped() {
    assertThat(DefaultDrainCoordinator.cellCount(1)).isEqualTo(2);
    assertThat(DefaultDrainCoordinator.cellCount(2)).isEqualTo(4);
    assertThat(DefaultDrainCoordinator.cellCount(3)).isEqualTo(8);
    assertThat(DefaultDrainCoordinator.cellCount(16)).isEqualTo(32);
    assertThat(DefaultDrainCoordinator.cellCount(1000)).isEqualTo(TrackedUnit.MAX_CELLS);
  }

  @Test
  void whenUnitsFromManyCellsExitOnOtherThreadsAcrossQuiescingThenDrainedFollowsTheLastExit()
      throws Exception {
    DrainCoordinator c = coordinator();
    List<InFlight> units = new ArrayList<>();
    List<Future<InFlight>> entered = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      UnitKind kind = KINDS[i % KINDS.length];
      String name = "u" + i;
      entered.add(threads.submit(() -> c.enter(kind, name)));
    }
    for (Future<InFlight> f : entered) {
      units.add(f.get(10, TimeUnit.SECONDS));
    }
    // Half exit while still serving, on threads other than the ones that entered them.
    for (int i = 0; i < 32; i++) {
      InFlight u = units.get(i);
      threads.submit(u::exit).get(10, TimeUnit.SECONDS);
    }
    assertThat(c.status().inflight()).isEqualTo(32);

    c.startDrain();
    timer.advance(Duration.ofSeconds(5));
    assertThat(c.state()).isEqualTo(DrainState.QUIESCING);
    assertThat(c.admitInbound("GET /late")).isNull();
    // Work in flight may still start outbound calls and background tasks; they hold the drain.
    InFlight call = c.enter(UnitKind.OUTBOUND, "call during the drain");

    for (int i = 32; i < 64; i++) {
      InFlight u = units.get(i);
      threads.submit(u::exit).get(10, TimeUnit.SECONDS);
      assertThat(c.state()).isEqualTo(DrainState.QUIESCING);
    }
    call.exit();

    assertThat(c.state()).isEqualTo(DrainState.DRAINED);
    assertThat(c.whenDrained().get(10, TimeUnit.SECONDS).forced()).isFalse();
    assertThatThrownBy(() -> c.enter(UnitKind.BACKGROUND, "after"))
        .isInstanceOf(DrainedException.class);
    // An exit repeated after the move counts once.
    units.get(40).exit();
    assertThat(c.status().inflight()).isZero();
  }
}

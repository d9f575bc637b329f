package io.drain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The coordinator's API around the lifecycle: arguments, waiting, resources. */
class CoordinatorApiTest {

  private static DrainCoordinatorBuilder quiet() {
    return DrainCoordinator.builder().statusEnabled(false).shutdownHook(false);
  }

  @Test
  void whenArgumentsAreNullThenTheCallFailsNamingThem() {
    try (DrainCoordinator c = quiet().build()) {
      assertThatThrownBy(() -> c.enter(null, "x")).hasMessage("kind");
      assertThatThrownBy(() -> c.inflight(null)).hasMessage("kind");
      assertThatThrownBy(() -> c.addListener(null)).hasMessage("listener");
      assertThatThrownBy(() -> c.registerOutboundClient(null, () -> {})).hasMessage("name");
      assertThatThrownBy(() -> c.registerOutboundClient("x", null)).hasMessage("client");
      assertThatThrownBy(() -> c.trackExecutor(null)).hasMessage("executor");
      assertThatThrownBy(() -> c.trackExecutorService(null)).hasMessage("executor");
      assertThatThrownBy(() -> c.awaitDrained(null)).hasMessage("timeout");
      assertThatThrownBy(() -> c.awaitDrained(Duration.ofSeconds(-1)))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void whenAwaitingTheDrainThenItAnswersAtTheTimeoutOrWhenDrained() throws Exception {
    ManualTimer timer = new ManualTimer();
    try (DrainCoordinator c =
        quiet()
            .timer(timer)
            .propagationDelay(Duration.ofSeconds(1))
            .deadline(Duration.ofSeconds(2))
            .build()) {
      assertThat(c.awaitDrained(Duration.ofMillis(1))).isFalse();
      c.startDrain();
      timer.advance(Duration.ofSeconds(1));
      assertThat(c.awaitDrained(Duration.ofSeconds(10))).isTrue();
      assertThat(c.propagationDelay()).isEqualTo(Duration.ofSeconds(1));
      assertThat(c.deadline()).isEqualTo(Duration.ofSeconds(2));
      assertThat(c).hasToString("DrainCoordinator[DRAINED]");
    }
  }

  @Test
  void whenAnUnnamedUnitIsRefusedOrForcedThenReportsStillReadWell() {
    ManualTimer timer = new ManualTimer();
    try (DrainCoordinator c =
        quiet()
            .timer(timer)
            .propagationDelay(Duration.ofSeconds(1))
            .deadline(Duration.ofSeconds(2))
            .build()) {
      InFlight unnamed = c.enter(UnitKind.BACKGROUND, null);
      assertThat(unnamed).hasToString("background (unnamed)");
      c.startDrain();
      timer.advance(Duration.ofSeconds(2));
      assertThat(c.status().forced()).isTrue();
      assertThatThrownBy(() -> c.enter(UnitKind.BACKGROUND, null))
          .hasMessageContaining("background unit refused");
    }
  }

  @Test
  void whenClosedDuringADrainThenTheDrainStillCompletes() throws Exception {
    DrainCoordinator c =
        quiet().propagationDelay(Duration.ofMillis(1)).deadline(Duration.ofSeconds(30)).build();
    InFlight unit = c.admitInbound("GET /a");
    c.startDrain();
    c.close();
    unit.exit();
    assertThat(c.whenDrained().get(10, TimeUnit.SECONDS).forced()).isFalse();
  }

  @Test
  void whenStatusEndpointAndHookAreEnabledThenTheyStartAndCloseWithTheCoordinator()
      throws Exception {
    DrainCoordinator c = DrainCoordinator.builder().statusPort(0).shutdownHook(true).build();
    try {
      assertThat(c.statusAddress()).isNotNull();
      assertThat(c.statusAddress().getPort()).isPositive();
    } finally {
      c.close();
    }
    assertThat(c.statusAddress()).isNull();
    c.close(); // idempotent
    try (DrainCoordinator off = quiet().build()) {
      assertThat(off.statusAddress()).isNull();
    }
  }

  @Test
  void whenStatusPortIsTakenThenBuildFailsAndReleasesWhatItStarted() throws Exception {
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      assertThatThrownBy(
              () ->
                  DrainCoordinator.builder()
                      .shutdownHook(true)
                      .statusPort(taken.getLocalPort())
                      .build())
          .isInstanceOf(java.io.UncheckedIOException.class)
          .hasMessageContaining(String.valueOf(taken.getLocalPort()));
    }
  }

  @Test
  void whenStatusIsAskedPerKindThenTheRecordAnswers() {
    DrainStatus s = new DrainStatus(DrainState.QUIESCING, false, 1, 2, 3, 4, 5, 6);
    assertThat(s.inflight(UnitKind.INBOUND)).isEqualTo(1);
    assertThat(s.inflight(UnitKind.OUTBOUND)).isEqualTo(2);
    assertThat(s.inflight(UnitKind.BACKGROUND)).isEqualTo(3);
    assertThat(s.inflight()).isEqualTo(6);
    assertThatThrownBy(() -> new DrainStatus(null, false, 0, 0, 0, 0, 0, 0))
        .isInstanceOf(NullPointerException.class);
    assertThat(DrainState.DRAINED.code()).isEqualTo(3);
    assertThat(UnitKind.OUTBOUND.tag()).isEqualTo("outbound");
  }

  @Test
  void whenManyUnitsAreInFlightThenTheTableGrowsAndCountsStayExact() throws Exception {
    try (DrainCoordinator c = quiet().build()) {
      int n = UnitTable.SEGMENT_SIZE * 5 + 17;
      List<InFlight> units = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        units.add(c.enter(i % 2 == 0 ? UnitKind.INBOUND : UnitKind.BACKGROUND, "u" + i));
      }
      assertThat(c.status().inflight()).isEqualTo(n);
      // Free slots in the first segments, then fill them again from other threads.
      for (int i = 0; i < UnitTable.SEGMENT_SIZE; i++) {
        units.get(i).exit();
        units.get(i).exit();
      }
      assertThat(c.status().inflight()).isEqualTo(n - UnitTable.SEGMENT_SIZE);
      int threads = 4;
      CountDownLatch done = new CountDownLatch(threads);
      List<InFlight> more = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int t = 0; t < threads; t++) {
        new Thread(
                () -> {
                  for (int i = 0; i < 500; i++) {
                    more.add(c.enter(UnitKind.OUTBOUND, "m"));
                  }
                  done.countDown();
                })
            .start();
      }
      assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(c.inflight(UnitKind.OUTBOUND)).isEqualTo(2000);
      more.forEach(InFlight::exit);
      units.forEach(InFlight::exit);
      assertThat(c.status().inflight()).isZero();
      assertThat(c.status().oldestInflightMs()).isZero();
    }
  }
}

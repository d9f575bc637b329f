package io.drain4j;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** Configuration values and tracked executors at the edges of what their javadoc promises. */
class ConfigurationEdgeCasesTest {

  @Test
  void whenStatusIsEnabledByAnExplicitTrueThenTheEndpointStarts() {
    DrainCoordinator c =
        DrainCoordinator.builder()
            .configure(Map.of("drain4j.status.enabled", " TRUE ", "drain4j.status.port", "0"))
            .shutdownHook(false)
            .build();
    try {
      assertThat(c.statusAddress()).isNotNull();
      assertThat(c.statusAddress().getPort()).isPositive();
    } finally {
      c.close();
    }
  }

  @Test
  void whenConfiguredWithNullKeysOrValuesThenTheyAreIgnored() {
    Map<String, String> properties = new HashMap<>();
    properties.put(null, "5s");
    properties.put("drain4j.deadline", null);
    properties.put("drain4j.propagation-delay", "1s");

    DrainCoordinator c =
        DrainCoordinator.builder()
            .configure(properties)
            .statusEnabled(false)
            .shutdownHook(false)
            .build();
    try {
      assertThat(c.state()).isEqualTo(DrainState.SERVING);
    } finally {
      c.close();
    }
  }

  @Test
  void whenAPortIsNotANumberOrASettingIsNullThenTheErrorNamesTheKeyAndValue() {
    DrainCoordinatorBuilder b = DrainCoordinator.builder();

    assertThatThrownBy(() -> b.configure(Map.of("drain4j.status.port", "ninety")))
        .isInstanceOf(DrainConfigException.class)
        .hasMessageContaining("drain4j.status.port=ninety")
        .hasMessageContaining("0 (any free port) to 65535");
    assertThatThrownBy(() -> b.statusAddress(null))
        .isInstanceOf(DrainConfigException.class)
        .hasMessageContaining("drain4j.status.address=null");
    assertThatThrownBy(() -> b.propagationDelay(null))
        .isInstanceOf(DrainConfigException.class)
        .hasMessageContaining("drain4j.propagation-delay=null");
  }

  @Test
  void whenAnUnnamedUnitIsDescribedThenItSaysSo() {
    DrainCoordinator c =
        DrainCoordinator.builder().statusEnabled(false).shutdownHook(false).build();
    try {
      InFlight unit = c.enter(UnitKind.BACKGROUND, null);
      assertThat(unit.toString()).endsWith("(unnamed)");
      unit.exit();
    } finally {
      c.close();
    }
  }

  @Test
  void whenATrackedExecutorIsShutDownNowThenQueuedTasksAreReturnedUnwrappedAndReleased()
      throws Exception {
    DrainCoordinator c =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(false)
            .propagationDelay(Duration.ZERO)
            .deadline(Duration.ofSeconds(10))
            .build();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      ExecutorService tracked = c.trackExecutorService(pool);
      CountDownLatch running = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      pool.execute(
          () -> {
            running.countDown();
            try {
              release.await(10, SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      assertThat(running.await(10, SECONDS)).isTrue();
      Runnable viaTracked = () -> {};
      Runnable direct = () -> {};
      tracked.execute(viaTracked);
      pool.execute(direct);
      assertThat(c.inflight(UnitKind.BACKGROUND)).isEqualTo(1);

      List<Runnable> neverRun = tracked.shutdownNow();

      assertThat(neverRun).containsExactly(viaTracked, direct);
      assertThat(c.inflight(UnitKind.BACKGROUND))
          .as("a task that will never run no longer holds the drain")
          .isZero();
      assertThat(tracked.isShutdown()).isTrue();
      assertThat(tracked.awaitTermination(10, SECONDS)).isTrue();
      assertThat(tracked.isTerminated()).isTrue();
      assertThat(tracked.toString()).contains("TrackedExecutorService");
    } finally {
      pool.shutdownNow();
      c.close();
    }
  }
}

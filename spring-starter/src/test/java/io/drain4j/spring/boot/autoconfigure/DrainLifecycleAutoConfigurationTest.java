package io.drain4j.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import io.drain4j.DrainStatus;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.concurrent.ExecutorConfigurationSupport;

@ExtendWith(OutputCaptureExtension.class)
class DrainLifecycleAutoConfigurationTest {

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  DrainCoordinatorAutoConfiguration.class,
                  DrainLifecycleAutoConfiguration.class,
                  ApplicationAvailabilityAutoConfiguration.class))
          .withPropertyValues("drain4j.status.enabled=false", "drain4j.propagation-delay=0s");

  @Test
  void whenContextClosesThenCloseWaitsForWorkInFlightAndEndsDrained() {
    runner.run(
        context -> {
          DrainCoordinator coordinator = context.getBean(DrainCoordinator.class);
          InFlight unit = coordinator.enter(UnitKind.BACKGROUND, "held by the test");
          CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
          coordinator.whenQuiescing().get(10, TimeUnit.SECONDS);
          assertThat(coordinator.state()).isEqualTo(DrainState.QUIESCING);
          // The unit holds the drain, and the drain holds the close.
          assertThat(closing).isNotDone();
          unit.exit();
          closing.get(10, TimeUnit.SECONDS);
          DrainStatus status = coordinator.whenDrained().get(1, TimeUnit.SECONDS);
          assertThat(status.forced()).isFalse();
        });
  }

  @Test
  void whenDrainStartsOtherwiseThanByClosingThenReadinessRefusesTrafficAtOnce() {
    runner.run(
        context -> {
          ApplicationAvailability availability = context.getBean(ApplicationAvailability.class);
          context.getBean(DrainCoordinator.class).startDrain();
          // The listener publishes on the thread that started the drain, before startDrain returns.
          assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.REFUSING_TRAFFIC);
        });
  }

  @Test
  void whenContextIsOnlyPausedThenNothingDrains() {
    runner.run(
        context -> {
          DrainCoordinator coordinator = context.getBean(DrainCoordinator.class);
          context.pause();
          assertThat(coordinator.state()).isEqualTo(DrainState.SERVING);
          context.restart();
          assertThat(coordinator.state()).isEqualTo(DrainState.SERVING);
        });
  }

  @Test
  void whenStoppedWithoutCallbackThenItRefusesSoThatNothingHangs() {
    runner.run(
        context -> {
          SmartLifecycle lifecycle = context.getBean("drainLifecycle", SmartLifecycle.class);
          assertThatThrownBy(lifecycle::stop).isInstanceOf(UnsupportedOperationException.class);
        });
  }

  @Test
  void whenShutdownPhaseTimeoutIsShorterThanDeadlineThenStartupWarns(CapturedOutput output) {
    runner
        .withPropertyValues("spring.lifecycle.timeout-per-shutdown-phase=10s")
        .run(
            context ->
                assertThat(output)
                    .contains(
                        "spring.lifecycle.timeout-per-shutdown-phase=PT10S is shorter than"
                            + " drain4j.deadline=PT25S"));
  }

  @Test
  void whenShutdownPhaseTimeoutCoversTheDeadlineThenNoWarning(CapturedOutput output) {
    runner.run(context -> assertThat(output).doesNotContain("timeout-per-shutdown-phase"));
  }

  @Test
  void whenApplicationDefinesDrainLifecycleThenAutoConfigurationBacksOff() {
    runner
        .withBean(
            "drainLifecycle",
            SmartLifecycle.class,
            () ->
                new SmartLifecycle() {
                  private volatile boolean running;

                  @Override
                  public void start() {
                    running = true;
                  }

                  @Override
                  public void stop() {
                    running = false;
                  }

                  @Override
                  public boolean isRunning() {
                    return running;
                  }
                })
        .run(
            context ->
                assertThat(context.getBean("drainLifecycle"))
                    .isNotInstanceOf(DrainLifecycle.class));
  }

  @Test
  void drainPhaseLiesBetweenDefaultBeansAndTheWebServersGracefulShutdown() {
    assertThat(DrainLifecycle.PHASE)
        .isLessThan(SmartLifecycle.DEFAULT_PHASE)
        .isGreaterThan(WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE)
        .isGreaterThan(ExecutorConfigurationSupport.DEFAULT_PHASE);
  }
}

package io.drain4j.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainStatus;
import io.drain4j.DrainedException;
import io.drain4j.UnitKind;
import io.drain4j.spring.task.DrainTaskDecorator;
import java.time.Instant;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskSchedulingAutoConfiguration;
import org.springframework.boot.task.SimpleAsyncTaskExecutorBuilder;
import org.springframework.boot.task.ThreadPoolTaskExecutorBuilder;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.core.task.TaskDecorator;
import org.springframework.core.task.TaskExecutor;
import org.springframework.core.task.TaskRejectedException;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

class DrainTaskAutoConfigurationTest {

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  DrainCoordinatorAutoConfiguration.class,
                  DrainLifecycleAutoConfiguration.class,
                  DrainTaskAutoConfiguration.class,
                  TaskExecutionAutoConfiguration.class,
                  TaskSchedulingAutoConfiguration.class))
          .withPropertyValues(
              "drain4j.status.enabled=false",
              "drain4j.propagation-delay=0s",
              "spring.task.execution.pool.core-size=1",
              "spring.task.execution.pool.max-size=1");

  @Test
  void whenTaskWaitsInTheQueueThenItIsAlreadyInFlight() {
    runner.run(
        context -> {
          DrainCoordinator coordinator = context.getBean(DrainCoordinator.class);
          ThreadPoolTaskExecutor executor =
              context.getBean("applicationTaskExecutor", ThreadPoolTaskExecutor.class);
          CountDownLatch release = new CountDownLatch(1);
          CountDownLatch running = new CountDownLatch(1);
          CompletableFuture<Void> second = new CompletableFuture<>();
          executor.execute(
              () -> {
                running.countDown();
                await(release);
              });
          executor.execute(() -> second.complete(null));
          assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
          // One task runs, the other waits behind it in the queue: both count.
          assertThat(coordinator.inflight(UnitKind.BACKGROUND)).isEqualTo(2);
          assertThat(executor.getQueueSize()).isEqualTo(1);

          coordinator.startDrain();
          release.countDown();
          DrainStatus status = coordinator.whenDrained().get(10, TimeUnit.SECONDS);
          assertThat(status.forced()).isFalse();
          assertThat(second).isDone();
        });
  }

  @Test
  void whenCoordinatorIsDrainedThenSubmissionIsRejected() {
    runner.run(
        context -> {
          DrainCoordinator coordinator = context.getBean(DrainCoordinator.class);
          ThreadPoolTaskExecutor executor =
              context.getBean("applicationTaskExecutor", ThreadPoolTaskExecutor.class);
          coordinator.startDrain();
          coordinator.whenDrained().get(10, TimeUnit.SECONDS);
          assertThatThrownBy(() -> executor.execute(() -> {}))
              .isInstanceOf(TaskRejectedException.class)
              .hasCauseInstanceOf(DrainedException.class);
        });
  }

  @Test
  void whenFullExecutorRejectsTaskThenItsUnitEnds() {
    runner
        .withUserConfiguration(BoundedExecutor.class)
        .run(
            context -> {
              DrainCoordinator coordinator = context.getBean(DrainCoordinator.class);
              ThreadPoolTaskExecutor executor =
                  context.getBean("bounded", ThreadPoolTaskExecutor.class);
              assertRejectedTaskEndsItsUnit(coordinator, executor);
            });
  }

  @Test
  void
      whenDiscardOldestPolicyDropsAQueuedTaskThenTheDroppedTasksUnitEndsAndTheNewTaskHoldsTheDrain() {
    runner
        .withUserConfiguration(DiscardOldestExecutor.class)
        .run(
            context -> {
              DrainCoordinator coordinator = context.getBean(DrainCoordinator.class);
              ThreadPoolTaskExecutor executor =
                  context.getBean("discardOldest", ThreadPoolTaskExecutor.class);
              CountDownLatch releaseFirst = new CountDownLatch(1);
              occupyTheOnlyThread(executor, releaseFirst);
              AtomicInteger oldestRuns = new AtomicInteger();
              executor.execute(oldestRuns::incrementAndGet); // queued, then dropped
              CountDownLatch newestRunning = new CountDownLatch(1);
              CountDownLatch releaseNewest = new CountDownLatch(1);
              executor.execute(
                  () -> {
                    newestRunning.countDown();
                    await(releaseNewest);
                  });
              assertThat(coordinator.inflight(UnitKind.BACKGROUND))
                  .as("the running task and the newest one; the dropped one is not in flight")
                  .isEqualTo(2);

              coordinator.startDrain();
              releaseFirst.countDown();
              assertThat(newestRunning.await(10, TimeUnit.SECONDS)).isTrue();
              assertThat(
                      catchThrowable(
                          () -> coordinator.whenDrained().get(300, TimeUnit.MILLISECONDS)))
                  .as("DRAINED while the newest task runs")
                  .isInstanceOf(TimeoutException.class);
              releaseNewest.countDown();
              assertThat(coordinator.whenDrained().get(10, TimeUnit.SECONDS).forced()).isFalse();
              assertThat(oldestRuns).hasValue(0);
            });
  }

  @Test
  void whenCallerRunsPolicyRunsARejectedTaskOnTheCallerThenItsUnitLastsUntilItRan() {
    runner
        .withUserConfiguration(CallerRunsExecutor.class)
        .run(
            context -> {
              DrainCoordinator coordinator = context.getBean(DrainCoordinator.class);
              ThreadPoolTaskExecutor executor =
                  context.getBean("callerRuns", ThreadPoolTaskExecutor.class);
              CountDownLatch release = new CountDownLatch(1);
              occupyTheOnlyThread(executor, release);
              CountDownLatch rejectedRunning = new CountDownLatch(1);
              Thread caller =
                  new Thread(
                      () ->
                          executor.execute(
                              () -> {
                                rejectedRunning.countDown();
                                await(release);
                              }),
                      "caller");
              caller.start();
              assertThat(rejectedRunning.await(10, TimeUnit.SECONDS)).isTrue();
              assertThat(coordinator.inflight(UnitKind.BACKGROUND))
                  .as("the task the caller runs is in flight")
                  .isEqualTo(2);
              release.countDown();
              caller.join(10_000);
              coordinator.startDrain();
              assertThat(coordinator.whenDrained().get(10, TimeUnit.SECONDS).forced()).isFalse();
            });
  }

  @Test
  void whenSimpleAsyncExecutorAtItsConcurrencyLimitRejectsTaskThenItsUnitEnds() {
    // The executor Boot builds for spring.threads.virtual.enabled=true (on JDK 21+), built here
    // by the same builder so that the test runs on JDK 17 as well.
    runner
        .withUserConfiguration(SimpleExecutor.class)
        .withPropertyValues(
            "spring.task.execution.simple.concurrency-limit=1",
            "spring.task.execution.simple.reject-tasks-when-limit-reached=true")
        .run(
            context -> {
              DrainCoordinator coordinator = context.getBean(DrainCoordinator.class);
              SimpleAsyncTaskExecutor executor =
                  context.getBean("simple", SimpleAsyncTaskExecutor.class);
              assertRejectedTaskEndsItsUnit(coordinator, executor);
            });
  }

  @Test
  void whenAnyExecutorRejectsTaskAfterDecoratingItThenItsUnitEnds() {
    runner
        .withUserConfiguration(DecoratingThenRejectingExecutor.class)
        .run(
            context -> {
              DrainCoordinator coordinator = context.getBean(DrainCoordinator.class);
              TaskExecutor executor = context.getBean("rejecting", TaskExecutor.class);
              assertRejectedTaskEndsItsUnit(coordinator, executor);
            });
  }

  @Test
  void whenExecutorIsAFinalClassASchedulerOrAlreadyWrappedThenItIsLeftAsItIs() {
    RejectedTaskPostProcessor postProcessor = new RejectedTaskPostProcessor();
    FinalExecutor finalExecutor = new FinalExecutor();
    ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
    Object wrapped =
        postProcessor.postProcessAfterInitialization(new SimpleAsyncTaskExecutor(), "a");
    assertThat(postProcessor.postProcessAfterInitialization(finalExecutor, "b"))
        .isSameAs(finalExecutor);
    assertThat(postProcessor.postProcessAfterInitialization(scheduler, "c")).isSameAs(scheduler);
    assertThat(postProcessor.postProcessAfterInitialization(wrapped, "d")).isSameAs(wrapped);
  }

  /** An executor that cannot be proxied by class. */
  static final class FinalExecutor implements TaskExecutor {
    @Override
    public void execute(Runnable task) {
      task.run();
    }
  }

  /** One task runs and holds its unit; a second is rejected; the drain then ends unforced. */
  private static void assertRejectedTaskEndsItsUnit(
      DrainCoordinator coordinator, TaskExecutor executor) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    occupyTheOnlyThread(executor, release);
    assertThatThrownBy(() -> executor.execute(() -> {}))
        .isInstanceOf(RejectedExecutionException.class);
    assertThat(coordinator.inflight(UnitKind.BACKGROUND)).isEqualTo(1);
    coordinator.startDrain();
    release.countDown();
    assertThat(coordinator.whenDrained().get(10, TimeUnit.SECONDS).forced()).isFalse();
  }

  @Test
  void whenPeriodicJobIsBetweenRunsThenItDoesNotHoldTheDrain() {
    runner
        .withUserConfiguration(HourlyJob.class)
        .run(
            context -> {
              DrainCoordinator coordinator = context.getBean(DrainCoordinator.class);
              HourlyJob job = context.getBean(HourlyJob.class);
              assertThat(job.running.await(10, TimeUnit.SECONDS)).isTrue();
              assertThat(coordinator.inflight(UnitKind.BACKGROUND)).isEqualTo(1);

              coordinator.startDrain();
              job.release.countDown();
              // The next run is an hour away: the job is not in flight once this run ended.
              assertThat(coordinator.whenDrained().get(10, TimeUnit.SECONDS).forced()).isFalse();
            });
  }

  @Test
  void whenApplicationHasOtherTaskDecoratorsThenScheduledJobsAreStillTrackedPerRun() {
    runner
        .withUserConfiguration(HourlyJob.class, WrappingDecorator.class)
        .run(
            context -> {
              DrainCoordinator coordinator = context.getBean(DrainCoordinator.class);
              HourlyJob job = context.getBean(HourlyJob.class);
              assertThat(job.running.await(10, TimeUnit.SECONDS)).isTrue();
              assertThat(context.getBean(WrappingDecorator.class).decorated.get()).isPositive();
              coordinator.startDrain();
              job.release.countDown();
              assertThat(coordinator.whenDrained().get(10, TimeUnit.SECONDS).forced()).isFalse();
            });
  }

  @Test
  void whenScheduledRunWouldStartAfterTheDrainThenItIsSkipped() {
    runner
        .withUserConfiguration(HourlyJob.class)
        .run(
            context -> {
              DrainCoordinator coordinator = context.getBean(DrainCoordinator.class);
              HourlyJob job = context.getBean(HourlyJob.class);
              assertThat(job.running.await(10, TimeUnit.SECONDS)).isTrue();
              job.release.countDown();
              coordinator.startDrain();
              coordinator.whenDrained().get(10, TimeUnit.SECONDS);

              ThreadPoolTaskScheduler scheduler = context.getBean(ThreadPoolTaskScheduler.class);
              AtomicInteger runs = new AtomicInteger();
              ScheduledFuture<?> late = scheduler.schedule(runs::incrementAndGet, Instant.now());
              assertThatThrownBy(() -> late.get(10, TimeUnit.SECONDS))
                  .isInstanceOf(CancellationException.class);
              assertThat(runs).hasValue(0);
            });
  }

  @Test
  void whenApplicationDefinesItsOwnDecoratorThenAutoConfigurationBacksOff() {
    runner
        .withBean(
            "mine",
            DrainTaskDecorator.class,
            () ->
                new DrainTaskDecorator(
                    DrainCoordinator.builder().statusEnabled(false).shutdownHook(false).build()))
        .run(
            context -> assertThat(context).hasSingleBean(DrainTaskDecorator.class).hasBean("mine"));
  }

  @Test
  void whenDrainIsDisabledThenNoDecorator() {
    runner
        .withPropertyValues("drain4j.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(DrainTaskDecorator.class));
  }

  /** Runs a task that holds the executor's only thread until {@code release}, once it runs. */
  private static void occupyTheOnlyThread(TaskExecutor executor, CountDownLatch release)
      throws InterruptedException {
    CountDownLatch running = new CountDownLatch(1);
    executor.execute(
        () -> {
          running.countDown();
          await(release);
        });
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new AssertionError("not released within 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class BoundedExecutor {
    @Bean
    ThreadPoolTaskExecutor bounded(ThreadPoolTaskExecutorBuilder builder) {
      return builder.corePoolSize(1).maxPoolSize(1).queueCapacity(0).build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class DiscardOldestExecutor {
    @Bean
    ThreadPoolTaskExecutor discardOldest(ThreadPoolTaskExecutorBuilder builder) {
      return builder
          .corePoolSize(1)
          .maxPoolSize(1)
          .queueCapacity(1)
          .customizers(
              e -> e.setRejectedExecutionHandler(new ThreadPoolExecutor.DiscardOldestPolicy()))
          .build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class CallerRunsExecutor {
    @Bean
    ThreadPoolTaskExecutor callerRuns(ThreadPoolTaskExecutorBuilder builder) {
      return builder
          .corePoolSize(1)
          .maxPoolSize(1)
          .queueCapacity(0)
          .customizers(
              e -> e.setRejectedExecutionHandler(new ThreadPoolExecutor.CallerRunsPolicy()))
          .build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class SimpleExecutor {
    @Bean
    SimpleAsyncTaskExecutor simple(SimpleAsyncTaskExecutorBuilder builder) {
      return builder.build();
    }
  }

  /**
   * An executor of the application's own that, like many, decorates a task before it decides to
   * refuse it: one task at a time.
   */
  @Configuration(proxyBeanMethods = false)
  static class DecoratingThenRejectingExecutor {
    @Bean
    TaskExecutor rejecting(DrainTaskDecorator decorator) {
      return new OneAtATimeExecutor(decorator);
    }
  }

  static class OneAtATimeExecutor implements TaskExecutor {
    private final TaskDecorator decorator;
    private final java.util.concurrent.Semaphore permit = new java.util.concurrent.Semaphore(1);

    OneAtATimeExecutor(TaskDecorator decorator) {
      this.decorator = decorator;
    }

    @Override
    public void execute(Runnable task) {
      Runnable decorated = decorator.decorate(task);
      if (!permit.tryAcquire()) {
        throw new RejectedExecutionException("one task at a time");
      }
      Thread thread =
          new Thread(
              () -> {
                try {
                  decorated.run();
                } finally {
                  permit.release();
                }
              });
      thread.setDaemon(true);
      thread.start();
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableScheduling
  static class HourlyJob {
    final CountDownLatch running = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Scheduled(fixedDelay = 1, timeUnit = TimeUnit.HOURS)
    void run() {
      running.countDown();
      await(release);
    }
  }

  /** Another decorator, as tracing's context propagation would add. */
  @Configuration(proxyBeanMethods = false)
  static class WrappingDecorator {
    final AtomicInteger decorated = new AtomicInteger();

    @Bean
    TaskDecorator wrapping() {
      return task -> {
        decorated.incrementAndGet();
        return () -> task.run();
      };
    }
  }
}

package io.drain4j.spring.boot.autoconfigure;

import io.drain4j.DrainCoordinator;
import io.drain4j.spring.task.DrainTaskDecorator;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskSchedulingAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.task.TaskDecorator;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * Background work: a {@link DrainTaskDecorator} bean, which Spring Boot applies to the executors
 * and schedulers built by its builders ({@code applicationTaskExecutor} behind {@code @Async}, the
 * {@code @Scheduled} scheduler), so that the drain waits for tasks submitted by requests in flight
 * and for scheduled runs in progress. A task rejected by a full {@code ThreadPoolTaskExecutor} ends
 * its unit at once.
 *
 * <p>Runs before Spring Boot's task auto-configurations so the decorator exists when their builders
 * are made. Backs off when the application defines its own {@link DrainTaskDecorator} bean.
 */
@AutoConfiguration(
    after = DrainCoordinatorAutoConfiguration.class,
    before = {TaskExecutionAutoConfiguration.class, TaskSchedulingAutoConfiguration.class})
@ConditionalOnClass(TaskDecorator.class)
@ConditionalOnBean(DrainCoordinator.class)
public final class DrainTaskAutoConfiguration {

  /** Created by Spring. */
  public DrainTaskAutoConfiguration() {}

  /**
   * The decorator; ordered first among task decorators, see {@link DrainTaskDecorator}.
   *
   * @param coordinator the application's coordinator
   * @return the decorator
   */
  @Bean
  @Order(Ordered.HIGHEST_PRECEDENCE)
  @ConditionalOnMissingBean
  public DrainTaskDecorator drainTaskDecorator(DrainCoordinator coordinator) {
    return new DrainTaskDecorator(coordinator);
  }

  /**
   * Ends the units of tasks that a {@code ThreadPoolTaskExecutor} rejects.
   *
   * @return the post-processor
   */
  @Bean
  @ConditionalOnClass(ThreadPoolTaskExecutor.class)
  static BeanPostProcessor drainRejectedTaskPostProcessor() {
    return new RejectedTaskPostProcessor();
  }
}

package io.drain4j.spring.boot.autoconfigure;

import io.drain4j.spring.task.DrainTaskDecorator;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadPoolExecutor;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * Ends the unit of a task that a {@link ThreadPoolTaskExecutor} rejects (queue full, pool at its
 * maximum): {@link DrainTaskDecorator} entered it on submission, and a rejected task never runs, so
 * without this the drain would wait for it until the deadline. The executor's own rejection policy
 * still applies afterwards.
 */
final class RejectedTaskPostProcessor implements BeanPostProcessor {

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) {
    if (bean instanceof ThreadPoolTaskExecutor executor) {
      ThreadPoolExecutor pool;
      try {
        pool = executor.getThreadPoolExecutor();
      } catch (IllegalStateException notInitialized) {
        return bean;
      }
      RejectedExecutionHandler policy = pool.getRejectedExecutionHandler();
      if (!(policy instanceof AbandoningHandler)) {
        pool.setRejectedExecutionHandler(new AbandoningHandler(policy));
      }
    }
    return bean;
  }

  /** Ends the rejected task's unit, then applies the executor's policy. */
  private record AbandoningHandler(RejectedExecutionHandler policy)
      implements RejectedExecutionHandler {
    @Override
    public void rejectedExecution(Runnable task, ThreadPoolExecutor executor) {
      DrainTaskDecorator.abandon(task);
      policy.rejectedExecution(task, executor);
    }
  }
}

package io.drain4j.spring.boot.autoconfigure;

import io.drain4j.spring.task.DrainTaskDecorator;
import java.lang.reflect.Modifier;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadPoolExecutor;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.task.TaskExecutor;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * Ends the unit of a task that an executor refuses after {@link DrainTaskDecorator} entered it on
 * submission: a refused task never runs, so without this the drain would wait for it until the
 * deadline.
 *
 * <ul>
 *   <li>A {@link ThreadPoolTaskExecutor} (queue full, pool at its maximum) gets a rejection handler
 *       that ends the unit and then applies the executor's own policy, which may discard the task
 *       silently.
 *   <li>Any other {@link TaskExecutor} (such as Boot's {@code SimpleAsyncTaskExecutor} with a
 *       concurrency limit and rejection on, which backs virtual threads) is wrapped by {@link
 *       DrainTaskDecorator#endingUnitsOfRefusedTasks}: a submission that throws ends the units of
 *       the tasks it decorated. Schedulers are left alone: their tasks are tracked per run.
 * </ul>
 */
final class RejectedTaskPostProcessor implements BeanPostProcessor {

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) {
    if (bean instanceof TaskExecutor executor
        && !(bean instanceof ThreadPoolTaskExecutor)
        && !(bean instanceof TaskScheduler)
        && !AopUtils.isAopProxy(bean)
        && !Modifier.isFinal(bean.getClass().getModifiers())) {
      return DrainTaskDecorator.endingUnitsOfRefusedTasks(executor);
    }
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

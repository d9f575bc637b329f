package io.drain4j.spring.boot.autoconfigure;

import io.drain4j.spring.task.DrainTaskDecorator;
import java.lang.reflect.Modifier;
import java.util.concurrent.BlockingQueue;
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
 *       that applies the executor's own policy and ends the unit of each task the policy drops (the
 *       refused task, or with {@code DiscardOldestPolicy} the oldest queued one).
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

  /**
   * Applies the executor's policy and ends the units of the tasks it drops, and only those: a task
   * that the policy runs (on the caller's thread) or keeps in the queue holds its unit until it
   * ran.
   *
   * <ul>
   *   <li>A policy that throws ({@code AbortPolicy}, the default) refuses the task: its unit ends,
   *       since Spring's {@code TaskRejectedException} reaches the submitter and nobody else would
   *       end it.
   *   <li>{@code DiscardPolicy} drops the task; {@code CallerRunsPolicy} drops it once the pool is
   *       shut down (and runs it otherwise).
   *   <li>{@code DiscardOldestPolicy} drops the oldest queued task, whose unit ends, and queues the
   *       new one, whose unit lives until it ran. Its steps are taken here rather than by the
   *       policy, which would hand the new task to the executor's {@code execute} again: Spring's
   *       executor decorates every task it is given there, a second time, and the policy's retry
   *       recurses without end on a queue of capacity 0.
   * </ul>
   */
  private record AbandoningHandler(RejectedExecutionHandler policy)
      implements RejectedExecutionHandler {
    @Override
    public void rejectedExecution(Runnable task, ThreadPoolExecutor executor) {
      if (policy instanceof ThreadPoolExecutor.DiscardOldestPolicy) {
        discardOldest(task, executor);
        return;
      }
      if (policy instanceof ThreadPoolExecutor.DiscardPolicy
          || (policy instanceof ThreadPoolExecutor.CallerRunsPolicy && executor.isShutdown())) {
        DrainTaskDecorator.abandon(task);
        return;
      }
      try {
        policy.rejectedExecution(task, executor);
      } catch (RuntimeException | Error refused) {
        DrainTaskDecorator.abandon(task);
        throw refused;
      }
    }

    /** What the policy does, with the dropped task known; the new task is queued, not decorated. */
    private static void discardOldest(Runnable task, ThreadPoolExecutor executor) {
      if (executor.isShutdown()) {
        DrainTaskDecorator.abandon(task);
        return;
      }
      BlockingQueue<Runnable> queue = executor.getQueue();
      Runnable oldest = queue.poll();
      if (oldest != null) {
        DrainTaskDecorator.abandon(oldest);
      }
      // Another submitter may have taken the freed place: then the new task is the one dropped.
      if (!queue.offer(task)) {
        DrainTaskDecorator.abandon(task);
      } else if (executor.isShutdown() && queue.remove(task)) {
        // Shut down meanwhile: shutdownNow() may have drained the queue before the offer.
        DrainTaskDecorator.abandon(task);
      }
    }
  }
}

package io.drain4j.spring.task;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainedException;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.aopalliance.intercept.MethodInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.support.NameMatchMethodPointcutAdvisor;
import org.springframework.core.task.TaskDecorator;

/**
 * Tracks the tasks of Spring's executors and schedulers as background units of a {@link
 * DrainCoordinator}, so that the drain waits for {@code @Async} methods and {@code @Scheduled}
 * jobs.
 *
 * <p>Spring calls {@link #decorate(Runnable)} at different moments depending on the executor, and
 * the decorator tracks accordingly:
 *
 * <ul>
 *   <li><b>Executors</b> ({@code ThreadPoolTaskExecutor}, {@code SimpleAsyncTaskExecutor}, which
 *       back {@code @Async}): {@code decorate} runs when the task is submitted, once per task. The
 *       unit is entered then, not when a thread picks the task up: a task waiting in the queue is
 *       work the application accepted, and the drain must not report DRAINED over it (the executor
 *       would drop it at shutdown). The unit ends when the task ends. Once the coordinator is
 *       drained, submission fails with {@link DrainedException}, a {@code
 *       RejectedExecutionException}.
 *   <li><b>Schedulers</b> ({@code ThreadPoolTaskScheduler}, which backs {@code @Scheduled}): {@code
 *       decorate} runs once when a task is scheduled, and the decorated task then runs at every
 *       trigger. A periodic job is not work in flight between its runs, so here the unit is entered
 *       when a run starts and exited when it ends. A run that would start after DRAINED is not run:
 *       the scheduled task is cancelled.
 * </ul>
 *
 * <p>Spring Boot applies every {@link TaskDecorator} bean to the executors and schedulers that its
 * builders create (several are composed in order); this one is ordered first, so that it sees the
 * task as submitted and can tell a scheduled task from a plain one. Apply it yourself, with {@code
 * setTaskDecorator}, to executors created otherwise.
 */
public final class DrainTaskDecorator implements TaskDecorator {
  private static final Logger log = LoggerFactory.getLogger(DrainTaskDecorator.class);

  private final DrainCoordinator coordinator;

  /**
   * Creates the decorator.
   *
   * @param coordinator the coordinator that tracks the tasks; must not be {@code null}
   */
  public DrainTaskDecorator(DrainCoordinator coordinator) {
    this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
  }

  /**
   * Wraps a task so that it is tracked.
   *
   * @param task the task as submitted or scheduled; must not be {@code null}
   * @return the tracking task
   * @throws DrainedException when an executor task is submitted after the coordinator is drained
   */
  @Override
  public Runnable decorate(Runnable task) {
    Objects.requireNonNull(task, "task");
    if (task instanceof RunnableScheduledFuture<?>) {
      return new TrackedRun(coordinator, task);
    }
    SubmittedTask submitted =
        new SubmittedTask(coordinator.enter(UnitKind.BACKGROUND, name(task)), task);
    List<SubmittedTask> submission = SUBMISSION.get();
    if (submission != null) {
      submission.add(submitted);
    }
    return submitted;
  }

  /**
   * Wraps an executor so that a task it decorates and then refuses ends its unit at once: many
   * executors ({@code SimpleAsyncTaskExecutor} at its concurrency limit, one that has been closed,
   * an application's own) call the decorator before they decide to refuse the task, and a refused
   * task never runs. Every {@code execute} or {@code submit} call on the returned executor that
   * throws ends the units of the tasks decorated during the call that have not started.
   *
   * <p>The starter applies this to the application's task executors (other than {@code
   * ThreadPoolTaskExecutor}, whose rejection handler it wraps instead). The proxy is class-based,
   * so that the bean keeps its type; calls to the executor's {@code final} methods (such as {@code
   * SimpleAsyncTaskExecutor.getConcurrencyLimit()}) are not routed to the executor.
   *
   * @param executor the executor; must not be {@code null}
   * @return a proxy of the executor, of its class
   */
  public static Executor endingUnitsOfRefusedTasks(Executor executor) {
    ProxyFactory factory = new ProxyFactory(Objects.requireNonNull(executor, "executor"));
    factory.setProxyTargetClass(true);
    NameMatchMethodPointcutAdvisor advisor = new NameMatchMethodPointcutAdvisor(REFUSAL_WATCH);
    advisor.setMappedNames("execute", "submit*");
    factory.addAdvisor(advisor);
    return (Executor) factory.getProxy(executor.getClass().getClassLoader());
  }

  /**
   * The tasks decorated on this thread during the outermost {@code execute} or {@code submit} call
   * of an executor wrapped by {@link #endingUnitsOfRefusedTasks}; {@code null} outside such a call.
   */
  private static final ThreadLocal<List<SubmittedTask>> SUBMISSION = new ThreadLocal<>();

  private static final MethodInterceptor REFUSAL_WATCH =
      invocation -> {
        if (SUBMISSION.get() != null) {
          // An executor delegating to another wrapped one: the outermost call watches.
          return invocation.proceed();
        }
        List<SubmittedTask> submission = new ArrayList<>(1);
        SUBMISSION.set(submission);
        try {
          return invocation.proceed();
        } catch (Throwable refused) {
          for (SubmittedTask task : submission) {
            task.abandonIfNotStarted();
          }
          throw refused;
        } finally {
          SUBMISSION.remove();
        }
      };

  static String name(Runnable task) {
    return "task " + task.getClass().getName();
  }

  /**
   * Ends the unit of a decorated task that will never run: its submission was rejected by the
   * executor. Called by the starter's rejection handler; does nothing for other runnables.
   *
   * @param rejected the runnable handed to a {@code RejectedExecutionHandler}
   */
  public static void abandon(Runnable rejected) {
    if (rejected instanceof SubmittedTask submitted) {
      submitted.unit.exit();
    }
  }

  /** A submitted executor task: its unit was entered on submission and ends with the task. */
  static final class SubmittedTask implements Runnable {
    final InFlight unit;
    private final Runnable task;
    private final AtomicBoolean started = new AtomicBoolean();

    SubmittedTask(InFlight unit, Runnable task) {
      this.unit = unit;
      this.task = task;
    }

    @Override
    public void run() {
      started.set(true);
      try {
        task.run();
      } finally {
        unit.exit();
      }
    }

    /**
     * Ends the unit of a task whose submission failed, unless an executor ran it anyway (one that
     * ran it on the caller's thread and then failed): that run ended it already.
     */
    void abandonIfNotStarted() {
      if (started.compareAndSet(false, true)) {
        unit.exit();
      }
    }

    @Override
    public String toString() {
      return "drain4j-tracked " + task;
    }
  }

  /** A scheduled task: each run is a unit of its own. */
  private static final class TrackedRun implements Runnable {
    private final DrainCoordinator coordinator;
    private final Runnable task;

    TrackedRun(DrainCoordinator coordinator, Runnable task) {
      this.coordinator = coordinator;
      this.task = task;
    }

    @Override
    public void run() {
      InFlight unit;
      try {
        unit = coordinator.enter(UnitKind.BACKGROUND, name(task));
      } catch (DrainedException e) {
        // Outbound clients are closed by now; the run could only fail half-way. Cancelling it
        // tells whoever waits on its future, and stops a periodic task's later runs.
        log.info("Scheduled task {} cancelled: the application has drained", task);
        ((Future<?>) task).cancel(false);
        return;
      }
      try {
        task.run();
      } finally {
        unit.exit();
      }
    }

    @Override
    public String toString() {
      return "drain4j-tracked " + task;
    }
  }
}

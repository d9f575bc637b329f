package io.drain4j;

import java.util.concurrent.Executor;

/**
 * Tracks each task as a background unit from submission until its body returns, or until it is
 * known never to run (rejected, or dropped by the pool's discard policy); see {@link TrackedTasks}.
 */
final class TrackedExecutor implements Executor {
  private final DrainCoordinator coordinator;
  private final Executor delegate;

  TrackedExecutor(DrainCoordinator coordinator, Executor delegate) {
    this.coordinator = coordinator;
    this.delegate = delegate;
    TrackedTasks.watchDiscards(delegate);
  }

  @Override
  public void execute(Runnable task) {
    InFlight unit = coordinator.enter(UnitKind.BACKGROUND, TrackedTasks.nameOf(task));
    try {
      delegate.execute(new TrackedTasks.TrackedRunnable(unit, task));
    } catch (RuntimeException | Error e) {
      // Rejected: the task will never run, so its unit must not hold the drain.
      unit.exit();
      throw e;
    }
  }

  @Override
  public String toString() {
    return "TrackedExecutor[" + delegate + "]";
  }
}

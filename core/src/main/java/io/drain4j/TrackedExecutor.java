package io.drain4j;

import java.util.concurrent.Executor;

/** Tracks each task as a background unit from submission until it ends. */
final class TrackedExecutor implements Executor {
  private final DrainCoordinator coordinator;
  private final Executor delegate;

  TrackedExecutor(DrainCoordinator coordinator, Executor delegate) {
    this.coordinator = coordinator;
    this.delegate = delegate;
  }

  @Override
  public void execute(Runnable task) {
    InFlight unit = coordinator.enter(UnitKind.BACKGROUND, TrackedExecutorService.nameOf(task));
    try {
      delegate.execute(
          () -> {
            try {
              task.run();
            } finally {
              unit.exit();
            }
          });
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

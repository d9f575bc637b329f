package io.drain4j;

/**
 * One unit of work admitted by a {@link DrainCoordinator}: a request, an outbound call or a
 * background task. The drain waits until every unit has exited.
 *
 * <p>{@link #exit()} is idempotent and may be called from any thread (an asynchronous request
 * usually completes on a thread other than the one that admitted it). Use try-with-resources for
 * synchronous work:
 *
 * <pre>{@code
 * try (InFlight unit = coordinator.enter(UnitKind.BACKGROUND, "nightly-report")) {
 *   report.run();
 * }
 * }</pre>
 */
public interface InFlight extends AutoCloseable {

  /** Marks this unit finished. Only the first call counts; later calls do nothing. */
  void exit();

  /** Same as {@link #exit()}, so that a unit can be used in try-with-resources. */
  @Override
  default void close() {
    exit();
  }

  /**
   * The kind of this unit.
   *
   * @return never {@code null}
   */
  UnitKind kind();

  /**
   * The short name given when the unit was entered, for example {@code GET /orders}.
   *
   * @return the name, or {@code null} when none was given
   */
  String name();
}

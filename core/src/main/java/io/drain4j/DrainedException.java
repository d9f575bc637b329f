package io.drain4j;

import java.util.concurrent.RejectedExecutionException;

/**
 * Thrown when a unit is entered, or a call is made through a tracked client, after the coordinator
 * reached {@link DrainState#DRAINED}: the application is shutting down and its outbound clients are
 * closed. It extends {@link RejectedExecutionException} so that executors and callers that already
 * handle rejection handle this too.
 */
public final class DrainedException extends RejectedExecutionException {
  /** Version of the serialized form. */
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was refused and why; may be {@code null}
   */
  public DrainedException(String message) {
    super(message);
  }
}

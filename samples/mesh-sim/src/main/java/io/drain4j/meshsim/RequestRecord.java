package io.drain4j.meshsim;

/**
 * One request of the workload.
 *
 * @param endpoint what it called
 * @param ms the length it asked for
 * @param longRequest whether it is one of the scheduled long requests
 * @param startNanos when it was sent ({@link System#nanoTime()})
 * @param endNanos when its answer ended, or it failed
 * @param outcome its class
 * @param reason why, unless OK
 * @param status the gRPC status code of a gRPC call that did not end well, {@code null} otherwise
 */
record RequestRecord(
    Endpoint endpoint,
    long ms,
    boolean longRequest,
    long startNanos,
    long endNanos,
    Outcome outcome,
    String reason,
    String status) {

  /**
   * Whether this is an accepted background job whose work could not have ended before the
   * application exited: a job starts no earlier than its request was sent, so one due after the
   * exit died with the application, whoever ended it (a SIGKILL, or a JVM exit that did not wait).
   *
   * @param appExitNanos the application's exit ({@link System#nanoTime()}), 0 if unknown
   */
  boolean jobLostAt(long appExitNanos) {
    return appExitNanos != 0
        && endpoint == Endpoint.JOB
        && outcome == Outcome.OK
        && startNanos + ms * 1_000_000L > appExitNanos;
  }
}

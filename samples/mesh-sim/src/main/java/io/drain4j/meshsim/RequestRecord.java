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
 */
record RequestRecord(
    Endpoint endpoint,
    long ms,
    boolean longRequest,
    long startNanos,
    long endNanos,
    Outcome outcome,
    String reason) {}

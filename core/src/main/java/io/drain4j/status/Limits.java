package io.drain4j.status;

import java.time.Duration;
import java.util.Objects;

/**
 * The bounds that keep the status endpoint's threads and memory finite whatever its clients send.
 *
 * @param workers threads that read requests and answer them
 * @param queue requests waiting for a worker; beyond it, connections are closed at once
 * @param requestTimeout time from the first byte of a request until it must be fully read (request
 *     line, headers and body); a connection past it is closed
 * @param maxBodyBytes request bodies are read up to this size; a larger one is answered 413
 * @param maxWaiters concurrent {@code /drain/await} long polls; beyond it, 429
 * @param backlog the listening socket's accept backlog
 */
record Limits(
    int workers,
    int queue,
    Duration requestTimeout,
    int maxBodyBytes,
    int maxWaiters,
    int backlog) {

  /** The limits a coordinator's endpoint runs with. */
  static final Limits DEFAULT = new Limits(4, 64, Duration.ofSeconds(5), 8 * 1024, 256, 64);

  Limits {
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    if (workers < 1
        || queue < 1
        || maxBodyBytes < 0
        || maxWaiters < 1
        || backlog < 1
        || requestTimeout.isNegative()
        || requestTimeout.isZero()) {
      throw new IllegalArgumentException("invalid status endpoint limits");
    }
  }
}

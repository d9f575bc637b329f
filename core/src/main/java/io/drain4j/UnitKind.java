package io.drain4j;

import java.util.Locale;

/** The three kinds of work a {@link DrainCoordinator} tracks. */
public enum UnitKind {
  /** A request the server received (tracked by the servlet and Netty adapters). */
  INBOUND,
  /** A call the application makes through a tracked client. */
  OUTBOUND,
  /** A task started by a request on an executor, a job, a scheduled task. */
  BACKGROUND;

  private final String tag = name().toLowerCase(Locale.ROOT);

  /**
   * The lower-case name used in JSON, logs and metric tags.
   *
   * @return {@code inbound}, {@code outbound} or {@code background}
   */
  public String tag() {
    return tag;
  }
}

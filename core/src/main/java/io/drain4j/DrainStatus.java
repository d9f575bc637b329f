package io.drain4j;

import java.util.Objects;

/**
 * A snapshot of a coordinator's drain, as served by {@code GET /drain}.
 *
 * @param state the lifecycle state; never {@code null}
 * @param forced {@code true} when the state is {@link DrainState#DRAINED} because the deadline
 *     passed while units were still in flight
 * @param inbound inbound units in flight
 * @param outbound outbound units in flight
 * @param background background units in flight
 * @param oldestInflightMs age in milliseconds of the oldest unit in flight; 0 when none is
 * @param drainElapsedMs milliseconds since the drain started (frozen once drained); 0 before
 * @param deadlineRemainingMs milliseconds left until the deadline (frozen once drained); the full
 *     deadline before the drain starts
 */
public record DrainStatus(
    DrainState state,
    boolean forced,
    int inbound,
    int outbound,
    int background,
    long oldestInflightMs,
    long drainElapsedMs,
    long deadlineRemainingMs) {

  /**
   * Creates a snapshot.
   *
   * @param state the lifecycle state; must not be {@code null}
   * @param forced whether the deadline forced the drain
   * @param inbound inbound units in flight
   * @param outbound outbound units in flight
   * @param background background units in flight
   * @param oldestInflightMs age in milliseconds of the oldest unit in flight
   * @param drainElapsedMs milliseconds since the drain started
   * @param deadlineRemainingMs milliseconds left until the deadline
   */
  public DrainStatus {
    Objects.requireNonNull(state, "state");
  }

  /**
   * Units in flight of all kinds.
   *
   * @return inbound + outbound + background
   */
  public int inflight() {
    return inbound + outbound + background;
  }

  /**
   * Units in flight of one kind.
   *
   * @param kind the kind; must not be {@code null}
   * @return the count for that kind
   */
  public int inflight(UnitKind kind) {
    return switch (kind) {
      case INBOUND -> inbound;
      case OUTBOUND -> outbound;
      case BACKGROUND -> background;
    };
  }

  /**
   * This snapshot as the JSON body of the status endpoint, on one line:
   *
   * <pre>{@code
   * {"state":"QUIESCING","forced":false,"inflight":{"inbound":2,"outbound":1,"background":0},
   *  "oldestInflightMs":8123,"drainElapsedMs":6001,"deadlineRemainingMs":18999}
   * }</pre>
   *
   * @return the JSON text, never {@code null}
   */
  public String toJson() {
    return "{\"state\":\""
        + state.name()
        + "\",\"forced\":"
        + forced
        + ",\"inflight\":{\"inbound\":"
        + inbound
        + ",\"outbound\":"
        + outbound
        + ",\"background\":"
        + background
        + "},\"oldestInflightMs\":"
        + oldestInflightMs
        + ",\"drainElapsedMs\":"
        + drainElapsedMs
        + ",\"deadlineRemainingMs\":"
        + deadlineRemainingMs
        + "}";
  }
}

package io.drain4j;

/**
 * The lifecycle of a {@link DrainCoordinator}; states only ever move forward, in declaration order.
 *
 * <pre>
 * SERVING ──start──▶ DRAINING ──propagation delay──▶ QUIESCING ──no work left──▶ DRAINED
 *                                                         └──────deadline──────▶ DRAINED (forced)
 * </pre>
 */
public enum DrainState {
  /** Ready: readiness succeeds and every unit is admitted. */
  SERVING,
  /**
   * The drain has started: readiness fails, new requests are still served (other proxies keep
   * sending until the endpoint removal reaches them) but their responses close the connection.
   */
  DRAINING,
  /**
   * The propagation delay is over: new inbound requests are refused with {@code 503}; work already
   * in flight, and the outbound calls and background tasks it starts, run on.
   */
  QUIESCING,
  /**
   * Nothing is in flight any more (or the deadline passed, see {@link DrainStatus#forced()}),
   * registered outbound clients are closed and no unit is admitted again.
   */
  DRAINED;

  /**
   * The numeric code of this state as published by the {@code drain4j.state} gauge.
   *
   * @return 0 serving, 1 draining, 2 quiescing, 3 drained
   */
  public int code() {
    return switch (this) {
      case SERVING -> 0;
      case DRAINING -> 1;
      case QUIESCING -> 2;
      case DRAINED -> 3;
    };
  }
}

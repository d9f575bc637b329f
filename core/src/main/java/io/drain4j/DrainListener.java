package io.drain4j;

/**
 * Observes the drain so that long-lived work (streams, server-sent events, long polls, websockets)
 * can end politely instead of running into the deadline, and so that adapters can stop their
 * listeners and close idle connections.
 *
 * <p>Each method is called once, on the thread that caused the transition (the trigger's thread,
 * the coordinator's timer, or the thread whose unit was the last to exit); keep it short and
 * non-blocking. An exception thrown by a listener is logged and does not stop the drain. A listener
 * added after a transition happened is called at once for that transition.
 */
public interface DrainListener {

  /** The drain started: readiness now fails; responses should close their connections. */
  default void onDraining() {}

  /**
   * The propagation delay is over: new inbound requests are refused; stop accepting connections and
   * close idle ones.
   */
  default void onQuiescing() {}

  /**
   * Nothing is in flight any more, or the deadline passed ({@link DrainStatus#forced()}): close
   * whatever is left.
   *
   * @param status the final status; never {@code null}
   */
  default void onDrained(DrainStatus status) {}
}

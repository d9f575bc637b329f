package io.drain4j;

/**
 * Observes the drain so that long-lived work (streams, server-sent events, long polls, websockets)
 * can end politely instead of running into the deadline, and so that adapters can stop their
 * listeners and close idle connections.
 *
 * <p>Each method is called once per listener and in order ({@code onDraining}, {@code onQuiescing},
 * {@code onDrained}), on one of drain4j's callback threads (daemon threads named {@code
 * drain4j-callback-N}), never on the coordinator's timer and never on a request's thread: a
 * listener that is slow or blocks delays only its own later callbacks, never the drain, its
 * deadline or other listeners. The futures {@link DrainCoordinator#whenDraining()}, {@link
 * DrainCoordinator#whenQuiescing()} and {@link DrainCoordinator#whenDrained()} complete once every
 * listener has returned from that transition's callback, or 250 ms after the transition, whichever
 * comes first (a WARN names the listeners still running then). Anything a listener throws, an
 * {@link Error} included, is logged and does not stop the drain. A listener added after a
 * transition happened is called at once for that transition, on the thread that adds it.
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

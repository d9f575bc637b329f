package io.drain4j.netty;

import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import io.netty.channel.Channel;

/**
 * One server connection's part in the drain. {@link NettyServerDrain} calls these methods on the
 * connection's event loop, never on the coordinator's thread.
 */
interface ConnectionDrain {

  /**
   * Marks a request that was refused with {@code 503}; it takes a request's place in a queue so
   * that its answer goes out in order, and is never exited.
   */
  InFlight REFUSED =
      new InFlight() {
        @Override
        public void exit() {}

        @Override
        public UnitKind kind() {
          return UnitKind.INBOUND;
        }

        @Override
        public String name() {
          return "refused";
        }
      };

  /** The connection. */
  Channel channel();

  /** The drain started: responses close HTTP/1.1 connections, HTTP/2 connections go away. */
  void onDraining();

  /** New requests are refused from now on: idle connections close. */
  void onQuiescing();

  /** The drain is over (or its deadline passed): close at once, whatever is left. */
  void closeNow();
}

package io.drain4j.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOption;

/**
 * Turns {@link ChannelOption#ALLOW_HALF_CLOSURE} on for a server connection, so that a client's FIN
 * (or a read error) shuts only the input down and the application's late answer still passes the
 * drain handlers: Netty destroys a closed channel's pipeline, and a write after that reaches no
 * handler, so the end of a request whose client went away could not be seen otherwise.
 */
final class HalfClosure {
  private HalfClosure() {}

  /**
   * Turns half-closure on when it is off.
   *
   * @return {@code true} when this call turned it on: the caller then owns the close that Netty
   *     would have made at the end of the input; {@code false} when the application had it on
   *     already (it handles the input's end itself) or the transport does not support it
   */
  static boolean enable(Channel channel) {
    ChannelConfig config = channel.config();
    Boolean on = config.getOption(ChannelOption.ALLOW_HALF_CLOSURE);
    if (on == null || on) {
      return false;
    }
    return config.setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
  }
}

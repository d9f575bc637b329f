package io.drain4j.netty;

import io.drain4j.DrainCoordinator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Tracks the outbound HTTP/1.1 calls a Netty client makes, and keeps the client's event loop group
 * open until the application's own work is done.
 *
 * <pre>{@code
 * NettyClientDrain clientDrain = NettyClientDrain.create(coordinator)
 *     .closeWhenDrained("upstream", clientGroup);
 * new Bootstrap().group(clientGroup).channel(NioSocketChannel.class)
 *     .handler(new ChannelInitializer<SocketChannel>() {
 *       protected void initChannel(SocketChannel ch) {
 *         ch.pipeline().addLast(new HttpClientCodec(), clientDrain.newHttp1Handler(),
 *             new HttpObjectAggregator(1 << 20), new MyResponseHandler());
 *       }
 *     });
 * }</pre>
 *
 * <p>Each request written through a channel with the handler is an {@code outbound} unit from the
 * write of its head until its response has been read to the end (and handed to the handlers after
 * it), or the connection closes. After the coordinator is drained, writing a request fails its
 * write promise at once with {@link io.drain4j.DrainedException}.
 */
public final class NettyClientDrain {
  /** How long the group may take to finish; by then nothing is in flight through it. */
  private static final long GROUP_SHUTDOWN_TIMEOUT_MS = 5_000;

  private final DrainCoordinator coordinator;

  private NettyClientDrain(DrainCoordinator coordinator) {
    this.coordinator = coordinator;
  }

  /**
   * Creates the client side of the Netty integration.
   *
   * @param coordinator the application's coordinator; must not be {@code null}
   * @return a new instance; one can serve any number of clients and channels
   */
  public static NettyClientDrain create(DrainCoordinator coordinator) {
    return new NettyClientDrain(Objects.requireNonNull(coordinator, "coordinator"));
  }

  /**
   * Registers a client's event loop group with the coordinator as an outbound client: it stays open
   * while anything is in flight, and is shut down (and awaited) after the inbound, outbound and
   * background work reached zero or the deadline passed, before DRAINED is reported.
   *
   * <p>Do not register a group the server shares for its own connections: the server's {@link
   * NettyServerDrain#shutdownWhenDrained} shuts such a group down after DRAINED.
   *
   * @param name a name for the coordinator's logs; must not be {@code null}
   * @param group the client's group; must not be {@code null}
   * @return this
   * @throws io.drain4j.DrainedException when the coordinator is drained already
   */
  public NettyClientDrain closeWhenDrained(String name, EventLoopGroup group) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(group, "group");
    coordinator.registerOutboundClient(
        name,
        () -> {
          // shutdownGracefully returns the group's termination future.
          if (!group
              .shutdownGracefully(0, GROUP_SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS)
              .await(GROUP_SHUTDOWN_TIMEOUT_MS * 2, TimeUnit.MILLISECONDS)) {
            throw new TimeoutException("event loop group " + name + " did not terminate");
          }
        });
    return this;
  }

  /**
   * A new handler for one HTTP/1.1 client connection. Add it right after {@code HttpClientCodec},
   * before any aggregator and the application's handlers. Pipelined requests are paired with their
   * responses in order; informational ({@code 1xx}) responses do not end a call. Not sharable: one
   * per connection.
   *
   * @return a new handler
   */
  public ChannelHandler newHttp1Handler() {
    return new Http1ClientDrainHandler(coordinator);
  }
}

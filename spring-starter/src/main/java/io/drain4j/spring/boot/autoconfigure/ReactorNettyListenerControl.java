package io.drain4j.spring.boot.autoconfigure;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainListener;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import reactor.netty.channel.ChannelOperations;
import reactor.netty.http.server.HttpServer;

/**
 * Reactor Netty listener control: when the drain reaches QUIESCING, stops accepting connections
 * (closes the listening channels) and closes the keep-alive connections that have no request in
 * progress. Connections with a request in progress are left alone: their response carries {@code
 * Connection: close} (see {@link io.drain4j.spring.webflux.DrainWebFilter}).
 */
final class ReactorNettyListenerControl implements NettyServerCustomizer, DrainListener {
  private static final Logger log = LoggerFactory.getLogger(ReactorNettyListenerControl.class);

  /**
   * A close that fails leaves a port accepting or an idle connection open past QUIESCING, which the
   * drain cannot see otherwise.
   */
  private static final ChannelFutureListener WARN_IF_CLOSE_FAILED =
      future -> {
        if (!future.isSuccess()) {
          log.warn("Quiescing: could not close {}", future.channel(), future.cause());
        }
      };

  private final Queue<Channel> listeners = new ConcurrentLinkedQueue<>();
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private volatile boolean quiescing;

  ReactorNettyListenerControl(DrainCoordinator coordinator) {
    coordinator.addListener(this);
  }

  @Override
  public HttpServer apply(HttpServer server) {
    return server
        .doOnBound(
            bound -> {
              listeners.add(bound.channel());
              if (quiescing) {
                bound.channel().close().addListener(WARN_IF_CLOSE_FAILED);
              }
            })
        .doOnChannelInit((observer, channel, remote) -> connections.add(channel));
  }

  @Override
  public void onQuiescing() {
    quiescing = true;
    for (Channel listener; (listener = listeners.poll()) != null; ) {
      log.debug("Quiescing: closing listener {}", listener);
      listener.close().addListener(WARN_IF_CLOSE_FAILED);
    }
    for (Channel connection : connections) {
      // On the connection's event loop, so that the check and the close see one consistent state:
      // Reactor Netty detaches the request's operations from an idle keep-alive connection.
      connection
          .eventLoop()
          .execute(
              () -> {
                if (ChannelOperations.get(connection) == null) {
                  connection.close().addListener(WARN_IF_CLOSE_FAILED);
                }
              });
    }
  }
}

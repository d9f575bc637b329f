package io.drain4j.spring.boot.autoconfigure;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainListener;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import reactor.netty.channel.ChannelOperations;
import reactor.netty.http.server.HttpServer;

/**
 * Reactor Netty listener control.
 *
 * <ul>
 *   <li>DRAINING: every HTTP/2 connection gets a first GOAWAY ({@code NO_ERROR}, last stream
 *       2<sup>31</sup>−1), so its client opens its next streams on a new connection while the
 *       streams it already sent are served.
 *   <li>QUIESCING: the listening channels close (no new connections); HTTP/1.1 keep-alive
 *       connections with no request in progress are closed, those with one are left to finish
 *       (their response carries {@code Connection: close}, see {@link
 *       io.drain4j.spring.webflux.DrainWebFilter}); every HTTP/2 connection gets the final GOAWAY
 *       (last stream: the last one the client opened) and is closed once its last stream has ended.
 * </ul>
 */
final class ReactorNettyListenerControl implements NettyServerCustomizer, DrainListener {
  private static final Logger log = LoggerFactory.getLogger(ReactorNettyListenerControl.class);

  /**
   * A close that fails leaves a port accepting or an idle connection open past QUIESCING, which the
   * drain cannot see otherwise.
   */
  private static final ChannelFutureListener WARN_IF_FAILED =
      future -> {
        if (!future.isSuccess()) {
          log.warn("Drain: could not close or notify {}", future.channel(), future.cause());
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
                bound.channel().close().addListener(WARN_IF_FAILED);
              }
            })
        .doOnChannelInit((observer, channel, remote) -> connections.add(channel));
  }

  @Override
  public void onDraining() {
    for (Channel connection : connections) {
      connection
          .eventLoop()
          .execute(
              () -> {
                if (connection.pipeline().get(Http2FrameCodec.class) != null) {
                  // RFC 9113 §6.8: the first GOAWAY of a graceful shutdown announces it and still
                  // admits the streams the client may have sent meanwhile.
                  goAway(connection, Integer.MAX_VALUE);
                }
              });
    }
  }

  @Override
  public void onQuiescing() {
    quiescing = true;
    for (Channel listener; (listener = listeners.poll()) != null; ) {
      log.debug("Quiescing: closing listener {}", listener);
      listener.close().addListener(WARN_IF_FAILED);
    }
    for (Channel connection : connections) {
      // On the connection's event loop, so that the check and the close see one consistent state:
      // Reactor Netty detaches the request's operations from an idle keep-alive connection, and
      // HTTP/2 streams open and close there.
      connection.eventLoop().execute(() -> quiesce(connection));
    }
  }

  private static void quiesce(Channel connection) {
    Http2FrameCodec codec = connection.pipeline().get(Http2FrameCodec.class);
    if (codec != null) {
      // An HTTP/2 connection carries no ChannelOperations of its own (its streams do), so it must
      // not be taken for an idle one; and Channel.close() on it cut its streams in flight.
      goAway(connection, 0);
      closeWhenNoStreamIsActive(connection, codec.connection());
    } else if (ChannelOperations.get(connection) == null) {
      connection.close().addListener(WARN_IF_FAILED);
    }
  }

  /**
   * Sends GOAWAY with last stream id the last stream the client opened plus {@code extraStreams}
   * further client streams (Netty caps it at 2<sup>31</sup>−1).
   */
  private static void goAway(Channel connection, int extraStreams) {
    connection
        .writeAndFlush(
            new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR).setExtraStreamIds(extraStreams))
        .addListener(WARN_IF_FAILED);
  }

  private static void closeWhenNoStreamIsActive(Channel connection, Http2Connection http2) {
    if (http2.numActiveStreams() == 0) {
      connection.close().addListener(WARN_IF_FAILED);
      return;
    }
    http2.addListener(
        new Http2ConnectionAdapter() {
          @Override
          public void onStreamClosed(Http2Stream stream) {
            if (http2.numActiveStreams() == 0) {
              connection.close().addListener(WARN_IF_FAILED);
            }
          }
        });
  }
}

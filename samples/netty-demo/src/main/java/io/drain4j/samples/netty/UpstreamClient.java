package io.drain4j.samples.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.CharsetUtil;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A small Netty HTTP/1.1 client for {@code /call}: one connection per call, closed after the
 * answer. With drain4j on, each connection's pipeline has the tracking handler, so every call is an
 * outbound unit, and the client's event loop group is registered to stay open until DRAINED.
 */
final class UpstreamClient {
  /** A call that takes longer fails; the demo's upstream answers within the {@code ms} asked. */
  static final int READ_TIMEOUT_SECONDS = 120;

  private final DemoConfig config;
  private final EventLoopGroup group;
  private final Supplier<ChannelHandler> tracking;

  /**
   * @param tracking makes the drain4j handler for a new connection; {@code null} for none
   */
  UpstreamClient(DemoConfig config, EventLoopGroup group, Supplier<ChannelHandler> tracking) {
    this.config = config;
    this.group = group;
    this.tracking = tracking;
  }

  /** A response: its status code and body. */
  record Reply(int status, String body) {}

  /**
   * GETs {@code UPSTREAM_URL + pathAndQuery}.
   *
   * @return completes with the reply, or exceptionally when the call failed
   */
  CompletableFuture<Reply> get(String pathAndQuery) {
    CompletableFuture<Reply> result = new CompletableFuture<>();
    if (config.upstream() == null) {
      result.completeExceptionally(new IllegalStateException("UPSTREAM_URL is not set"));
      return result;
    }
    ChannelFuture connect;
    try {
      connect =
          new Bootstrap()
              .group(group)
              .channel(NioSocketChannel.class)
              .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
              .handler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      ch.pipeline()
                          .addLast(new ReadTimeoutHandler(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS));
                      ch.pipeline().addLast(new HttpClientCodec());
                      if (tracking != null) {
                        ch.pipeline().addLast(tracking.get());
                      }
                      ch.pipeline()
                          .addLast(new HttpObjectAggregator(1 << 20), new ReplyHandler(result));
                    }
                  })
              .connect(config.upstream().getHost(), config.upstreamPort());
    } catch (RuntimeException e) {
      // The group is shut down: the application is drained.
      result.completeExceptionally(e);
      return result;
    }
    connect.addListener(
        (ChannelFutureListener)
            f -> {
              if (!f.isSuccess()) {
                result.completeExceptionally(f.cause());
                return;
              }
              FullHttpRequest request =
                  new DefaultFullHttpRequest(
                      HttpVersion.HTTP_1_1,
                      HttpMethod.GET,
                      config.upstreamBasePath() + pathAndQuery);
              request
                  .headers()
                  .set(HttpHeaderNames.HOST, config.upstream().getAuthority())
                  .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
              f.channel()
                  .writeAndFlush(request)
                  .addListener(
                      (ChannelFutureListener)
                          w -> {
                            if (!w.isSuccess()) {
                              result.completeExceptionally(w.cause());
                              // The call has failed already: the close only frees the connection.
                              ChannelFuture unused = w.channel().close();
                            }
                          });
            });
    return result;
  }

  private static final class ReplyHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
    private final CompletableFuture<Reply> result;

    ReplyHandler(CompletableFuture<Reply> result) {
      this.result = result;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
      result.complete(
          new Reply(response.status().code(), response.content().toString(CharsetUtil.UTF_8)));
      // One call per connection, answered: the close only frees the connection.
      ChannelFuture unused = ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      result.completeExceptionally(cause);
      // The call has failed already: the close only frees the connection.
      ChannelFuture unused = ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      result.completeExceptionally(
          new IOException("the upstream closed the connection before answering"));
      super.channelInactive(ctx);
    }
  }
}

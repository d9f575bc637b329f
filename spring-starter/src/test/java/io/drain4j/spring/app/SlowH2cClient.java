package io.drain4j.spring.app;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One {@code GET} over h2c with prior knowledge on a stream that reads nothing until told to: its
 * DATA frames stay unread, so HTTP/2 flow control keeps the server from sending more than a small
 * window, and the server still has most of a large body to write.
 */
final class SlowH2cClient implements AutoCloseable {
  private static final int STREAM_WINDOW = 16 * 1024;

  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final CompletableFuture<Integer> status = new CompletableFuture<>();
  private final CompletableFuture<Long> body = new CompletableFuture<>();
  private final Http2StreamChannel stream;
  private long received;

  SlowH2cClient(int port, String path) throws InterruptedException {
    Channel connection =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel channel) {
                    channel
                        .pipeline()
                        .addLast(
                            Http2FrameCodecBuilder.forClient()
                                .initialSettings(
                                    Http2Settings.defaultSettings()
                                        .initialWindowSize(STREAM_WINDOW))
                                .build(),
                            new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                  }
                })
            .connect("127.0.0.1", port)
            .sync()
            .channel();
    stream =
        new Http2StreamChannelBootstrap(connection)
            .option(ChannelOption.AUTO_READ, false)
            .handler(new Reader())
            .open()
            .sync()
            .getNow();
    stream
        .writeAndFlush(
            new DefaultHttp2HeadersFrame(
                new DefaultHttp2Headers()
                    .method("GET")
                    .scheme("http")
                    .authority("127.0.0.1:" + port)
                    .path(path),
                true))
        .sync();
  }

  /** Starts reading, and waits for the whole answer; returns the number of body bytes. */
  long readAll() throws Exception {
    stream.config().setAutoRead(true);
    stream.read();
    return body.get(30, TimeUnit.SECONDS);
  }

  /** The response's status, once read. */
  int status() throws Exception {
    return status.get(1, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private final class Reader extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof Http2HeadersFrame headers && !status.isDone()) {
          status.complete(Integer.parseInt(headers.headers().status().toString()));
          if (headers.isEndStream()) {
            body.complete(received);
          }
        } else if (msg instanceof Http2DataFrame data) {
          received += data.content().readableBytes();
          if (data.isEndStream()) {
            body.complete(received);
          }
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      body.completeExceptionally(new IllegalStateException("stream closed after " + received));
    }
  }
}

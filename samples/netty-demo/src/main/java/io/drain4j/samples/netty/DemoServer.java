package io.drain4j.samples.netty;

import io.drain4j.DrainCoordinator;
import io.drain4j.netty.NettyClientDrain;
import io.drain4j.netty.NettyServerDrain;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The demo server: HTTP/1.1, h2c by upgrade and h2c with prior knowledge on one port. With a
 * coordinator, drain4j's handlers are in every pipeline, the upstream client's calls and the jobs
 * are tracked, and the server shuts itself down after DRAINED; without one (DRAIN4J_ENABLED=false)
 * the very same pipelines run without any drain4j handler.
 */
final class DemoServer implements AutoCloseable {
  private final EventLoopGroup boss =
      new MultiThreadIoEventLoopGroup(
          1, new DefaultThreadFactory("demo-boss"), NioIoHandler.newFactory());
  private final EventLoopGroup workers =
      new MultiThreadIoEventLoopGroup(
          0, new DefaultThreadFactory("demo-worker"), NioIoHandler.newFactory());
  private final EventLoopGroup clientGroup =
      new MultiThreadIoEventLoopGroup(
          1, new DefaultThreadFactory("demo-upstream"), NioIoHandler.newFactory());
  private final ExecutorService jobPool =
      Executors.newCachedThreadPool(new DefaultThreadFactory("demo-job", true));
  private final NettyServerDrain serverDrain;
  private final Channel serverChannel;
  private final CompletableFuture<Void> terminated;

  /**
   * Starts the server.
   *
   * @param drain the coordinator; {@code null} runs without drain4j
   */
  DemoServer(DemoConfig config, DrainCoordinator drain) throws InterruptedException {
    ExecutorService jobs = jobPool;
    UpstreamClient upstream;
    if (drain != null) {
      serverDrain = NettyServerDrain.create(drain);
      NettyClientDrain clientDrain =
          NettyClientDrain.create(drain).closeWhenDrained("demo-upstream", clientGroup);
      upstream = new UpstreamClient(config, clientGroup, clientDrain::newHttp1Handler);
      jobs = drain.trackExecutorService(jobPool);
    } else {
      serverDrain = null;
      upstream = new UpstreamClient(config, clientGroup, null);
    }
    DemoHandler app = new DemoHandler(upstream, jobs);
    ChannelInitializer<Http2StreamChannel> stream =
        new ChannelInitializer<>() {
          @Override
          protected void initChannel(Http2StreamChannel ch) {
            ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true), app);
          }
        };
    serverChannel =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    HttpServerCodec http1 = new HttpServerCodec();
                    HttpServerUpgradeHandler upgrade =
                        new HttpServerUpgradeHandler(
                            http1,
                            protocol -> {
                              if (!AsciiString.contentEquals(
                                  Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)) {
                                return null;
                              }
                              return serverDrain == null
                                  ? new Http2ServerUpgradeCodec(
                                      codec(), new Http2MultiplexHandler(stream))
                                  : new Http2ServerUpgradeCodec(
                                      codec(),
                                      serverDrain.newHttp2Handler(),
                                      new Http2MultiplexHandler(stream));
                            },
                            65536);
                    ChannelHandler priorKnowledge =
                        serverDrain == null
                            ? new Http2Pipeline(codec(), new Http2MultiplexHandler(stream))
                            : serverDrain.newHttp2Initializer(
                                codec(), new Http2MultiplexHandler(stream));
                    ChannelPipeline p = ch.pipeline();
                    p.addLast(
                        new CleartextHttp2ServerUpgradeHandler(http1, upgrade, priorKnowledge));
                    if (serverDrain != null) {
                      p.addLast(serverDrain.newHttp1Handler());
                    }
                    p.addLast(app);
                  }
                })
            .bind(new InetSocketAddress(config.port()))
            .sync()
            .channel();
    if (serverDrain != null) {
      serverDrain.closeOnQuiescing(serverChannel).shutdownWhenDrained(boss, workers);
      terminated = serverDrain.terminated();
    } else {
      terminated = new CompletableFuture<>();
      serverChannel.closeFuture().addListener(f -> terminated.complete(null));
    }
  }

  private static Http2FrameCodec codec() {
    return Http2FrameCodecBuilder.forServer().build();
  }

  int port() {
    return ((InetSocketAddress) serverChannel.localAddress()).getPort();
  }

  /**
   * Completes once the server has stopped: with drain4j, after DRAINED and the shutdown of its
   * event loops; without, when the server channel closes.
   */
  CompletableFuture<Void> terminated() {
    return terminated.copy();
  }

  /** Stops whatever still runs; after a drain that is only the job pool. Idempotent. */
  @Override
  public void close() {
    // Nothing waits here: the groups finish on their own, and the JVM exits once they have.
    ChannelFuture unusedClose = serverChannel.close();
    jobPool.shutdownNow();
    for (EventLoopGroup g : List.of(boss, workers, clientGroup)) {
      Future<?> unusedShutdown = g.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }
  }

  /** Without drain4j: puts the codec and the multiplexer in its place (prior knowledge). */
  private static final class Http2Pipeline extends io.netty.channel.ChannelInboundHandlerAdapter {
    private final Http2FrameCodec codec;
    private final Http2MultiplexHandler multiplex;

    Http2Pipeline(Http2FrameCodec codec, Http2MultiplexHandler multiplex) {
      this.codec = codec;
      this.multiplex = multiplex;
    }

    @Override
    public void handlerAdded(io.netty.channel.ChannelHandlerContext ctx) {
      ctx.pipeline().addAfter(ctx.name(), null, codec);
      ctx.pipeline().addAfter(ctx.pipeline().context(codec).name(), null, multiplex);
      ctx.pipeline().remove(this);
    }
  }
}

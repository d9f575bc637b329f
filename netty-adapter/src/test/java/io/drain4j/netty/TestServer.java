package io.drain4j.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainStatus;
import io.drain4j.UnitKind;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AsciiString;
import io.netty.util.CharsetUtil;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A real Netty server on loopback that speaks HTTP/1.1, h2c upgrade and h2c with prior knowledge,
 * with drain4j's handlers in every pipeline, and a small application:
 *
 * <ul>
 *   <li>{@code /fast}: answers 200 {@code ok} from a later event loop task, as an asynchronous
 *       application does (pipelined requests are all read before the first answer);
 *   <li>{@code /hold}: queues the request in {@link #held} until the test answers it.
 * </ul>
 */
final class TestServer implements AutoCloseable {
  final DrainCoordinator coordinator;
  final NettyServerDrain drain;
  final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  final EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  final BlockingQueue<Held> held = new LinkedBlockingQueue<>();

  /** The stream channels whose application saw the client's RST_STREAM. */
  final BlockingQueue<Channel> resets = new LinkedBlockingQueue<>();

  /**
   * The target of every HTTP/1.1 request the codec decoded, recorded just before the drain handler
   * sees it (in the same event loop turn), including requests the drain handler refuses.
   */
  final BlockingQueue<String> decoded = new LinkedBlockingQueue<>();

  final Channel serverChannel;

  /**
   * Starts a server.
   *
   * @param lifecycle whether the server channel and groups are handed to the drain's lifecycle
   *     glue; without it the server keeps accepting while quiescing, which lets a test open a
   *     connection then
   */
  TestServer(DrainCoordinator coordinator, boolean lifecycle) throws InterruptedException {
    this(coordinator, lifecycle, null);
  }

  /**
   * Starts a server; with {@code tls}, connections are TLS and ALPN picks HTTP/2 ({@code h2}) or
   * HTTP/1.1.
   */
  TestServer(DrainCoordinator coordinator, boolean lifecycle, SslContext tls)
      throws InterruptedException {
    this.coordinator = coordinator;
    this.drain = NettyServerDrain.create(coordinator);
    App app = new App();
    ChannelInitializer<Http2StreamChannel> streamInit =
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
                    if (tls != null) {
                      ch.pipeline()
                          .addLast(
                              closeNotifyHeldLong(tls.newHandler(ch.alloc())),
                              new ApplicationProtocolNegotiationHandler(
                                  ApplicationProtocolNames.HTTP_1_1) {
                                @Override
                                protected void configurePipeline(
                                    ChannelHandlerContext ctx, String protocol) {
                                  if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                                    ctx.pipeline()
                                        .addLast(
                                            drain.newHttp2Initializer(
                                                codec(), new Http2MultiplexHandler(streamInit)));
                                  } else {
                                    ctx.pipeline()
                                        .addLast(
                                            new HttpServerCodec(),
                                            drain.newHttp1Handler(),
                                            new HttpServerExpectContinueHandler(),
                                            app);
                                  }
                                }
                              });
                      return;
                    }
                    HttpServerCodec http1 = new HttpServerCodec();
                    HttpServerUpgradeHandler upgrade =
                        new HttpServerUpgradeHandler(
                            http1,
                            protocol ->
                                AsciiString.contentEquals(
                                        Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                                    ? new Http2ServerUpgradeCodec(
                                        codec(),
                                        drain.newHttp2Handler(),
                                        new Http2MultiplexHandler(streamInit))
                                    : null,
                            65536);
                    ChannelHandler priorKnowledge =
                        drain.newHttp2Initializer(codec(), new Http2MultiplexHandler(streamInit));
                    ch.pipeline()
                        .addLast(
                            new CleartextHttp2ServerUpgradeHandler(http1, upgrade, priorKnowledge),
                            new ChannelInboundHandlerAdapter() {
                              @Override
                              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                if (msg instanceof HttpRequest request) {
                                  decoded.add(request.uri());
                                }
                                ctx.fireChannelRead(msg);
                              }
                            },
                            drain.newHttp1Handler(),
                            new HttpServerExpectContinueHandler(),
                            app);
                  }
                })
            .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .sync()
            .channel();
    if (lifecycle) {
      drain.closeOnQuiescing(serverChannel).shutdownWhenDrained(boss, workers);
    }
  }

  /**
   * Raises the handler's close_notify flush timeout from Netty's 3 s to 60 s, so that a test can
   * tell a close that waits for it from one that does not by a wide margin, on a loaded machine
   * too.
   */
  private static io.netty.handler.ssl.SslHandler closeNotifyHeldLong(
      io.netty.handler.ssl.SslHandler handler) {
    handler.setCloseNotifyFlushTimeoutMillis(60_000);
    return handler;
  }

  private static Http2FrameCodec codec() {
    return Http2FrameCodecBuilder.forServer().build();
  }

  int port() {
    return ((InetSocketAddress) serverChannel.localAddress()).getPort();
  }

  /**
   * Waits, bounded, until the closed server channel's port refuses connections. The close future
   * completes when the Java channel is closed, but the JDK closes the socket of a channel
   * registered with a selector only once the event loop's next select deregisters it: until the
   * boss loop gets there (a moment, longer on a loaded machine) the kernel still queues
   * connections, which are never accepted and are reset when the socket goes. No event marks that
   * moment, hence the poll.
   */
  void awaitListenerGone() {
    InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port());
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() - end < 0) {
      try (Socket socket = new Socket()) {
        socket.connect(address, 1_000);
      } catch (IOException refused) {
        return;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }

  /**
   * Waits, bounded, until the server has seen the client of {@code connection} go: its input is
   * shut down (half-closure) or it is closed. Neither is an event a test can wait on from outside
   * the pipeline, hence the poll; then one task on its event loop, so that everything the server
   * does in the same turn (the drain handler's reaction included) has run.
   */
  static void awaitClientGone(Channel connection) throws Exception {
    SocketChannel ch = (SocketChannel) connection;
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (ch.isOpen() && !ch.isInputShutdown()) {
      if (System.nanoTime() - end > 0) {
        throw new AssertionError("the server did not see the client go within 10 s");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    ch.eventLoop().submit(() -> {}).get(10, TimeUnit.SECONDS);
  }

  /**
   * Starts the drain with {@code held} unanswered and its client gone, checks that the drain waits
   * in QUIESCING for the handler, then answers it (nobody reads the answer) and checks that the
   * drain ends, unforced, with nothing in flight.
   */
  static void assertDrainWaitsForTheAnswer(DrainCoordinator c, Held held) throws Exception {
    c.startDrain();
    c.whenQuiescing().get(10, TimeUnit.SECONDS);
    assertThat(c.inflight(UnitKind.INBOUND)).isEqualTo(1);
    assertThat(c.whenDrained()).isNotDone();

    held.answer("nobody reads this");
    DrainStatus status = c.whenDrained().get(10, TimeUnit.SECONDS);
    assertThat(status.forced()).isFalse();
    assertThat(status.inbound()).isZero();
  }

  /** Takes the next held request, waiting for it at most 10 s. */
  Held nextHeld() throws InterruptedException {
    Held h = held.poll(10, TimeUnit.SECONDS);
    if (h == null) {
      throw new AssertionError("no request reached the application within 10 s");
    }
    return h;
  }

  /**
   * Waits at most 10 s until the codec decoded a request for {@code uri}. A task the test then puts
   * on the connection's event loop runs after the drain handler has seen that request.
   */
  void awaitDecoded(String uri) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (String u; (u = decoded.poll(end - System.nanoTime(), TimeUnit.NANOSECONDS)) != null; ) {
      if (u.equals(uri)) {
        return;
      }
    }
    throw new AssertionError("no request for " + uri + " was decoded within 10 s");
  }

  @Override
  public void close() {
    // Teardown: the groups' shutdown closes every channel anyway, and nothing waits for it.
    ChannelFuture unusedClose = serverChannel.close();
    Future<?> unusedBoss = boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    Future<?> unusedWorkers = workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    coordinator.close();
  }

  /** A request the application has not answered yet. */
  static final class Held {
    final ChannelHandlerContext ctx;
    final String path;

    Held(ChannelHandlerContext ctx, String path) {
      this.ctx = ctx;
      this.path = path;
    }

    void answer(String body) {
      ctx.writeAndFlush(response(HttpResponseStatus.OK, body))
          .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    /** Answers with a body of {@code bytes} bytes in one full response. */
    void answerLarge(int bytes) {
      FullHttpResponse r =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(new byte[bytes]));
      r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes);
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    /**
     * Writes the answer through the pipeline but flushes it from the pipeline's first handler, as a
     * handler nearer the socket that flushes on its own would: the flush does not pass drain4j's
     * handler. Completes once the write is done.
     */
    ChannelFuture answerFlushedPastTheDrainHandler(String body) throws Exception {
      java.util.concurrent.CompletableFuture<ChannelFuture> written =
          new java.util.concurrent.CompletableFuture<>();
      ctx.executor()
          .execute(
              () -> {
                written.complete(ctx.write(response(HttpResponseStatus.OK, body)));
                ChannelHandlerContext unused = ctx.pipeline().firstContext().flush();
              });
      return written.get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** Sends the response head and a first chunk; {@link #finishStream} sends the rest. */
    void startStream(String firstChunk) {
      HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      HttpUtil.setTransferEncodingChunked(head, true);
      ctx.write(head).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
      ctx.writeAndFlush(
              new DefaultHttpContent(Unpooled.copiedBuffer(firstChunk, CharsetUtil.UTF_8)))
          .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    void finishStream(String lastChunk) {
      ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer(lastChunk, CharsetUtil.UTF_8)))
          .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
      ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
          .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }
  }

  static FullHttpResponse response(HttpResponseStatus status, String body) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, CharsetUtil.UTF_8));
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
    return r;
  }

  @ChannelHandler.Sharable
  private final class App extends SimpleChannelInboundHandler<HttpObject> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
      if (!(msg instanceof HttpRequest request)) {
        return;
      }
      String path = new QueryStringDecoder(request.uri()).path();
      if (path.equals("/hold")) {
        held.add(new Held(ctx, path));
      } else {
        ctx.executor()
            .execute(
                () ->
                    ctx.writeAndFlush(response(HttpResponseStatus.OK, "ok"))
                        .addListener(ChannelFutureListener.CLOSE_ON_FAILURE));
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof Http2ResetFrame) {
        resets.add(ctx.channel());
      }
      super.userEventTriggered(ctx, evt);
    }
  }
}

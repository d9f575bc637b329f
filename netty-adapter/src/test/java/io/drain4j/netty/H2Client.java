package io.drain4j.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.ssl.SslContext;
import io.netty.util.CharsetUtil;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A Netty HTTP/2 client with prior knowledge (h2c), for many streams on one connection and for
 * watching the GOAWAY frames the server sends.
 */
final class H2Client implements AutoCloseable {
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  final Channel channel;

  /** The last-stream-id of every GOAWAY received, in order. */
  final BlockingQueue<Integer> goAways = new LinkedBlockingQueue<>();

  /** Runs on the event loop when a GOAWAY arrives, before anything after it is read. */
  volatile Consumer<Integer> onGoAway = id -> {};

  /** The stream opened with the connection, or {@code null}. */
  final Stream first;

  H2Client(int port) throws InterruptedException {
    this(port, null, null);
  }

  H2Client(int port, SslContext tls) throws InterruptedException {
    this(port, tls, null);
  }

  /**
   * Connects; with {@code tls}, over TLS with ALPN {@code h2}. With {@code firstPath}, a GET for it
   * is written as soon as the connection is active, right after the client preface and before
   * anything from the server is read.
   */
  H2Client(int port, SslContext tls, String firstPath) throws InterruptedException {
    this(port, tls, firstPath, null);
  }

  /**
   * As above; with {@code firstBody}, the first request is a POST that sends it in a DATA frame.
   */
  H2Client(int port, SslContext tls, String firstPath, String firstBody)
      throws InterruptedException {
    first = firstPath == null ? null : new Stream();
    channel =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (tls != null) {
                      ch.pipeline().addLast(tls.newHandler(ch.alloc(), "127.0.0.1", port));
                    }
                    ch.pipeline()
                        .addLast(
                            Http2FrameCodecBuilder.forClient().build(),
                            new ChannelInboundHandlerAdapter() {
                              @Override
                              public void channelActive(ChannelHandlerContext ctx) {
                                if (first != null) {
                                  open(ctx.channel(), first, firstPath, firstBody);
                                }
                                ctx.fireChannelActive();
                              }

                              @Override
                              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                if (msg instanceof Http2GoAwayFrame goAway) {
                                  int last = goAway.lastStreamId();
                                  goAways.add(last);
                                  onGoAway.accept(last);
                                }
                                ctx.fireChannelRead(msg);
                              }
                            },
                            new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                  }
                })
            .connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
            .sync()
            .channel();
  }

  /** Opens a stream with a GET for {@code path}; callable from any thread, the event loop too. */
  Stream get(String path) {
    Stream s = new Stream();
    open(channel, s, path, null);
    return s;
  }

  private static void open(Channel channel, Stream s, String path, String body) {
    new Http2StreamChannelBootstrap(channel)
        .handler(s)
        .open()
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                s.response.completeExceptionally(f.cause());
                return;
              }
              Http2StreamChannel ch = (Http2StreamChannel) f.getNow();
              s.channel = ch;
              DefaultHttp2Headers headers = new DefaultHttp2Headers();
              headers
                  .method(body == null ? "GET" : "POST")
                  .scheme("http")
                  .authority("localhost")
                  .path(path);
              ChannelFuture written = ch.write(new DefaultHttp2HeadersFrame(headers, body == null));
              if (body != null) {
                ch.write(
                        new DefaultHttp2DataFrame(
                            Unpooled.copiedBuffer(body, CharsetUtil.UTF_8), true))
                    .addListener(
                        d -> {
                          if (!d.isSuccess()) {
                            s.response.completeExceptionally(d.cause());
                          }
                        });
              }
              ch.flush();
              written.addListener(
                  w -> {
                    if (w.isSuccess()) {
                      s.id.complete(ch.stream().id());
                    } else {
                      s.id.completeExceptionally(w.cause());
                      s.response.completeExceptionally(w.cause());
                    }
                  });
            });
  }

  /** Waits at most 10 s for the next GOAWAY. */
  int nextGoAway() throws InterruptedException {
    Integer id = goAways.poll(10, TimeUnit.SECONDS);
    if (id == null) {
      throw new AssertionError("no GOAWAY within 10 s");
    }
    return id;
  }

  @Override
  public void close() {
    // Teardown: the group's shutdown closes the connection anyway, and nothing waits for either.
    ChannelFuture unusedClose = channel.close();
    Future<?> unusedShutdown = group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  /** One stream: its id once its HEADERS are written, and its response. */
  static final class Stream extends SimpleChannelInboundHandler<Http2StreamFrame> {
    final CompletableFuture<Integer> id = new CompletableFuture<>();
    final CompletableFuture<Response> response = new CompletableFuture<>();
    volatile Http2StreamChannel channel;

    /** Resets the stream (RST_STREAM CANCEL) as soon as the first DATA frame arrives. */
    volatile boolean cancelOnFirstData;

    private int status;
    private final StringBuilder body = new StringBuilder();
    private String retryAfter;

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame frame) {
      boolean end = false;
      if (frame instanceof Http2HeadersFrame h) {
        if (h.headers().status() != null) {
          status = Integer.parseInt(h.headers().status().toString());
          CharSequence ra = h.headers().get("retry-after");
          retryAfter = ra == null ? null : ra.toString();
        }
        end = h.isEndStream();
      } else if (frame instanceof Http2DataFrame d) {
        if (cancelOnFirstData) {
          // The stream channel's close resets the stream; the close ends as it may.
          ChannelFuture unused = ctx.close();
          return;
        }
        body.append(d.content().toString(CharsetUtil.UTF_8));
        end = d.isEndStream();
      }
      if (end) {
        response.complete(
            new Response(
                ctx.channel() instanceof Http2StreamChannel ch ? ch.stream().id() : -1,
                status,
                retryAfter,
                body.toString()));
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      response.completeExceptionally(new IOException("stream closed before its end"));
      super.channelInactive(ctx);
    }

    /**
     * Resets the stream (RST_STREAM CANCEL), as a client that gives up does, and waits for the
     * stream channel to be closed.
     */
    void cancel() {
      channel.close().syncUninterruptibly();
    }
  }

  record Response(int streamId, int status, String retryAfter, String body) {}
}

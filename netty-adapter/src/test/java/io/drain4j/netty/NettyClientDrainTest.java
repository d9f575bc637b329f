package io.drain4j.netty;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainStatus;
import io.drain4j.DrainedException;
import io.drain4j.UnitKind;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.CharsetUtil;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NettyClientDrainTest {
  private TestServer upstream;
  private EventLoopGroup clientGroup;

  /** Every response the client read, as {@code STATUS BODY}, in order. */
  private final BlockingQueue<String> responses = new LinkedBlockingQueue<>();

  @BeforeEach
  void startUpstream() throws Exception {
    // The upstream has a coordinator of its own that never drains; only its /hold matters here.
    upstream = new TestServer(Coordinators.longDraining(), false);
    clientGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  }

  @AfterEach
  void stopUpstream() {
    // Teardown: nothing waits for the group; a test that needs it shut down checks that itself.
    Future<?> unused = clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    upstream.close();
  }

  private Channel connect(NettyClientDrain clientDrain) throws InterruptedException {
    return new Bootstrap()
        .group(clientGroup)
        .channel(NioSocketChannel.class)
        .handler(
            new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel ch) {
                ch.pipeline()
                    .addLast(
                        new HttpClientCodec(),
                        clientDrain.newHttp1Handler(),
                        new HttpObjectAggregator(1 << 16),
                        new SimpleChannelInboundHandler<FullHttpResponse>() {
                          @Override
                          protected void channelRead0(
                              ChannelHandlerContext ctx, FullHttpResponse r) {
                            responses.add(
                                r.status().code() + " " + r.content().toString(CharsetUtil.UTF_8));
                          }
                        });
              }
            })
        .connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), upstream.port()))
        .sync()
        .channel();
  }

  private static FullHttpRequest get(String path) {
    FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
    r.headers().set(HttpHeaderNames.HOST, "localhost");
    return r;
  }

  private String nextResponse() throws InterruptedException {
    String r = responses.poll(10, SECONDS);
    if (r == null) {
      throw new AssertionError("no response within 10 s");
    }
    return r;
  }

  @Test
  void whenOutboundCallRunsDuringTheDrainThenItCompletesAndTheClientGroupClosesOnlyAfterIt()
      throws Exception {
    DrainCoordinator c = Coordinators.quick();
    try {
      NettyClientDrain clientDrain =
          NettyClientDrain.create(c).closeWhenDrained("upstream", clientGroup);
      Channel ch = connect(clientDrain);
      ch.writeAndFlush(get("/hold")).sync();
      TestServer.Held call = upstream.nextHeld();
      assertThat(c.inflight(UnitKind.OUTBOUND)).isEqualTo(1);

      c.startDrain();
      c.whenQuiescing().get(10, SECONDS);
      assertThat(c.whenDrained()).isNotDone();
      assertThat(clientGroup.isShuttingDown()).isFalse();

      call.answer("from upstream");
      assertThat(nextResponse()).isEqualTo("200 from upstream");
      DrainStatus status = c.whenDrained().get(10, SECONDS);
      assertThat(status.forced()).isFalse();
      // Closed by the coordinator before it reported DRAINED, and awaited.
      assertThat(clientGroup.isTerminated()).isTrue();
    } finally {
      c.close();
    }
  }

  @Test
  void whenCoordinatorIsDrainedThenARequestFailsAtOnceWithDrainedException() throws Exception {
    DrainCoordinator c = Coordinators.create(Duration.ZERO, Duration.ofSeconds(10));
    try {
      Channel ch = connect(NettyClientDrain.create(c));
      c.startDrain();
      c.whenDrained().get(10, SECONDS);

      ChannelFuture write = ch.writeAndFlush(get("/fast"));
      assertThat(write.await(10, SECONDS)).isTrue();
      assertThat(write.cause())
          .isInstanceOf(DrainedException.class)
          .hasMessageContaining("GET /fast");
      assertThat(upstream.held).isEmpty();
      assertThat(c.inflight(UnitKind.OUTBOUND)).isZero();
    } finally {
      c.close();
    }
  }

  @Test
  void whenDrainedThenEveryPartOfAStreamedRequestIsRefused() throws Exception {
    DrainCoordinator c = Coordinators.create(Duration.ZERO, Duration.ofSeconds(10));
    try {
      Channel ch = connect(NettyClientDrain.create(c));
      c.startDrain();
      c.whenDrained().get(10, SECONDS);

      HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/hold");
      HttpUtil.setTransferEncodingChunked(head, true);
      ChannelFuture headWrite = ch.write(head);
      ChannelFuture partWrite =
          ch.write(new DefaultHttpContent(Unpooled.copiedBuffer("part", CharsetUtil.UTF_8)));
      ChannelFuture lastWrite = ch.writeAndFlush(new DefaultLastHttpContent());
      for (ChannelFuture f : new ChannelFuture[] {headWrite, partWrite, lastWrite}) {
        assertThat(f.await(10, SECONDS)).isTrue();
        assertThat(f.cause()).isInstanceOf(DrainedException.class);
      }
      assertThat(upstream.held).isEmpty();
    } finally {
      c.close();
    }
  }

  @Test
  void whenUpstreamAnswers100ContinueThenTheCallStaysInFlightUntilItsFinalResponse()
      throws Exception {
    DrainCoordinator c = Coordinators.quick();
    try {
      Channel ch = connect(NettyClientDrain.create(c));
      HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/hold");
      head.headers()
          .set(HttpHeaderNames.HOST, "localhost")
          .set(HttpHeaderNames.EXPECT, HttpHeaderValues.CONTINUE)
          .setInt(HttpHeaderNames.CONTENT_LENGTH, 5);
      ch.writeAndFlush(head).sync();
      assertThat(nextResponse()).isEqualTo("100 ");
      assertThat(c.inflight(UnitKind.OUTBOUND)).isEqualTo(1);

      ch.writeAndFlush(
              new DefaultLastHttpContent(Unpooled.copiedBuffer("hello", CharsetUtil.UTF_8)))
          .sync();
      upstream.nextHeld().answer("final");
      assertThat(nextResponse()).isEqualTo("200 final");
      c.startDrain();
      assertThat(c.whenDrained().get(10, SECONDS).forced()).isFalse();
    } finally {
      c.close();
    }
  }

  @Test
  void whenPipelinedCallsArePairedWithTheirResponsesThenEachEndsWithItsOwn() throws Exception {
    DrainCoordinator c = Coordinators.quick();
    try {
      Channel ch = connect(NettyClientDrain.create(c));
      ChannelFuture firstWrite = ch.write(get("/hold?1"));
      ch.writeAndFlush(get("/hold?2")).sync();
      firstWrite.sync();
      TestServer.Held first = upstream.nextHeld();
      TestServer.Held second = upstream.nextHeld();
      assertThat(c.inflight(UnitKind.OUTBOUND)).isEqualTo(2);

      c.startDrain();
      first.answer("one");
      assertThat(nextResponse()).isEqualTo("200 one");
      c.whenQuiescing().get(10, SECONDS);
      assertThat(c.whenDrained()).isNotDone(); // the second call is still out
      second.answer("two");
      assertThat(nextResponse()).isEqualTo("200 two");
      assertThat(c.whenDrained().get(10, SECONDS).forced()).isFalse();
    } finally {
      c.close();
    }
  }

  @Test
  void whenConnectionClosesWithCallsOutstandingThenTheyNoLongerHoldTheDrain() throws Exception {
    DrainCoordinator c = Coordinators.quick();
    try {
      Channel ch = connect(NettyClientDrain.create(c));
      ChannelFuture firstWrite = ch.write(get("/hold?1"));
      ch.writeAndFlush(get("/hold?2")).sync();
      firstWrite.sync();
      TestServer.Held first = upstream.nextHeld();
      upstream.nextHeld();
      assertThat(c.inflight(UnitKind.OUTBOUND)).isEqualTo(2);

      c.startDrain();
      first.ctx.channel().close().sync(); // the upstream goes away without answering
      assertThat(ch.closeFuture().await(10, SECONDS)).isTrue();
      DrainStatus status = c.whenDrained().get(10, SECONDS);
      assertThat(status.forced()).isFalse();
      assertThat(responses).isEmpty();
    } finally {
      c.close();
    }
  }
}

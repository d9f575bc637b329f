package io.drain4j.benchmarks;

import io.drain4j.DrainCoordinator;
import io.drain4j.netty.NettyServerDrain;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CPU cost of drain4j's HTTP/1.1 handler per keep-alive request, in a Netty pipeline without
 * sockets: an {@link EmbeddedChannel} with Netty's {@link HttpServerCodec} and an application
 * handler that answers {@code 200 ok} the way netty-demo does, with and without drain4j's handler
 * between them. Parsing, encoding and the pipeline are Netty's real code; only the socket syscalls
 * are missing, so the ratio here is an upper bound on drain4j's share of a real request.
 *
 * <p>One thread, so the figure is the work drain4j adds to the event loop. Run both variants in one
 * invocation (JMH alternates nothing by itself: use {@code -f 3} or more and compare medians), see
 * docs/benchmarks.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class NettyPipelineBenchmark {
  private static final byte[] REQUEST =
      "GET /work?ms=0 HTTP/1.1\r\nHost: localhost\r\nUser-Agent: wrk\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII);

  /** {@code on}: drain4j's handler in the pipeline; {@code off}: the same pipeline without it. */
  @Param({"off", "on"})
  public String drain;

  private DrainCoordinator coordinator;
  private EmbeddedChannel channel;
  private ByteBuf request;

  @Setup(Level.Trial)
  public void setUp() {
    coordinator =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(false)
            .propagationDelay(Duration.ofSeconds(5))
            .deadline(Duration.ofSeconds(25))
            .build();
    channel = new EmbeddedChannel();
    channel.pipeline().addLast(new HttpServerCodec());
    if ("on".equals(drain)) {
      channel.pipeline().addLast(NettyServerDrain.create(coordinator).newHttp1Handler());
    }
    channel.pipeline().addLast(new Responder());
    request = Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes(REQUEST));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    channel.finishAndReleaseAll();
    coordinator.close();
  }

  /** One request in, its response out and released; returns the response's size. */
  @Benchmark
  public int request() {
    channel.writeInbound(request.duplicate());
    int bytes = 0;
    for (Object out; (out = channel.readOutbound()) != null; ) {
      if (out instanceof ByteBuf b) {
        bytes += b.readableBytes();
      }
      ReferenceCountUtil.release(out);
    }
    return bytes;
  }

  /** Answers every request {@code 200 ok} as netty-demo's {@code /work?ms=0} does. */
  @ChannelHandler.Sharable
  static final class Responder extends ChannelInboundHandlerAdapter {
    private static final byte[] OK = "ok".getBytes(StandardCharsets.US_ASCII);

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      boolean last = msg instanceof LastHttpContent;
      ReferenceCountUtil.release(msg);
      if (!last) {
        return;
      }
      FullHttpResponse r =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(OK));
      r.headers().set(HttpHeaderNames.CONTENT_LENGTH, OK.length);
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }
  }
}

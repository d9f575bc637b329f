package io.drain4j.samples.netty;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.CharsetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The endpoints of the design contract (§8), on HTTP/1.1 objects: on an HTTP/1.1 connection after
 * the codec, on HTTP/2 in each stream channel after {@code Http2StreamFrameToHttpObjectCodec}.
 * Nothing blocks the event loop: waits are scheduled on it, jobs run on the job executor.
 */
@ChannelHandler.Sharable
final class DemoHandler extends ChannelInboundHandlerAdapter {
  /** The longest wait a request may ask for: one hour. */
  static final long MAX_MS = 3_600_000;

  static final int MAX_CHUNKS = 10_000;

  private final UpstreamClient upstream;
  private final ExecutorService jobs;

  DemoHandler(UpstreamClient upstream, ExecutorService jobs) {
    this.upstream = upstream;
    this.jobs = jobs;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof HttpRequest request) {
        handle(ctx, request);
      }
    } finally {
      ReferenceCountUtil.release(msg); // request bodies are not used
    }
  }

  private void handle(ChannelHandlerContext ctx, HttpRequest request) {
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    QueryStringDecoder query = new QueryStringDecoder(request.uri());
    String path = query.path();
    if (!path.equals("/work")
        && !path.equals("/call")
        && !path.equals("/job")
        && !path.equals("/stream")) {
      respond(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, "no such endpoint: " + path + "\n");
      return;
    }
    if (!request.method().equals(HttpMethod.GET)) {
      FullHttpResponse r = response(HttpResponseStatus.METHOD_NOT_ALLOWED, "use GET\n");
      r.headers().set(HttpHeaderNames.ALLOW, "GET");
      send(ctx, keepAlive, r);
      return;
    }
    long ms;
    long chunks = 1;
    try {
      ms = number(query, "ms", 0, MAX_MS);
      if (path.equals("/stream")) {
        chunks = number(query, "chunks", 5, MAX_CHUNKS);
        if (chunks == 0) {
          throw new IllegalArgumentException("chunks must be at least 1");
        }
      }
    } catch (IllegalArgumentException e) {
      respond(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, e.getMessage() + "\n");
      return;
    }
    switch (path) {
      case "/work" -> {
        // The answer's write reports its own failure (CLOSE_ON_FAILURE); the task is only ever
        // cancelled by the event loop's shutdown, which closes the connection anyway.
        ScheduledFuture<?> unused =
            ctx.executor()
                .schedule(
                    () -> respond(ctx, keepAlive, HttpResponseStatus.OK, "ok"),
                    ms,
                    TimeUnit.MILLISECONDS);
      }
      case "/call" -> call(ctx, keepAlive, ms);
      case "/job" -> job(ctx, keepAlive, ms);
      default -> stream(ctx, keepAlive, ms, (int) chunks);
    }
  }

  private void call(ChannelHandlerContext ctx, boolean keepAlive, long ms) {
    // Every outcome of the call is answered here, and the answer's write reports its own failure.
    CompletableFuture<?> unused =
        upstream
            .get("/work?ms=" + ms)
            .whenComplete(
                (reply, failure) -> {
                  if (failure != null) {
                    respond(
                        ctx,
                        keepAlive,
                        HttpResponseStatus.BAD_GATEWAY,
                        "upstream call failed: " + failure + "\n");
                  } else if (reply.status() / 100 != 2) {
                    respond(
                        ctx,
                        keepAlive,
                        HttpResponseStatus.BAD_GATEWAY,
                        "upstream answered " + reply.status() + "\n");
                  } else {
                    respond(ctx, keepAlive, HttpResponseStatus.OK, reply.body());
                  }
                });
  }

  private void job(ChannelHandlerContext ctx, boolean keepAlive, long ms) {
    try {
      jobs.execute(
          () -> {
            try {
              Thread.sleep(ms);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
    } catch (RejectedExecutionException e) {
      respond(ctx, keepAlive, HttpResponseStatus.SERVICE_UNAVAILABLE, "job refused: " + e + "\n");
      return;
    }
    respond(ctx, keepAlive, HttpResponseStatus.ACCEPTED, "job started\n");
  }

  /** K chunks, the first at once and the others spread evenly over N ms, then the end. */
  private void stream(ChannelHandlerContext ctx, boolean keepAlive, long ms, int chunks) {
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    head.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
    HttpUtil.setTransferEncodingChunked(head, true);
    if (!keepAlive) {
      head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    ctx.write(head).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    long interval = chunks > 1 ? ms / (chunks - 1) : ms;
    sendChunk(ctx, keepAlive, 0, chunks, interval);
  }

  private void sendChunk(
      ChannelHandlerContext ctx, boolean keepAlive, int i, int chunks, long interval) {
    if (!ctx.channel().isActive()) {
      return;
    }
    ctx.writeAndFlush(
            new DefaultHttpContent(
                Unpooled.copiedBuffer("chunk " + (i + 1) + "/" + chunks + "\n", CharsetUtil.UTF_8)))
        .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    // A scheduled step is only ever cancelled by the event loop's shutdown, which closes the
    // connection anyway; each step's writes report their own failures.
    if (i + 1 < chunks) {
      ScheduledFuture<?> unused =
          ctx.executor()
              .schedule(
                  () -> sendChunk(ctx, keepAlive, i + 1, chunks, interval),
                  interval,
                  TimeUnit.MILLISECONDS);
    } else if (chunks == 1 && interval > 0) {
      ScheduledFuture<?> unused =
          ctx.executor().schedule(() -> end(ctx, keepAlive), interval, TimeUnit.MILLISECONDS);
    } else {
      end(ctx, keepAlive);
    }
  }

  private static void end(ChannelHandlerContext ctx, boolean keepAlive) {
    boolean close = !keepAlive && !(ctx.channel() instanceof Http2StreamChannel);
    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
        .addListener(close ? ChannelFutureListener.CLOSE : ChannelFutureListener.CLOSE_ON_FAILURE);
  }

  private static long number(QueryStringDecoder query, String name, long dflt, long max) {
    List<String> values = query.parameters().get(name);
    if (values == null || values.isEmpty()) {
      return dflt;
    }
    String v = values.get(0);
    try {
      long n = Long.parseLong(v);
      if (n >= 0 && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // falls through
    }
    throw new IllegalArgumentException(name + "=" + v + " is not a whole number from 0 to " + max);
  }

  private static FullHttpResponse response(HttpResponseStatus status, String body) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, CharsetUtil.UTF_8));
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
    return r;
  }

  private static void respond(
      ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, String body) {
    send(ctx, keepAlive, response(status, body));
  }

  private static void send(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse r) {
    if (keepAlive || ctx.channel() instanceof Http2StreamChannel) {
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    } else {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // The connection (or stream) is beyond repair: closing it is all there is to do.
    ChannelFuture unused = ctx.close();
  }
}

package io.drain4j.netty;

import io.drain4j.DrainCoordinator;
import io.drain4j.InFlight;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2FrameStreamEvent;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import io.netty.util.concurrent.Future;
import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Tracks the streams of one HTTP/2 connection (see {@link NettyServerDrain#newHttp2Handler()}).
 *
 * <p>It sits between the {@link Http2FrameCodec} and the multiplexer, so it sees every stream's
 * frames and the codec's stream state events. A unit is admitted on a stream's first HEADERS and
 * exited when the codec reports the stream closed: for a served request that is when the write of
 * its END_STREAM frame has completed (the codec closes the stream from that write's promise), and
 * it also covers resets and lost connections. Units are kept in a primitive map by stream id, so
 * nothing is allocated per stream beyond the coordinator's unit.
 *
 * <p>A client that goes away does not end its streams while the application still works on them
 * (DESIGN §4). A stream the client resets ({@code RST_STREAM}) is closed in the codec at once, but
 * its {@code CLOSED} event is held back from the multiplexer, so the application's stream channel
 * stays open and its answer still passes this handler: the stream's unit ends when the application
 * writes the end of its response (or resets or closes its stream channel), and that write fails
 * with a {@link ClosedChannelException}; frames before it are dropped, as the client no longer
 * wants them. Then the held event goes on and the stream channel closes. A client's FIN only shuts
 * the input down ({@link HalfClosure}), so the streams in flight are answered, and the connection
 * closes when none is left.
 *
 * <p>The drain's GOAWAY is the graceful one of RFC 9113 §6.8: a first GOAWAY with the largest
 * stream id tells the client to open no more streams while still admitting those already on the
 * wire; a PING measures one round trip; then the final GOAWAY names the last stream really opened,
 * and the codec's graceful close ends the connection when its streams are done.
 *
 * <p>All state is confined to the event loop.
 */
final class Http2ServerDrainHandler extends ChannelDuplexHandler implements ConnectionDrain {
  /** The payload of our PING, so its ack is told apart from the application's: "drain4j!". */
  static final long GOAWAY_PING = 0x647261696e346a21L;

  /** When the PING is not answered (a broken client), the final GOAWAY goes out anyway. */
  static final long FINAL_GOAWAY_FALLBACK_MS = 2_000;

  private static final int NO_GOAWAY = 0;
  private static final int FIRST_GOAWAY_SENT = 1;
  private static final int FINAL_GOAWAY_SENT = 2;

  private final NettyServerDrain server;
  private final DrainCoordinator coordinator;
  private final RequestNames names = new RequestNames();
  private final IntObjectHashMap<InFlight> streams = new IntObjectHashMap<>(8);

  /** Streams with a unit that the client reset: the marker until the codec closes them. */
  private final IntObjectHashMap<Boolean> resetByClient = new IntObjectHashMap<>(2);

  /**
   * Streams whose application wrote the end of its response: a reset then (a client cancelling a
   * download that flow control holds back) finds the application done already.
   */
  private final IntObjectHashMap<Boolean> answered = new IntObjectHashMap<>(8);

  /** Reset streams whose application has not answered yet, with their held CLOSED event. */
  private final IntObjectHashMap<Http2FrameStreamEvent> held = new IntObjectHashMap<>(2);

  private ChannelHandlerContext ctx;
  private Http2FrameCodec codec;
  private int goAway = NO_GOAWAY;
  private ScheduledFuture<?> finalGoAwayFallback;
  private boolean registered;

  /** This handler (or the HTTP/1.1 one before an upgrade) turned half-closure on. */
  private boolean closesOnInputEnd;

  /** The client shut its side down: close once no stream is left. */
  private boolean inputClosed;

  /** The final GOAWAY's close waits for the reset streams whose application still works. */
  private boolean closeWhenHeldDone;

  Http2ServerDrainHandler(NettyServerDrain server) {
    this.server = server;
    this.coordinator = server.coordinator();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
    List<String> order = ctx.pipeline().names();
    if (codec == null
        || order.indexOf(ctx.pipeline().context(codec).name()) > order.indexOf(ctx.name())) {
      throw new IllegalStateException(
          "the drain4j HTTP/2 handler must follow the connection's "
              + "Http2FrameCodec (and precede the Http2MultiplexHandler): "
              + order);
    }
    this.ctx = ctx;
    this.codec = codec;
    closesOnInputEnd = HalfClosure.enable(ctx.channel());
    Http1ServerDrainHandler http1 = ctx.pipeline().get(Http1ServerDrainHandler.class);
    if (http1 != null) {
      closesOnInputEnd |= http1.closesOnInputEnd();
      http1.handOver();
    }
    registered = true;
    server.register(this);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    endAll();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    // The multiplexer closes the stream channels still waiting for their CLOSED event. Taken out of
    // the map first: an application that writes as its stream channel closes comes back here.
    Http2FrameStreamEvent[] closed = held.values().toArray(new Http2FrameStreamEvent[0]);
    held.clear();
    for (Http2FrameStreamEvent e : closed) {
      ctx.fireUserEventTriggered(e);
    }
    endAll();
    super.channelInactive(ctx);
  }

  // ---------------------------------------------------------------- streams

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Http2HeadersFrame frame) {
      int id = frame.stream().id();
      InFlight unit = streams.get(id);
      if (unit == null) {
        Http2Headers headers = frame.headers();
        unit = coordinator.admitInbound(names.of(headers.method(), headers.path()));
        if (unit == null) {
          refuse(ctx, frame);
          return;
        }
        streams.put(id, unit);
      } else if (unit == REFUSED) {
        return; // trailers of a refused request
      }
    } else if (msg instanceof Http2DataFrame data) {
      if (streams.get(data.stream().id()) == REFUSED) {
        // Its flow-control credit returns to the connection when the stream closes.
        ReferenceCountUtil.release(msg);
        return;
      }
    } else if (msg instanceof Http2ResetFrame reset) {
      int id = reset.stream().id();
      InFlight unit = streams.get(id);
      if (unit != null && unit != REFUSED && !answered.containsKey(id)) {
        resetByClient.put(id, Boolean.TRUE);
      }
    } else if (msg instanceof Http2PingFrame ping) {
      if (ping.ack() && ping.content() == GOAWAY_PING) {
        sendFinalGoAway();
        return;
      }
    }
    ctx.fireChannelRead(msg);
  }

  private void refuse(ChannelHandlerContext ctx, Http2HeadersFrame request) {
    Http2FrameStream stream = request.stream();
    streams.put(stream.id(), REFUSED);
    Http2Headers headers =
        new DefaultHttp2Headers()
            .status(HttpResponseStatus.SERVICE_UNAVAILABLE.codeAsText())
            .set(HttpHeaderNames.RETRY_AFTER, "1")
            .setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
    // The codec acts on a failed HEADERS or RST_STREAM write itself (it resets the stream or
    // closes the connection): nothing is left to do with these futures.
    ChannelFuture unusedAnswer =
        ctx.write(new DefaultHttp2HeadersFrame(headers, true).stream(stream));
    if (!request.isEndStream()) {
      // The answer is complete before the request: ask the client to stop sending (§8.1).
      ChannelFuture unusedReset =
          ctx.write(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR).stream(stream));
    }
    ctx.flush();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof Http2FrameStreamEvent event) {
      if (event.type() == Http2FrameStreamEvent.Type.State
          && event.stream().state() == Http2Stream.State.CLOSED) {
        int id = event.stream().id();
        if (resetByClient.containsKey(id)) {
          resetByClient.remove(id);
          // The application still works on it: its stream channel stays open for the answer.
          held.put(id, event);
          return;
        }
        answered.remove(id);
        InFlight unit = streams.remove(id);
        if (unit != null) {
          unit.exit();
        }
        closeIfDone();
      }
    } else if (evt instanceof ChannelInputShutdownEvent && closesOnInputEnd) {
      inputClosed = true;
      closeIfDone();
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof Http2StreamFrame frame && frame.stream() != null) {
      int id = frame.stream().id();
      if (!held.isEmpty()) {
        Http2FrameStreamEvent closed = held.get(id);
        if (closed != null) {
          answerAfterReset(ctx, id, closed, frame, promise);
          return;
        }
      }
      if (isEnd(frame) && streams.containsKey(id)) {
        answered.put(id, Boolean.TRUE);
      }
    }
    ChannelFuture unused = ctx.write(msg, promise);
  }

  /** Whether the application is done with the stream once this frame is written. */
  private static boolean isEnd(Http2StreamFrame frame) {
    return frame instanceof Http2ResetFrame
        || (frame instanceof Http2HeadersFrame h && h.isEndStream())
        || (frame instanceof Http2DataFrame d && d.isEndStream());
  }

  /** A frame the application wrote on a stream the client reset: the client wants none of it. */
  private void answerAfterReset(
      ChannelHandlerContext ctx,
      int id,
      Http2FrameStreamEvent closed,
      Http2StreamFrame frame,
      ChannelPromise promise) {
    ReferenceCountUtil.release(frame);
    if (!isEnd(frame)) {
      // Dropped, not failed: a failed write would close the stream channel before the answer ends.
      promise.trySuccess();
      return;
    }
    held.remove(id);
    InFlight unit = streams.remove(id);
    if (unit != null) {
      unit.exit();
    }
    // The multiplexer closes the stream channel now; the write fails as on any closed stream.
    ctx.fireUserEventTriggered(closed);
    promise.tryFailure(new ClosedChannelException());
    if (closeWhenHeldDone && held.isEmpty()) {
      closeWhenHeldDone = false;
      closeGracefully();
    }
    closeIfDone();
  }

  /** Closes a connection whose client has gone once no stream on it is left. */
  private void closeIfDone() {
    if (inputClosed && streams.isEmpty() && ctx.channel().isOpen()) {
      ChannelFuture unused = ctx.close();
    }
  }

  // ---------------------------------------------------------------- GOAWAY

  private void startGoAway() {
    if (goAway != NO_GOAWAY || !ctx.channel().isActive()) {
      return;
    }
    // The coordinator's deadline, not the codec's timeout, decides when streams are cut.
    codec.gracefulShutdownTimeoutMillis(-1);
    if (codec.connection().goAwaySent()) {
      // The application began its own shutdown; a larger last-stream-id may not follow it.
      goAway = FINAL_GOAWAY_SENT;
      // The codec's close sends its GOAWAY and waits for the streams; channelInactive ends them.
      closeGracefully();
      return;
    }
    goAway = FIRST_GOAWAY_SENT;
    // The codec closes the connection when a GOAWAY cannot be written.
    ChannelFuture unused =
        ctx.write(
            new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR).setExtraStreamIds(Integer.MAX_VALUE));
    // Without its PING no ack comes: the final GOAWAY need not wait for the fallback then.
    ctx.writeAndFlush(new DefaultHttp2PingFrame(GOAWAY_PING)).addListener(this::pingWritten);
    try {
      finalGoAwayFallback =
          ctx.executor()
              .schedule(this::sendFinalGoAway, FINAL_GOAWAY_FALLBACK_MS, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      sendFinalGoAway();
    }
  }

  private void pingWritten(Future<?> future) {
    if (!future.isSuccess()) {
      sendFinalGoAway();
    }
  }

  private void sendFinalGoAway() {
    if (goAway != FIRST_GOAWAY_SENT) {
      return;
    }
    goAway = FINAL_GOAWAY_SENT;
    cancelFallback();
    if (!ctx.channel().isActive()) {
      return;
    }
    // No extra stream ids: the last stream id becomes the last stream the client opened. The
    // codec closes the connection when the GOAWAY cannot be written.
    ChannelFuture unusedGoAway = ctx.write(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
    // Http2ConnectionHandler.close() flushes and closes once no stream is active; channelInactive
    // ends whatever is left, however the close ends.
    closeGracefully();
  }

  /**
   * Lets the codec close the connection once its streams are done. Reset streams are no longer
   * active in the codec, so the close waits for their applications here first.
   */
  private void closeGracefully() {
    if (held.isEmpty()) {
      ChannelFuture unused = ctx.close();
    } else {
      closeWhenHeldDone = true;
      ctx.flush();
    }
  }

  private void cancelFallback() {
    ScheduledFuture<?> f = finalGoAwayFallback;
    finalGoAwayFallback = null;
    if (f != null) {
      f.cancel(false);
    }
  }

  // ---------------------------------------------------------------- drain events (event loop)

  @Override
  public Channel channel() {
    return ctx.channel();
  }

  @Override
  public void onDraining() {
    startGoAway();
  }

  @Override
  public void onQuiescing() {
    startGoAway();
  }

  @Override
  public void closeNow() {
    // Past the codec, whose close() would wait for the streams: the deadline has passed. The close
    // is the last word; channelInactive ends the units.
    ChannelFuture unused = ctx.pipeline().firstContext().close();
  }

  private void endAll() {
    cancelFallback();
    held.clear();
    resetByClient.clear();
    answered.clear();
    if (!streams.isEmpty()) {
      for (IntObjectMap.PrimitiveEntry<InFlight> e : streams.entries()) {
        e.value().exit();
      }
      streams.clear();
    }
    if (registered) {
      registered = false;
      server.deregister(this);
    }
  }
}

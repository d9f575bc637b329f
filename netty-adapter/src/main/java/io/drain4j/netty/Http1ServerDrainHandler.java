package io.drain4j.netty;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import io.drain4j.InFlight;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Tracks the requests of one HTTP/1.1 connection (see {@link NettyServerDrain#newHttp1Handler()}).
 *
 * <p>Requests and responses pair up in order, pipelined or not: {@link #responding} holds the units
 * of requests whose response has not been written to its end, {@link #writing} those whose last
 * response part was written but whose write has not completed, and {@link #writes} the promises of
 * those writes. Netty completes a channel's write promises in order. Most writes are done by the
 * time the flush that follows them returns, so the handler looks at its own {@link #flush} and ends
 * what is done there, without a listener per response (a listener costs a lock, the notification,
 * and an array once the application adds its own); only a write still pending then (a large body, a
 * client that reads slowly) gets the one listener, which looks again when it completes. A write
 * completed by a flush that does not pass this handler (a handler nearer the socket flushing on its
 * own) is found at the next flush, and at QUIESCING at the latest, when every pending write gets
 * the listener.
 *
 * <p>A client that goes away does not end its requests while the application still works on them
 * (DESIGN §4). Netty tears a closed channel's pipeline down at once, after which nothing the
 * application writes passes this handler; so the handler turns half-closure on ({@link
 * HalfClosure}): a client's FIN only shuts the input down, the connection stays open for the
 * application's answer, each request still ends when the write of its response's last part
 * completes or fails, and the handler closes the connection once nothing is left to answer.
 *
 * <p>All state is confined to the event loop.
 */
final class Http1ServerDrainHandler extends ChannelDuplexHandler implements ConnectionDrain {
  private final NettyServerDrain server;
  private final DrainCoordinator coordinator;
  private final RequestNames names = new RequestNames();
  private final ArrayDeque<InFlight> responding = new ArrayDeque<>(4);
  private final ArrayDeque<InFlight> writing = new ArrayDeque<>(4);
  private final ArrayDeque<ChannelPromise> writes = new ArrayDeque<>(4);
  private final ChannelFutureListener written = future -> reapWrites();

  /** The pending write that carries {@link #written}, if any: one listener at a time. */
  private ChannelPromise armed;

  private ChannelHandlerContext ctx;

  /** The body of a request that is not passed on (refused or past a close) is being dropped. */
  private boolean dropping;

  /** A close was promised (Connection: close sent, or a 503 queued): read no further request. */
  private boolean refuseRequests;

  /** A 503 is queued for a refused request whose body has not been read to its end yet. */
  private boolean refusalUnread;

  /** The refused request was read to its end: its 503 goes out once it is first in line. */
  private boolean refusalReady;

  /** The response being written carries our Connection: close. */
  private boolean closeAfterResponse;

  /** The response being written is informational (1xx but 101): its end ends no request. */
  private boolean interim;

  /** The connection became HTTP/2: the HTTP/2 handler owns it now. */
  private boolean handedOver;

  private boolean registered;

  /** This handler turned half-closure on, so it closes the connection when the input ends. */
  private boolean closesOnInputEnd;

  /** The client shut its side down (FIN, or a read error): close once nothing is left to answer. */
  private boolean inputClosed;

  Http1ServerDrainHandler(NettyServerDrain server) {
    this.server = server;
    this.coordinator = server.coordinator();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel() instanceof Http2StreamChannel) {
      throw new IllegalStateException(
          "the drain4j HTTP/1.1 handler belongs in a connection's "
              + "pipeline, not in an HTTP/2 stream channel: add NettyServerDrain.newHttp2Handler() "
              + "right after the Http2FrameCodec instead");
    }
    this.ctx = ctx;
    closesOnInputEnd = HalfClosure.enable(ctx.channel());
    registered = true;
    server.register(this);
  }

  /** Whether this handler turned half-closure on for its connection (the HTTP/2 handler asks). */
  boolean closesOnInputEnd() {
    return closesOnInputEnd;
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    endAll();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    endAll();
    super.channelInactive(ctx);
  }

  /** The HTTP/2 handler took the connection over (h2c upgrade or prior knowledge). */
  void handOver() {
    handedOver = true;
    if (registered) {
      registered = false;
      server.deregister(this);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof ChannelInputShutdownEvent && !handedOver && closesOnInputEnd) {
      inputClosed = true;
      if (refusalUnread) {
        // The refused request's end will never come: its 503 need not wait for it.
        dropping = false;
        refusalUnread = false;
        refusalReady = true;
        answerRefusalIfDue();
      }
      closeIfDone();
    }
    super.userEventTriggered(ctx, evt);
  }

  // ---------------------------------------------------------------- requests

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (handedOver) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (msg == LastHttpContent.EMPTY_LAST_CONTENT && !dropping) {
      // The end of every request without a body: passed on without a type check, which on JDK
      // 17 costs a scan of the object's interfaces whenever the answer is no.
      ctx.fireChannelRead(msg);
      return;
    }
    if (msg instanceof HttpRequest request) {
      readRequest(ctx, request);
      return;
    }
    if (dropping && msg instanceof HttpContent) {
      ReferenceCountUtil.release(msg);
      if (msg instanceof LastHttpContent) {
        requestDropped();
      }
      return;
    }
    ctx.fireChannelRead(msg);
  }

  private void readRequest(ChannelHandlerContext ctx, HttpRequest request) {
    if (refuseRequests) {
      // Past a promised close no request is processed (RFC 9112 §9.6); the client retries it.
      drop(request);
      return;
    }
    InFlight unit = coordinator.admitInbound(names.of(request.method().name(), request.uri()));
    if (unit == null) {
      refuseRequests = true;
      refusalUnread = true;
      responding.addLast(REFUSED);
      drop(request);
      return;
    }
    responding.addLast(unit);
    dropping = false;
    ctx.fireChannelRead(request);
  }

  private void drop(HttpRequest request) {
    dropping = true;
    ReferenceCountUtil.release(request);
    if (request instanceof LastHttpContent) {
      requestDropped();
    }
  }

  private void requestDropped() {
    dropping = false;
    if (refusalUnread) {
      // The 503 waits for the request's end, so the client is not reset while still sending.
      refusalUnread = false;
      refusalReady = true;
      answerRefusalIfDue();
    }
  }

  private void answerRefusalIfDue() {
    if (!refusalReady || responding.peekFirst() != REFUSED) {
      return;
    }
    refusalReady = false;
    responding.pollFirst();
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.SERVICE_UNAVAILABLE, Unpooled.EMPTY_BUFFER);
    response
        .headers()
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
        .set(HttpHeaderNames.RETRY_AFTER, "1")
        .set(HttpHeaderNames.CONTENT_LENGTH, HttpHeaderValues.ZERO);
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }

  // ---------------------------------------------------------------- responses

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (handedOver) {
      passOn(ctx, msg, promise);
      return;
    }
    // The usual answer, a whole response in one message, is told by its class: two interface
    // checks on one object alternate in HotSpot's one-entry cache (JDK 17) and scan each time.
    boolean whole = msg.getClass() == DefaultFullHttpResponse.class;
    if (whole) {
      responseStarts((HttpResponse) msg);
    } else if (msg instanceof HttpResponse response) {
      responseStarts(response);
    }
    if (!whole && !(msg instanceof LastHttpContent)) {
      passOn(ctx, msg, promise);
      return;
    }
    if (interim) {
      interim = false;
      passOn(ctx, msg, promise);
      return;
    }
    InFlight unit = responding.peekFirst();
    if (unit == null || unit == REFUSED) {
      unit = null; // a response the application sent on its own, answering no tracked request
    } else {
      responding.pollFirst();
    }
    boolean close = closeAfterResponse;
    closeAfterResponse = false;
    if (unit != null || close) {
      promise = promise.unvoid();
      if (unit != null) {
        writing.addLast(unit);
        writes.addLast(promise);
      }
      if (close) {
        promise.addListener(ChannelFutureListener.CLOSE);
      }
    }
    passOn(ctx, msg, promise);
    answerRefusalIfDue();
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    ctx.flush();
    if (!writes.isEmpty()) {
      reapWrites();
    }
  }

  /**
   * Ends the requests whose response write is done, in order, and puts the listener on the first
   * write still pending, so that its completion brings the handler back here.
   */
  private void reapWrites() {
    for (ChannelPromise p; (p = writes.peekFirst()) != null; ) {
      if (!p.isDone()) {
        if (armed != p) {
          armed = p;
          p.addListener(written);
        }
        return;
      }
      writes.pollFirst();
      if (armed == p) {
        armed = null;
      }
      responseWritten(writing.pollFirst());
    }
  }

  /**
   * Writes on. The future {@code ctx.write} returns is {@code promise} itself, which belongs to the
   * writer: the writer, and the listeners added here, observe how the write ends.
   */
  private static void passOn(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    ChannelFuture unused = ctx.write(msg, promise);
  }

  private void responseStarts(HttpResponse response) {
    int code = response.status().code();
    interim = code >= 100 && code < 200 && code != 101;
    // 101 ends the request but keeps its Connection: upgrade; interim answers promise nothing.
    // While draining, the close goes on the last response the client asked for: pipelined
    // requests already read are answered first.
    if (code >= 200 && !closeAfterResponse && responding.size() <= 1 && coordinator.isDraining()) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      closeAfterResponse = true;
      refuseRequests = true;
    }
  }

  private void responseWritten(InFlight unit) {
    if (unit != null) {
      unit.exit();
    }
    // A response begun before the drain carried no close: the connection is idle now.
    if (isIdle() && isQuiescing()) {
      // The connection is done with: closing it is all that is left, however the close ends.
      ChannelFuture unused = ctx.close();
    } else {
      closeIfDone();
    }
  }

  /** Closes a connection whose client has gone once every request on it is answered. */
  private void closeIfDone() {
    if (inputClosed && isIdle() && ctx.channel().isOpen()) {
      // What Netty would have done at the FIN without half-closure, now that nobody is owed.
      ChannelFuture unused = ctx.close();
    }
  }

  private boolean isQuiescing() {
    DrainState s = coordinator.state();
    return s == DrainState.QUIESCING || s == DrainState.DRAINED;
  }

  private boolean isIdle() {
    return responding.isEmpty() && writing.isEmpty();
  }

  // ---------------------------------------------------------------- drain events (event loop)

  @Override
  public Channel channel() {
    return ctx.channel();
  }

  @Override
  public void onDraining() {
    // Nothing to do at once: each response from now on carries the close.
  }

  @Override
  public void onQuiescing() {
    if (!writes.isEmpty()) {
      // From now on every completed write must end its request at once: listen to what is left.
      reapWrites();
    }
    if (!handedOver && isIdle() && ctx.channel().isActive()) {
      // An idle connection owes nobody an answer: however the close ends, nothing is lost.
      ChannelFuture unused = ctx.close();
    }
  }

  @Override
  public void closeNow() {
    // The close is the last word, and channelInactive ends the units. From the first handler on, so
    // that no handler delays it: an SslHandler would wait up to 3 s for its close_notify to be
    // flushed to a client that reads nothing, and the event loops could not shut down meanwhile.
    ChannelFuture unused = ctx.pipeline().firstContext().close();
  }

  private void endAll() {
    exitAll(responding);
    exitAll(writing);
    writes.clear();
    armed = null;
    if (registered) {
      registered = false;
      server.deregister(this);
    }
  }

  private static void exitAll(ArrayDeque<InFlight> units) {
    for (InFlight u; (u = units.pollFirst()) != null; ) {
      u.exit();
    }
  }
}

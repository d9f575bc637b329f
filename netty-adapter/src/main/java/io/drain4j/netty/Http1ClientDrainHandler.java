package io.drain4j.netty;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainedException;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Tracks the calls of one HTTP/1.1 client connection (see {@link
 * NettyClientDrain#newHttp1Handler()}). Responses arrive in request order, so one queue pairs them.
 * All state is confined to the event loop.
 */
final class Http1ClientDrainHandler extends ChannelDuplexHandler {
  private final DrainCoordinator coordinator;
  private final RequestNames names = new RequestNames();
  private final ArrayDeque<InFlight> awaiting = new ArrayDeque<>(4);

  /**
   * A request whose write failed leaves the HTTP/1.1 exchange broken and its response never comes:
   * close the connection, which ends every call on it, instead of holding the drain.
   */
  private final ChannelFutureListener requestWritten = this::requestWritten;

  private ChannelHandlerContext ctx;

  /** The rest of a request refused after the drain is being dropped. */
  private boolean refusing;

  /** The response being read is informational (1xx but 101): its end ends no call. */
  private boolean interim;

  Http1ClientDrainHandler(DrainCoordinator coordinator) {
    this.coordinator = coordinator;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof HttpRequest request) {
      InFlight unit;
      try {
        unit =
            coordinator.enter(UnitKind.OUTBOUND, names.of(request.method().name(), request.uri()));
      } catch (DrainedException e) {
        refusing = !(msg instanceof LastHttpContent);
        ReferenceCountUtil.release(msg);
        promise.tryFailure(e);
        return;
      }
      refusing = false;
      awaiting.addLast(unit);
    } else if (refusing && msg instanceof HttpContent) {
      refusing = !(msg instanceof LastHttpContent);
      ReferenceCountUtil.release(msg);
      promise.tryFailure(
          new DrainedException(
              "drain4j: the application is drained; the rest "
                  + "of a refused request is dropped"));
      return;
    }
    if (msg instanceof LastHttpContent) {
      promise = promise.unvoid();
      promise.addListener(requestWritten);
    }
    // The returned future is the writer's promise: the writer and requestWritten observe it.
    ChannelFuture unused = ctx.write(msg, promise);
  }

  private void requestWritten(ChannelFuture future) {
    if (!future.isSuccess()) {
      // Closing ends the calls on the connection; how the close itself ends changes nothing.
      ChannelFuture unused = ctx.close();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpResponse response) {
      int code = response.status().code();
      interim = code >= 100 && code < 200 && code != 101;
    }
    if (!(msg instanceof LastHttpContent)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (interim) {
      interim = false;
      ctx.fireChannelRead(msg);
      return;
    }
    InFlight unit = awaiting.pollFirst();
    try {
      ctx.fireChannelRead(msg);
    } finally {
      if (unit != null) {
        unit.exit();
      }
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    exitAll();
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    exitAll();
  }

  private void exitAll() {
    for (InFlight u; (u = awaiting.pollFirst()) != null; ) {
      u.exit();
    }
  }
}

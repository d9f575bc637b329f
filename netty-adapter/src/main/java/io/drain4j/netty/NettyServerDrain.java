package io.drain4j.netty;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainListener;
import io.drain4j.DrainState;
import io.drain4j.DrainStatus;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects a Netty HTTP server to a {@link DrainCoordinator}: per-connection handlers that track
 * every request as an inbound unit, and the server's lifecycle glue.
 *
 * <p>One instance per server. Put {@link #newHttp1Handler()} into every connection's pipeline right
 * after the HTTP/1.1 codec (and after {@code HttpServerUpgradeHandler} when there is one), and
 * {@link #newHttp2Handler()} right after every {@link Http2FrameCodec}:
 *
 * <pre>{@code
 * NettyServerDrain serverDrain = NettyServerDrain.create(coordinator);
 * ServerBootstrap b = new ServerBootstrap().group(boss, workers)
 *     .channel(NioServerSocketChannel.class)
 *     .childHandler(new ChannelInitializer<SocketChannel>() {
 *       protected void initChannel(SocketChannel ch) {
 *         ch.pipeline().addLast(new HttpServerCodec(), serverDrain.newHttp1Handler(), new App());
 *       }
 *     });
 * Channel server = b.bind(8080).sync().channel();
 * serverDrain.closeOnQuiescing(server).shutdownWhenDrained(boss, workers);
 * serverDrain.terminated().join();  // instead of server.closeFuture().sync()
 * }</pre>
 *
 * <p>What happens during the drain:
 *
 * <ul>
 *   <li>DRAINING: HTTP/1.1 responses carry {@code Connection: close} and their connection closes
 *       after them; HTTP/2 connections get a graceful double GOAWAY (the first with the largest
 *       stream id, so streams racing it are still served; the final one after a PING round trip)
 *       and close once their streams are done.
 *   <li>QUIESCING: new requests are answered {@code 503} with {@code Retry-After: 1} (and {@code
 *       Connection: close} on HTTP/1.1); idle connections close; the server channels given to
 *       {@link #closeOnQuiescing} close, so nothing new is accepted.
 *   <li>DRAINED: every connection still open closes at once (after a forced drain, this cuts the
 *       requests that ran into the deadline), then the event loop groups given to {@link
 *       #shutdownWhenDrained} shut down and {@link #terminated()} completes.
 * </ul>
 *
 * <p>A request ends when the application is done with it (DESIGN §4), not when its client goes
 * away: the unit ends when the write of the response's last part ({@code LastHttpContent}, or an
 * HTTP/2 frame with end of stream) completes or fails. The handlers turn {@code ALLOW_HALF_CLOSURE}
 * on for their connections (unless the application set it itself), so a client's FIN leaves the
 * connection open for the application's answer, and close the connection once every request on it
 * is answered; an HTTP/2 stream the client resets stays open on the application's side until it
 * writes its end (the write then fails with {@code ClosedChannelException}), resets or closes the
 * stream channel. The contract for handlers: always write the response's end, or close the stream
 * channel, even when the client has gone; a handler that simply stops holds its request in flight
 * until the deadline. When the connection itself is lost (a TCP reset that fails a write, a TLS
 * failure, a handler closing the channel), Netty tears the pipeline down and nothing written
 * afterwards can be seen: the connection's requests end at that close.
 *
 * <p>The coordinator's callbacks arrive on its own threads; every action on a connection runs on
 * that connection's event loop. Nothing here blocks an event loop.
 */
public final class NettyServerDrain {
  private static final Logger log = LoggerFactory.getLogger(NettyServerDrain.class);

  /** How long a group may take to finish its last tasks after the drain; it is idle by then. */
  private static final long GROUP_SHUTDOWN_TIMEOUT_MS = 5_000;

  /**
   * A server channel that failed to close may still accept connections (their requests are refused
   * while quiescing): worth a warning, with nothing else to do about it.
   */
  private static final ChannelFutureListener WARN_IF_CLOSE_FAILED =
      f -> {
        if (!f.isSuccess()) {
          log.warn("drain4j: closing server channel {} failed", f.channel(), f.cause());
        }
      };

  private final DrainCoordinator coordinator;
  private final Set<ConnectionDrain> connections = ConcurrentHashMap.newKeySet();
  private final List<Channel> serverChannels = new CopyOnWriteArrayList<>();
  private final List<EventLoopGroup> groups = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private final Object shutdownLock = new Object();
  private boolean shutdownStarted;

  private NettyServerDrain(DrainCoordinator coordinator) {
    this.coordinator = coordinator;
  }

  /**
   * Creates the server side of the Netty integration and subscribes it to the coordinator.
   *
   * @param coordinator the application's coordinator; must not be {@code null}
   * @return a new instance; create one per server
   */
  public static NettyServerDrain create(DrainCoordinator coordinator) {
    NettyServerDrain drain =
        new NettyServerDrain(Objects.requireNonNull(coordinator, "coordinator"));
    coordinator.addListener(drain.new Listener());
    return drain;
  }

  /** The coordinator this server reports to. */
  DrainCoordinator coordinator() {
    return coordinator;
  }

  /**
   * A new handler for one HTTP/1.1 connection. Add it right after {@code HttpServerCodec} (after
   * {@code HttpServerUpgradeHandler} or {@code CleartextHttp2ServerUpgradeHandler} when the server
   * offers h2c); the application's handlers follow it. It tracks every request from its head until
   * the write of the last byte of its response completes or the connection closes, keeps pipelined
   * requests in order, adds {@code Connection: close} while draining and answers {@code 503} while
   * quiescing. If the connection is upgraded to HTTP/2, it hands over to the HTTP/2 handler.
   *
   * <p>Not sharable: one per connection. It must not be used in an HTTP/2 stream channel.
   *
   * @return a new handler
   */
  public ChannelHandler newHttp1Handler() {
    return new Http1ServerDrainHandler(this);
  }

  /**
   * A new handler for one HTTP/2 connection. Add it right after the connection's {@link
   * Http2FrameCodec} and before the {@code Http2MultiplexHandler} or frame handlers, for example
   * {@code new Http2ServerUpgradeCodec(codec, serverDrain.newHttp2Handler(), multiplex)} for h2c
   * upgrade, or through {@link #newHttp2Initializer} for prior knowledge and ALPN. It tracks every
   * stream from its HEADERS until the stream closes (the write of its last frame completed, or a
   * reset), answers {@code 503} on streams opened while quiescing and sends the graceful GOAWAY
   * when the drain starts.
   *
   * <p>While the drain runs, the codec's graceful-shutdown timeout is lifted: the coordinator's
   * deadline decides when streams are cut. Not sharable: one per connection.
   *
   * @return a new handler
   */
  public ChannelHandler newHttp2Handler() {
    return new Http2ServerDrainHandler(this);
  }

  /**
   * A handler that, when added to a pipeline, puts {@code codec}, a new {@linkplain
   * #newHttp2Handler() HTTP/2 drain handler} and then {@code handlers} in its own place, and
   * removes itself. Pass it where Netty takes one handler for the HTTP/2 side of a connection:
   * {@code CleartextHttp2ServerUpgradeHandler} (h2c with prior knowledge) or an {@code
   * ApplicationProtocolNegotiationHandler} (ALPN over TLS).
   *
   * @param codec the connection's frame codec, new for this connection; must not be {@code null}
   * @param handlers what follows the drain handler, usually one {@code Http2MultiplexHandler}; none
   *     may be {@code null}
   * @return a one-shot handler for one connection
   */
  public ChannelHandler newHttp2Initializer(Http2FrameCodec codec, ChannelHandler... handlers) {
    Objects.requireNonNull(codec, "codec");
    ChannelHandler[] rest = handlers.clone();
    for (ChannelHandler h : rest) {
      Objects.requireNonNull(h, "handlers must not contain null");
    }
    ChannelHandler drainHandler = newHttp2Handler();
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void handlerAdded(ChannelHandlerContext ctx) {
        // In order: each handler finds the ones before it (the codec) when it is added.
        String after = insertAfter(ctx, ctx.name(), codec);
        after = insertAfter(ctx, after, drainHandler);
        for (ChannelHandler h : rest) {
          after = insertAfter(ctx, after, h);
        }
        ctx.pipeline().remove(this);
      }
    };
  }

  private static String insertAfter(ChannelHandlerContext ctx, String base, ChannelHandler h) {
    ctx.pipeline().addAfter(base, null, h);
    return ctx.pipeline().context(h).name();
  }

  /**
   * Closes these server channels when QUIESCING begins, so the server stops accepting connections
   * (at once if it began already). Every one is closed at DRAINED at the latest.
   *
   * @param serverChannels bound server channels; none may be {@code null}
   * @return this
   * @throws IllegalArgumentException when a channel is not a {@link ServerChannel}
   */
  public NettyServerDrain closeOnQuiescing(Channel... serverChannels) {
    for (Channel ch : serverChannels) {
      Objects.requireNonNull(ch, "serverChannels must not contain null");
      if (!(ch instanceof ServerChannel)) {
        throw new IllegalArgumentException(
            "closeOnQuiescing takes server channels (the bound listeners), not " + ch);
      }
    }
    for (Channel ch : serverChannels) {
      this.serverChannels.add(ch);
    }
    DrainState s = coordinator.state();
    if (s == DrainState.QUIESCING || s == DrainState.DRAINED) {
      for (Channel ch : serverChannels) {
        ch.close().addListener(WARN_IF_CLOSE_FAILED);
      }
    }
    return this;
  }

  /**
   * Shuts these event loop groups down gracefully once the coordinator reports DRAINED and every
   * connection is closed, never before. Pass the server's groups (acceptor and workers).
   *
   * @param groups event loop groups; none may be {@code null}
   * @return this
   */
  public NettyServerDrain shutdownWhenDrained(EventLoopGroup... groups) {
    for (EventLoopGroup g : groups) {
      Objects.requireNonNull(g, "groups must not contain null");
    }
    boolean late;
    synchronized (shutdownLock) {
      for (EventLoopGroup g : groups) {
        this.groups.add(g);
      }
      late = shutdownStarted;
    }
    if (late) {
      for (EventLoopGroup g : groups) {
        shutdownGroup(g);
      }
      awaitGroups();
    }
    return this;
  }

  /**
   * A future completed after DRAINED, once the connections are closed and every group given to
   * {@link #shutdownWhenDrained} has terminated. A server's main thread waits on this instead of
   * the server channel's close future, which completes as early as QUIESCING. Each call returns a
   * new dependent future.
   *
   * @return never {@code null}
   */
  public CompletableFuture<Void> terminated() {
    return terminated.copy();
  }

  /**
   * Server connections with a drain handler that are open now.
   *
   * @return the count, 0 or more
   */
  public int openConnections() {
    return connections.size();
  }

  // ---------------------------------------------------------------- connections

  /** Called on the connection's event loop when its handler joins the pipeline. */
  void register(ConnectionDrain c) {
    connections.add(c);
    // The listener may have run before this connection existed: catch up, on the event loop.
    switch (coordinator.state()) {
      case DRAINING -> runOnLoop(c, c::onDraining);
      case QUIESCING -> {
        // Not onQuiescing: a connection opened now came to send a request, and is better
        // answered 503 with Retry-After than closed unanswered. It holds no drain.
        runOnLoop(c, c::onDraining);
      }
      case DRAINED -> runOnLoop(c, c::closeNow);
      default -> {}
    }
  }

  void deregister(ConnectionDrain c) {
    connections.remove(c);
  }

  private static void runOnLoop(ConnectionDrain c, Runnable action) {
    try {
      c.channel().eventLoop().execute(action);
    } catch (RejectedExecutionException e) {
      // The loop is shutting down, and closes its channels itself.
    }
  }

  private void onDrained(DrainStatus status) {
    for (Channel ch : serverChannels) {
      ch.close().addListener(WARN_IF_CLOSE_FAILED);
    }
    List<ConnectionDrain> open = new ArrayList<>(connections);
    if (status.forced() && !open.isEmpty()) {
      log.warn("drain4j: closing {} connection(s) left at the deadline", open.size());
    }
    synchronized (shutdownLock) {
      shutdownStarted = true;
    }
    if (open.isEmpty()) {
      shutdownGroups();
      return;
    }
    AtomicInteger left = new AtomicInteger(open.size());
    for (ConnectionDrain c : open) {
      c.channel()
          .closeFuture()
          .addListener(
              f -> {
                if (left.decrementAndGet() == 0) {
                  shutdownGroups();
                }
              });
      runOnLoop(c, c::closeNow);
    }
  }

  private void shutdownGroups() {
    for (EventLoopGroup g : groups) {
      shutdownGroup(g);
    }
    awaitGroups();
  }

  private static void shutdownGroup(EventLoopGroup g) {
    // No quiet period: nothing is in flight any more, and the process should exit promptly. The
    // future returned is the group's termination future, which awaitGroups waits for.
    Future<?> unused = g.shutdownGracefully(0, GROUP_SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  private void awaitGroups() {
    List<EventLoopGroup> all = new ArrayList<>(groups);
    if (all.isEmpty()) {
      terminated.complete(null);
      return;
    }
    AtomicInteger left = new AtomicInteger(all.size());
    for (EventLoopGroup g : all) {
      g.terminationFuture()
          .addListener(
              f -> {
                if (left.decrementAndGet() == 0) {
                  terminated.complete(null);
                }
              });
    }
  }

  /** Receives the coordinator's transitions and spreads them to the connections' event loops. */
  private final class Listener implements DrainListener {
    @Override
    public void onDraining() {
      for (ConnectionDrain c : connections) {
        runOnLoop(c, c::onDraining);
      }
    }

    @Override
    public void onQuiescing() {
      for (Channel ch : serverChannels) {
        ch.close().addListener(WARN_IF_CLOSE_FAILED);
      }
      for (ConnectionDrain c : connections) {
        runOnLoop(c, c::onQuiescing);
      }
    }

    @Override
    public void onDrained(DrainStatus status) {
      NettyServerDrain.this.onDrained(status);
    }

    @Override
    public String toString() {
      return "NettyServerDrain";
    }
  }
}

package io.drain4j.grpc;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainListener;
import io.drain4j.DrainState;
import io.drain4j.DrainStatus;
import io.grpc.BindableService;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects grpc-java servers and channels to a {@link DrainCoordinator}.
 *
 * <p>Three lines for a server (any transport: grpc-netty, grpc-netty-shaded, in-process, OkHttp):
 *
 * <pre>{@code
 * GrpcDrain grpcDrain = GrpcDrain.create(coordinator);
 * Server server = NettyServerBuilder.forPort(9090)
 *     .intercept(grpcDrain.serverInterceptor())
 *     .addService(grpcDrain.healthService())   // or grpcDrain.health(yourHealthStatusManager)
 *     .addService(new MyService())
 *     .build().start();
 * grpcDrain.manage(server).terminated().join();  // instead of server.awaitTermination()
 * }</pre>
 *
 * <p>What happens during the drain:
 *
 * <ul>
 *   <li>DRAINING: calls are still admitted and served; the {@code grpc.health.v1} status of every
 *       service of every health manager given to {@link #health} (or made by {@link
 *       #healthService()}) turns {@code NOT_SERVING}, for good.
 *   <li>QUIESCING: every managed server is {@linkplain Server#shutdown() shut down}: its listeners
 *       close and its connections get a GOAWAY; calls in flight run on. A call that still reaches
 *       the interceptor is refused with {@code UNAVAILABLE} (retryable, holds nothing).
 *   <li>DRAINED: the calls still open (the ones the deadline cut, and health watches) are closed
 *       with {@code UNAVAILABLE} ({@code server shutting down}); the servers are shut down (at
 *       once, {@link Server#shutdownNow()}, after a forced drain); {@link #terminated()} completes
 *       once they have terminated. Nothing here lets a server end before DRAINED.
 * </ul>
 *
 * <p>A call is an {@code inbound} unit named {@code grpc <full method name>} from its start until
 * its status was written to the transport (or it was cancelled) and the application's handler
 * callback that saw this has returned (DESIGN §4, §10): grpc-java runs a call's callbacks one after
 * the other, so a blocking handler whose client cancelled holds the drain until it returns. Work a
 * handler hands to threads of its own should run on a {@linkplain
 * DrainCoordinator#trackExecutor(java.util.concurrent.Executor) tracked executor}, or end with the
 * call's {@code onCompleted}/{@code onError}. Health checks ({@code grpc.health.v1.Health}) are not
 * tracked: they hold no work and keep answering while the server drains.
 *
 * <p>Streaming handlers learn of the drain through {@link #whenDraining()} and {@link
 * #whenQuiescing()}, so that a long stream ends politely instead of running into the deadline:
 *
 * <pre>{@code
 * public void subscribe(Topic topic, StreamObserver<Event> out) {
 *   Subscription s = events.subscribe(topic, event -> { synchronized (out) { out.onNext(event); } });
 *   GrpcDrain.whenQuiescing().thenRun(() -> {   // or whenDraining(), to end even sooner
 *     s.cancel();
 *     synchronized (out) { out.onCompleted(); } // the client resubscribes on another endpoint
 *   });
 * }
 * }</pre>
 *
 * <p>Outbound: {@link #trackChannel} registers a {@link ManagedChannel} with the coordinator (shut
 * down only after the inbound, outbound and background work reached zero or the deadline, bounded
 * by the outbound close timeout, before DRAINED) and wraps it with {@link #clientInterceptor()},
 * which tracks each call as an {@code outbound} unit until it closes.
 *
 * <p>The coordinator's callbacks arrive on its own threads; nothing here blocks a transport or a
 * handler thread.
 */
public final class GrpcDrain {
  private static final Logger log = LoggerFactory.getLogger(GrpcDrain.class);

  /** The coordinator of the call, in every tracked call's context. */
  static final Context.Key<DrainCoordinator> COORDINATOR = Context.key("drain4j-coordinator");

  /**
   * How long a server may take to terminate after DRAINED before it is shut down now. Nothing is in
   * flight by then but calls the drain has just closed.
   */
  private static final long TERMINATION_WAIT_MS = 2_000;

  private final DrainCoordinator coordinator;
  private final ServerDrainInterceptor serverInterceptor;
  private final ClientInterceptor clientInterceptor;
  private final List<Server> servers = new CopyOnWriteArrayList<>();
  private final List<HealthStatusManager> healthManagers = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private final Object lock = new Object();

  /** Guarded by {@link #lock}: made by {@link #healthService()}, once. */
  private HealthStatusManager ownHealth;

  /** Guarded by {@link #lock}: DRAINED was handled; servers managed later are shut down at once. */
  private DrainStatus drained;

  private GrpcDrain(DrainCoordinator coordinator) {
    this.coordinator = coordinator;
    this.serverInterceptor = new ServerDrainInterceptor(coordinator);
    this.clientInterceptor = new TrackedClientCall.Interceptor(coordinator);
  }

  /**
   * Creates the gRPC integration and subscribes it to the coordinator.
   *
   * @param coordinator the application's coordinator; must not be {@code null}
   * @return a new instance; one serves any number of servers and channels
   */
  public static GrpcDrain create(DrainCoordinator coordinator) {
    GrpcDrain drain = new GrpcDrain(Objects.requireNonNull(coordinator, "coordinator"));
    coordinator.addListener(drain.new Listener());
    return drain;
  }

  /**
   * The server interceptor that tracks every call. Add it to every server, for all services: {@code
   * serverBuilder.intercept(grpcDrain.serverInterceptor())}. One instance, shared by all servers.
   *
   * @return never {@code null}
   */
  public ServerInterceptor serverInterceptor() {
    return serverInterceptor;
  }

  /**
   * The client interceptor that tracks every call as an {@code outbound} unit from {@code start}
   * until the call closes. {@link #trackChannel} applies it; use it directly for a channel the
   * coordinator should not close ({@code ClientInterceptors.intercept(channel, interceptor)}).
   *
   * @return never {@code null}
   */
  public ClientInterceptor clientInterceptor() {
    return clientInterceptor;
  }

  /**
   * Registers a channel with the coordinator and wraps it with {@link #clientInterceptor()}. The
   * channel stays open while anything is in flight, and is shut down (then awaited, then shut down
   * now if it has not terminated) after the inbound, outbound and background work reached zero or
   * the deadline passed, before DRAINED is reported; the coordinator's outbound close timeout
   * bounds that. Make calls through the returned channel; after DRAINED they fail at once with
   * {@code UNAVAILABLE} (cause: {@link io.drain4j.DrainedException}).
   *
   * @param name a name for the coordinator's logs; must not be {@code null}
   * @param channel the channel; must not be {@code null}; the coordinator holds it until the drain
   * @return the channel with the client interceptor, never {@code null}
   * @throws io.drain4j.DrainedException when the coordinator is drained already
   */
  public Channel trackChannel(String name, ManagedChannel channel) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(channel, "channel");
    DrainCoordinator.Registration unused =
        coordinator.registerOutboundClient(name, () -> closeChannel(name, channel));
    return ClientInterceptors.intercept(channel, clientInterceptor);
  }

  private static void closeChannel(String name, ManagedChannel channel)
      throws InterruptedException, TimeoutException {
    channel.shutdown();
    if (!channel.awaitTermination(TERMINATION_WAIT_MS, TimeUnit.MILLISECONDS)) {
      channel.shutdownNow();
      throw new TimeoutException(
          "channel " + name + " did not terminate within " + TERMINATION_WAIT_MS + " ms");
    }
  }

  /**
   * Turns every service of this health manager {@code NOT_SERVING} when the drain starts (at once
   * if it has started), through {@link HealthStatusManager#enterTerminalState()}: later status
   * changes by the application are ignored.
   *
   * @param manager the application's health manager; must not be {@code null}
   * @return this
   */
  public GrpcDrain health(HealthStatusManager manager) {
    Objects.requireNonNull(manager, "manager");
    healthManagers.add(manager);
    if (coordinator.isDraining()) {
      manager.enterTerminalState();
    }
    return this;
  }

  /**
   * The {@code grpc.health.v1.Health} service of a health manager drain4j makes (once; later calls
   * return the same service), for servers without one of their own. It answers {@code SERVING} for
   * the server as a whole ({@code ""}) and, once the server is {@linkplain #manage managed}, for
   * every service it serves; {@code NOT_SERVING} for all from DRAINING on.
   *
   * @return the health service, to add to the server; never {@code null}
   */
  public BindableService healthService() {
    HealthStatusManager manager;
    synchronized (lock) {
      if (ownHealth == null) {
        ownHealth = new HealthStatusManager();
        health(ownHealth);
      }
      manager = ownHealth;
    }
    return manager.getHealthService();
  }

  /**
   * Puts a server's lifecycle under the drain: shut down at QUIESCING (at once if it began), its
   * calls left closed at DRAINED, shut down now after a forced drain, and awaited by {@link
   * #terminated()}. Every call of the server must go through {@link #serverInterceptor()}. The
   * application waits on {@link #terminated()}, not on {@link Server#awaitTermination()}, which
   * returns before the outbound calls and background tasks are done.
   *
   * @param server a built server, started or not; must not be {@code null}
   * @return this
   */
  public GrpcDrain manage(Server server) {
    Objects.requireNonNull(server, "server");
    HealthStatusManager own;
    DrainStatus late;
    synchronized (lock) {
      servers.add(server);
      own = ownHealth;
      late = drained;
    }
    if (own != null) {
      for (ServerServiceDefinition service : server.getServices()) {
        // Ignored once the drain has started (terminal state).
        own.setStatus(service.getServiceDescriptor().getName(), ServingStatus.SERVING);
      }
    }
    if (late != null) {
      shutDown(List.of(server), late.forced());
    } else if (coordinator.state().compareTo(DrainState.QUIESCING) >= 0) {
      server.shutdown();
    }
    return this;
  }

  /**
   * A future completed after DRAINED, once every {@linkplain #manage managed} server has terminated
   * (a server that does not terminate within a few seconds of DRAINED is shut down now; its
   * transports are gone soon after). A server's main thread waits on this. Each call returns a new
   * dependent future.
   *
   * @return never {@code null}
   */
  public CompletableFuture<Void> terminated() {
    return terminated.copy();
  }

  /**
   * In a call's handler: a future completed when the drain starts ({@code DRAINING}). The server
   * still serves new calls for the propagation delay; a stream may end now, or finish what it is
   * doing.
   *
   * @return a new future for the coordinator of the current call, never {@code null}
   * @throws IllegalStateException when not called in a call tracked by {@link #serverInterceptor()}
   *     (no coordinator in the current {@link Context})
   */
  public static CompletableFuture<Void> whenDraining() {
    return currentCoordinator().whenDraining();
  }

  /**
   * In a call's handler: a future completed when QUIESCING begins (the server refuses new calls;
   * clients connect elsewhere), or at DRAINED if the deadline came first. A long stream should end
   * now: it holds the drain until it does, or until the deadline cuts it with {@code UNAVAILABLE}.
   *
   * @return a new future for the coordinator of the current call, never {@code null}
   * @throws IllegalStateException when not called in a call tracked by {@link #serverInterceptor()}
   *     (no coordinator in the current {@link Context})
   */
  public static CompletableFuture<Void> whenQuiescing() {
    return currentCoordinator().whenQuiescing();
  }

  private static DrainCoordinator currentCoordinator() {
    DrainCoordinator c = COORDINATOR.get();
    if (c == null) {
      throw new IllegalStateException(
          "no drain4j coordinator in the current gRPC context: call this from a handler of a"
              + " server with GrpcDrain's serverInterceptor(), on the call's thread");
    }
    return c;
  }

  /** Server calls open now, tracked or not; for tests. */
  int openCalls() {
    return serverInterceptor.openCalls();
  }

  // ---------------------------------------------------------------- lifecycle

  private void onDraining() {
    for (HealthStatusManager m : healthManagers) {
      m.enterTerminalState();
    }
  }

  private void onQuiescing() {
    for (Server s : servers) {
      s.shutdown();
    }
  }

  private void onDrained(DrainStatus status) {
    List<String> cut = serverInterceptor.cutOpenCalls();
    if (status.forced() && !cut.isEmpty()) {
      log.warn(
          "drain4j: closed {} gRPC call(s) left at the deadline with UNAVAILABLE: {}",
          cut.size(),
          cut);
    } else if (!cut.isEmpty()) {
      // Untracked calls only (health watches): nothing the drain waited for.
      log.info("drain4j: closed {} untracked gRPC call(s) at DRAINED: {}", cut.size(), cut);
    }
    List<Server> all;
    synchronized (lock) {
      drained = status;
      all = new ArrayList<>(servers);
    }
    shutDown(all, status.forced());
  }

  /** Shuts the servers down and completes {@link #terminated} once they have terminated. */
  private void shutDown(List<Server> all, boolean now) {
    for (Server s : all) {
      if (now) {
        s.shutdownNow();
      } else {
        s.shutdown();
      }
    }
    Thread waiter =
        new Thread(
            () -> {
              try {
                for (Server s : all) {
                  if (!s.awaitTermination(TERMINATION_WAIT_MS, TimeUnit.MILLISECONDS)) {
                    log.warn(
                        "drain4j: gRPC server {} still running after DRAINED; shutting it"
                            + " down now",
                        s);
                    s.shutdownNow();
                    s.awaitTermination(TERMINATION_WAIT_MS, TimeUnit.MILLISECONDS);
                  }
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                terminated.complete(null);
              }
            },
            "drain4j-grpc-termination");
    waiter.setDaemon(true);
    waiter.start();
  }

  /** Receives the coordinator's transitions. */
  private final class Listener implements DrainListener {
    @Override
    public void onDraining() {
      GrpcDrain.this.onDraining();
    }

    @Override
    public void onQuiescing() {
      GrpcDrain.this.onQuiescing();
    }

    @Override
    public void onDrained(DrainStatus status) {
      GrpcDrain.this.onDrained(status);
    }

    @Override
    public String toString() {
      return "GrpcDrain";
    }
  }
}

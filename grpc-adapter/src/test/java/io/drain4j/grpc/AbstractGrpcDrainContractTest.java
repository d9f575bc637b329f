package io.drain4j.grpc;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import io.drain4j.DrainStatus;
import io.drain4j.DrainedException;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The drain contract of DESIGN §10 on a real grpc-java server and channel over loopback; each
 * transport (grpc-netty, grpc-netty-shaded) runs it.
 */
abstract class AbstractGrpcDrainContractTest {
  private final List<AutoCloseable> cleanup = new ArrayList<>();
  final TestService service = new TestService();

  /** A server builder of the transport under test, on a free loopback port. */
  abstract ServerBuilder<?> serverBuilder();

  /** A plaintext channel builder of the transport under test to a loopback port. */
  abstract ManagedChannelBuilder<?> channelBuilder(int port);

  @AfterEach
  void tearDown() throws Exception {
    service.release.countDown();
    service.shutdown();
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
  }

  // ---------------------------------------------------------------- the contract

  @Test
  void aLongUnaryCallInFlightHoldsTheDrainAndCompletesOk() throws Exception {
    DrainCoordinator c = coordinator(Duration.ofMillis(200), Duration.ofSeconds(30));
    GrpcDrain grpc = GrpcDrain.create(c);
    Server server = start(grpc);
    CompletableFuture<String> hold = holdACallIntoQuiescing(c, channel(server));
    assertThat(c.inflight(UnitKind.INBOUND)).isEqualTo(1);
    assertThat(c.state()).isEqualTo(DrainState.QUIESCING);
    assertThat(grpc.terminated()).isNotDone();

    service.release.countDown();
    assertThat(hold.get(10, SECONDS)).isEqualTo("ok hold");
    assertThat(c.whenDrained().get(10, SECONDS).forced()).isFalse();
    grpc.terminated().get(10, SECONDS);
    assertThat(server.isTerminated()).isTrue();
  }

  @Test
  void aServerStreamSpanningTheDrainCompletes() throws Exception {
    DrainCoordinator c = coordinator(Duration.ofMillis(200), Duration.ofSeconds(30));
    GrpcDrain grpc = GrpcDrain.create(c);
    Server server = start(grpc);
    Iterator<String> chunks =
        ClientCalls.blockingServerStreamingCall(
            channel(server), TestService.STREAM, CallOptions.DEFAULT, "6");
    assertThat(chunks.next()).isEqualTo("chunk 0");
    assertThat(service.entered.await(10, SECONDS)).isTrue();

    c.startDrain();
    c.whenQuiescing().get(10, SECONDS);
    assertThat(c.state()).isEqualTo(DrainState.QUIESCING);
    service.release.countDown();
    List<String> rest = new ArrayList<>();
    chunks.forEachRemaining(rest::add);
    assertThat(rest).containsExactly("chunk 1", "chunk 2", "chunk 3", "chunk 4", "chunk 5");
    assertThat(c.whenDrained().get(10, SECONDS).forced()).isFalse();
    grpc.terminated().get(10, SECONDS);
  }

  @Test
  void aBidirectionalStreamObservesTheDrainNoticeAndEndsPolitely() throws Exception {
    DrainCoordinator c = coordinator(Duration.ofMillis(200), Duration.ofSeconds(30));
    GrpcDrain grpc = GrpcDrain.create(c);
    Server server = start(grpc);
    Received received = new Received();
    ClientCall<String, String> chat =
        channel(server).newCall(TestService.CHAT, CallOptions.DEFAULT);
    StreamObserver<String> requests = ClientCalls.asyncBidiStreamingCall(chat, received);
    requests.onNext("hello");
    assertThat(received.messages.poll(10, SECONDS)).isEqualTo("hello");

    c.startDrain();
    assertThat(received.messages.poll(10, SECONDS)).isEqualTo("bye");
    assertThat(received.status.get(10, SECONDS).getCode()).isEqualTo(Status.Code.OK);
    DrainStatus drained = c.whenDrained().get(10, SECONDS);
    assertThat(drained.forced()).isFalse();
    assertThat(drained.drainElapsedMs()).isLessThan(c.deadline().toMillis());
  }

  @Test
  void aNewCallWhileQuiescingGetsUnavailableAndDoesNotHoldTheDrain() throws Exception {
    DrainCoordinator c = coordinator(Duration.ofMillis(200), Duration.ofSeconds(30));
    Server server = start(GrpcDrain.create(c));
    ManagedChannel channel = channel(server);
    CompletableFuture<String> hold = holdACallIntoQuiescing(c, channel);
    // GrpcDrain shuts the server down in its QUIESCING callback, which whenQuiescing() waits for
    // only 250 ms: on a loaded machine the callback thread can start later than that.
    awaitShutdown(server);
    assertThat(server.isShutdown()).as("listener closed, GOAWAY sent").isTrue();

    for (Channel ch : List.of(channel, channel(server))) { // the open connection, and a new one
      assertThatThrownBy(() -> blockingUnary(ch, TestService.HOLD, "late"))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
    assertThat(c.inflight(UnitKind.INBOUND)).isEqualTo(1);

    service.release.countDown();
    assertThat(hold.get(10, SECONDS)).isEqualTo("ok hold");
    assertThat(c.whenDrained().get(10, SECONDS).forced()).isFalse();
  }

  @Test
  void theInterceptorItselfRefusesACallThatArrivesWhileQuiescingWithUnavailable() throws Exception {
    DrainCoordinator c = coordinator(Duration.ofMillis(200), Duration.ofSeconds(30));
    GrpcDrain grpc = GrpcDrain.create(c);
    // Not managed: the server stays open at QUIESCING, so the call reaches the interceptor.
    Server server =
        started(
            serverBuilder().intercept(grpc.serverInterceptor()).addService(service.definition()));
    ManagedChannel channel = channel(server);
    InFlight holding = c.enter(UnitKind.INBOUND, "holding");
    c.startDrain();
    c.whenQuiescing().get(10, SECONDS);

    assertThatThrownBy(() -> blockingUnary(channel, TestService.HOLD, "late"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription()).isEqualTo(ServerDrainInterceptor.REFUSED);
            });
    assertThat(c.inflight(UnitKind.INBOUND)).isEqualTo(1);
    assertThat(grpc.openCalls()).isZero();
    holding.exit();
    assertThat(c.whenDrained().get(10, SECONDS).forced()).isFalse();
  }

  @Test
  void healthTurnsNotServingForEveryServiceAtDraining() throws Exception {
    DrainCoordinator c = coordinator(Duration.ofSeconds(60), Duration.ofSeconds(120));
    GrpcDrain grpc = GrpcDrain.create(c);
    Server server = start(grpc);
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel(server));
    assertThat(check(health, "")).isEqualTo(ServingStatus.SERVING);
    assertThat(check(health, TestService.SERVICE)).isEqualTo(ServingStatus.SERVING);
    Iterator<HealthCheckResponse> watch =
        health.watch(HealthCheckRequest.newBuilder().setService(TestService.SERVICE).build());
    assertThat(watch.next().getStatus()).isEqualTo(ServingStatus.SERVING);

    c.startDrain();
    c.whenDraining().get(10, SECONDS);
    assertThat(watch.next().getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(check(health, "")).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(check(health, TestService.SERVICE)).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(c.state()).as("health calls hold nothing").isEqualTo(DrainState.DRAINING);
  }

  @Test
  void theApplicationsOwnHealthManagerTurnsNotServingAtDrainingAndItsWatchesCloseAtDrained()
      throws Exception {
    DrainCoordinator c = coordinator(Duration.ofMillis(300), Duration.ofSeconds(30));
    GrpcDrain grpc = GrpcDrain.create(c);
    HealthStatusManager manager = new HealthStatusManager();
    manager.setStatus("app.Orders", ServingStatus.SERVING);
    grpc.health(manager);
    Server server =
        started(
            serverBuilder()
                .intercept(grpc.serverInterceptor())
                .addService(manager.getHealthService())
                .addService(service.definition()));
    grpc.manage(server);
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel(server));
    Iterator<HealthCheckResponse> watch =
        health.watch(HealthCheckRequest.newBuilder().setService("app.Orders").build());
    assertThat(watch.next().getStatus()).isEqualTo(ServingStatus.SERVING);

    c.startDrain();
    assertThat(watch.next().getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
    manager.setStatus("app.Orders", ServingStatus.SERVING);
    assertThat(check(health, "app.Orders")).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(c.whenDrained().get(10, SECONDS).forced())
        .as("an open watch does not hold the drain")
        .isFalse();
    assertThatThrownBy(watch::next)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    grpc.terminated().get(10, SECONDS);
    assertThat(server.isTerminated()).isTrue();
  }

  @Test
  void aNeverEndingStreamIsCutAtTheDeadlineWithUnavailableAndNamedInTheWarnReport()
      throws Exception {
    DrainCoordinator c = coordinator(Duration.ofMillis(200), Duration.ofMillis(1500));
    GrpcDrain grpc = GrpcDrain.create(c);
    Server server = start(grpc);
    Received received = new Received();
    ClientCalls.asyncServerStreamingCall(
        channel(server).newCall(TestService.FOREVER, CallOptions.DEFAULT), "", received);
    assertThat(received.messages.poll(10, SECONDS)).isEqualTo("tick");

    String log;
    DrainStatus drained;
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      c.startDrain();
      drained = c.whenDrained().get(10, SECONDS);
      grpc.terminated().get(10, SECONDS);
    } finally {
      System.setErr(err);
      log = captured.toString(StandardCharsets.UTF_8);
      err.print(log);
    }
    assertThat(drained.forced()).isTrue();
    Status status = received.status.get(10, SECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(status.getDescription()).isEqualTo("server shutting down");
    assertThat(log)
        .contains("WARN")
        .contains("deadline of 1500ms reached")
        .contains("inbound grpc test.Demo/Forever age=");
    assertThat(server.isTerminated()).isTrue();
  }

  @Test
  void aBlockedUnaryHandlerCutAtTheDeadlineAnswersUnavailableNotCancelled() throws Exception {
    DrainCoordinator c = coordinator(Duration.ofMillis(200), Duration.ofMillis(1500));
    GrpcDrain grpc = GrpcDrain.create(c);
    Server server = start(grpc);
    CompletableFuture<String> hold = unary(channel(server), TestService.HOLD, "stuck");
    assertThat(service.entered.await(10, SECONDS)).isTrue();

    c.startDrain();
    assertThat(c.whenDrained().get(10, SECONDS).forced()).isTrue();
    assertThat(hold)
        .failsWithin(10, SECONDS)
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription()).isEqualTo("server shutting down");
            });
    grpc.terminated().get(10, SECONDS);
    // The handler, released now, answers into a closed call: dropped, no exception.
    service.release.countDown();
  }

  @Test
  void aClientThatCancelsWhileTheHandlerStillWorksDoesNotEndTheUnitEarly() throws Exception {
    DrainCoordinator c = coordinator(Duration.ofMillis(200), Duration.ofSeconds(30));
    Server server = start(GrpcDrain.create(c));
    Context.CancellableContext client = Context.current().withCancellation();
    CompletableFuture<String> hold = client.call(() -> holdACallIntoQuiescing(c, channel(server)));

    client.cancel(null);
    assertThat(hold).failsWithin(10, SECONDS);
    assertThat(service.sawCancel.await(10, SECONDS)).as("the server saw the cancel").isTrue();
    assertThat(c.inflight(UnitKind.INBOUND)).isEqualTo(1);
    assertThat(c.state()).isEqualTo(DrainState.QUIESCING);

    service.release.countDown();
    assertThat(c.whenDrained().get(10, SECONDS).forced()).isFalse();
  }

  @Test
  void anOutboundCallMadeDuringTheDrainSucceedsAndTheChannelClosesOnlyAfterTheInboundWork()
      throws Exception {
    TestService upstreamService = new TestService();
    upstreamService.release.countDown();
    Server upstream = started(serverBuilder().addService(upstreamService.definition()));
    cleanup.add(upstreamService::shutdown);

    DrainCoordinator c = coordinator(Duration.ofMillis(200), Duration.ofSeconds(30));
    GrpcDrain grpc = GrpcDrain.create(c);
    ManagedChannel upstreamChannel = channel(upstream);
    Channel tracked = grpc.trackChannel("upstream", upstreamChannel);
    service.upstream = tracked;
    Server server = start(grpc);
    CompletableFuture<String> call = unary(channel(server), TestService.CALL, "via");
    assertThat(service.entered.await(10, SECONDS)).isTrue();
    c.startDrain();
    c.whenQuiescing().get(10, SECONDS);
    assertThat(upstreamChannel.isShutdown()).isFalse();

    service.release.countDown(); // the handler now calls the upstream, while quiescing
    assertThat(call.get(10, SECONDS)).isEqualTo("upstream ok via");
    DrainStatus drained = c.whenDrained().get(10, SECONDS);
    assertThat(drained.forced()).isFalse();
    assertThat(upstreamChannel.isTerminated()).as("closed before DRAINED was reported").isTrue();

    assertThatThrownBy(
            () ->
                ClientCalls.blockingUnaryCall(
                    tracked, TestService.HOLD, CallOptions.DEFAULT, "after"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getCause()).isInstanceOf(DrainedException.class);
            });
  }

  @Test
  void anOutboundCallHoldsTheDrainUntilItsResponseArrives() throws Exception {
    TestService upstreamService = new TestService();
    Server upstream = started(serverBuilder().addService(upstreamService.definition()));
    cleanup.add(upstreamService::shutdown);
    cleanup.add(upstreamService.release::countDown);
    DrainCoordinator c = coordinator(Duration.ofMillis(200), Duration.ofSeconds(30));
    GrpcDrain grpc = GrpcDrain.create(c);
    Channel tracked = grpc.trackChannel("upstream", channel(upstream));
    CompletableFuture<String> call = unary(tracked, TestService.HOLD, "out");
    assertThat(upstreamService.entered.await(10, SECONDS)).isTrue();
    assertThat(c.inflight(UnitKind.OUTBOUND)).isEqualTo(1);

    c.startDrain();
    c.whenQuiescing().get(10, SECONDS);
    assertThat(c.state()).isEqualTo(DrainState.QUIESCING);
    upstreamService.release.countDown();
    assertThat(call.get(10, SECONDS)).isEqualTo("ok out");
    assertThat(c.whenDrained().get(10, SECONDS).forced()).isFalse();
    assertThat(c.inflight(UnitKind.OUTBOUND)).isZero();
  }

  @Test
  void aServerManagedAfterDrainedIsShutDownAtOnce() throws Exception {
    DrainCoordinator c = coordinator(Duration.ofMillis(100), Duration.ofSeconds(30));
    GrpcDrain grpc = GrpcDrain.create(c);
    c.startDrain();
    c.whenDrained().get(10, SECONDS);
    Server server = started(serverBuilder().intercept(grpc.serverInterceptor()));
    grpc.manage(server);
    assertThat(server.awaitTermination(10, SECONDS)).isTrue();
    grpc.terminated().get(10, SECONDS);
  }

  // ---------------------------------------------------------------- helpers

  /** Starts a {@code Hold} call, waits until its handler works, then drains into QUIESCING. */
  private CompletableFuture<String> holdACallIntoQuiescing(DrainCoordinator c, Channel channel)
      throws Exception {
    CompletableFuture<String> hold = unary(channel, TestService.HOLD, "hold");
    assertThat(service.entered.await(10, SECONDS)).isTrue();
    c.startDrain();
    c.whenQuiescing().get(10, SECONDS);
    return hold;
  }

  /** Waits (bounded: 10 s) until {@code server} is shut down. */
  private static void awaitShutdown(Server server) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!server.isShutdown() && System.nanoTime() - end < 0) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }

  private DrainCoordinator coordinator(Duration propagationDelay, Duration deadline) {
    DrainCoordinator c =
        DrainCoordinator.builder()
            .statusPort(0)
            .shutdownHook(false)
            .propagationDelay(propagationDelay)
            .deadline(deadline)
            .build();
    cleanup.add(c);
    return c;
  }

  /** The test service with drain4j's interceptor and health service, started and managed. */
  private Server start(GrpcDrain grpc) throws Exception {
    Server server =
        started(
            serverBuilder()
                .intercept(grpc.serverInterceptor())
                .addService(grpc.healthService())
                .addService(service.definition()));
    grpc.manage(server);
    return server;
  }

  private Server started(ServerBuilder<?> builder) throws Exception {
    Server server = builder.build().start();
    cleanup.add(
        () -> {
          server.shutdownNow();
          server.awaitTermination(10, SECONDS);
        });
    return server;
  }

  private ManagedChannel channel(Server server) {
    ManagedChannel channel = channelBuilder(server.getPort()).build();
    cleanup.add(
        () -> {
          channel.shutdownNow();
          channel.awaitTermination(10, SECONDS);
        });
    return channel;
  }

  private static CompletableFuture<String> unary(
      Channel channel, io.grpc.MethodDescriptor<String, String> method, String request) {
    CompletableFuture<String> result = new CompletableFuture<>();
    ClientCalls.asyncUnaryCall(
        channel.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(60, SECONDS)),
        request,
        new StreamObserver<>() {
          @Override
          public void onNext(String value) {
            result.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            result.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    return result;
  }

  private static String blockingUnary(
      Channel channel, io.grpc.MethodDescriptor<String, String> method, String request) {
    return ClientCalls.blockingUnaryCall(
        channel, method, CallOptions.DEFAULT.withDeadlineAfter(10, SECONDS), request);
  }

  private static ServingStatus check(HealthGrpc.HealthBlockingStub health, String service) {
    return health
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build())
        .getStatus();
  }

  /** What a streaming call received: its messages in order, then its status. */
  static final class Received implements StreamObserver<String> {
    final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<Status> status = new CompletableFuture<>();

    @Override
    public void onNext(String value) {
      messages.add(value);
    }

    @Override
    public void onError(Throwable t) {
      status.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      status.complete(Status.OK);
    }
  }
}

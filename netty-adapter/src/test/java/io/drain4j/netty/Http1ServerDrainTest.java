package io.drain4j.netty;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainStatus;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class Http1ServerDrainTest {

  private static final HttpClient JDK =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  @Test
  void whenLongRequestIsInFlightThenDrainWaitsForItsResponseAndShutsTheServerDownAfter()
      throws Exception {
    try (TestServer server = new TestServer(Coordinators.quick(), true)) {
      DrainCoordinator c = server.coordinator;
      CompletableFuture<HttpResponse<String>> response =
          JDK.sendAsync(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/hold"))
                  .timeout(Duration.ofSeconds(20))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      TestServer.Held held = server.nextHeld();
      CompletableFuture<DrainStatus> drained = c.whenDrained();

      c.startDrain();
      c.whenQuiescing().get(10, SECONDS);
      assertThat(server.serverChannel.closeFuture().await(10, SECONDS)).isTrue();
      server.awaitListenerGone();
      assertThatThrownBy(
              () ->
                  new Socket()
                      .connect(
                          new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()),
                          10_000))
          .isInstanceOf(ConnectException.class);
      assertThat(drained).isNotDone();
      assertThat(c.inflight(UnitKind.INBOUND)).isEqualTo(1);
      assertThat(server.workers.isShuttingDown()).isFalse();

      held.answer("done");
      assertThat(response.get(10, SECONDS).statusCode()).isEqualTo(200);
      assertThat(response.get().body()).isEqualTo("done");
      DrainStatus status = drained.get(10, SECONDS);
      assertThat(status.forced()).isFalse();
      server.drain.terminated().get(10, SECONDS);
      assertThat(server.workers.isTerminated()).isTrue();
      assertThat(server.boss.isTerminated()).isTrue();
    }
  }

  @Test
  void whenALargeResponseIsStillBeingWrittenAcrossTheDrainThenItsRequestEndsWithTheLastByte()
      throws Exception {
    int size = 32 << 20; // far more than loopback's socket buffers hold
    try (TestServer server = new TestServer(Coordinators.quick(), true);
        RawHttpConnection conn = new RawHttpConnection(server.port())) {
      DrainCoordinator c = server.coordinator;
      conn.send(RawHttpConnection.get("/hold"));
      TestServer.Held held = server.nextHeld();
      held.answerLarge(size); // the client reads none of it yet
      Channel ch = held.ctx.channel();
      assertThat(ch.eventLoop().submit(ch::isWritable).get(10, SECONDS)).isFalse();

      c.startDrain();
      c.whenQuiescing().get(10, SECONDS);
      // Written by the application, not yet by the socket: the request is still in flight.
      assertThat(c.inflight(UnitKind.INBOUND)).isEqualTo(1);
      assertThat(c.whenDrained()).isNotDone();

      RawHttpConnection.Response r = conn.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).hasSize(size);
      assertThat(c.whenDrained().get(10, SECONDS).forced()).isFalse();
      assertThat(conn.awaitClosedByServer()).isTrue();
    }
  }

  @Test
  void whenAResponseIsFlushedPastTheDrainHandlerThenItsRequestEndsAtQuiescingAtTheLatest()
      throws Exception {
    // The handler ends requests at its own flush; a write that some other flush completed must
    // still end its request once the drain needs it to, or DRAINED would wait for the deadline.
    try (TestServer server = new TestServer(Coordinators.quick(), true);
        RawHttpConnection conn = new RawHttpConnection(server.port())) {
      DrainCoordinator c = server.coordinator;
      conn.send(RawHttpConnection.get("/hold"));
      TestServer.Held held = server.nextHeld();
      assertThat(held.answerFlushedPastTheDrainHandler("done").await(10, SECONDS)).isTrue();
      RawHttpConnection.Response r = conn.read();
      assertThat(r.status()).isEqualTo(200);

      c.startDrain();
      DrainStatus status = c.whenDrained().get(10, SECONDS);
      assertThat(status.forced()).isFalse();
      assertThat(status.inflight(UnitKind.INBOUND)).isZero();
    }
  }

  @Test
  void whenClientDisconnectsMidRequestThenTheDrainWaitsForTheHandlerToAnswer() throws Exception {
    try (TestServer server = new TestServer(Coordinators.quick(), true)) {
      DrainCoordinator c = server.coordinator;
      TestServer.Held held;
      try (RawHttpConnection conn = new RawHttpConnection(server.port())) {
        conn.send(RawHttpConnection.get("/hold"));
        held = server.nextHeld();
      } // the client gives up and closes its connection while the handler works on
      TestServer.awaitClientGone(held.ctx.channel());

      TestServer.assertDrainWaitsForTheAnswer(c, held);
      // Nothing left to answer on it: the server closes the connection its client half-closed.
      assertThat(held.ctx.channel().closeFuture().await(10, SECONDS)).isTrue();
    }
  }

  @Test
  void whenClientDisconnectsWhileServingThenItsConnectionClosesOnceTheHandlerAnswered()
      throws Exception {
    try (TestServer server = new TestServer(Coordinators.quick(), true)) {
      TestServer.Held held;
      try (RawHttpConnection conn = new RawHttpConnection(server.port())) {
        RawHttpConnection.Response first = conn.send(RawHttpConnection.get("/fast")).read();
        assertThat(first.status()).isEqualTo(200);
        conn.send(RawHttpConnection.get("/hold"));
        held = server.nextHeld();
      }
      TestServer.awaitClientGone(held.ctx.channel());
      assertThat(held.ctx.channel().isOpen()).isTrue();
      assertThat(server.coordinator.inflight(UnitKind.INBOUND)).isEqualTo(1);

      held.answer("late");
      assertThat(held.ctx.channel().closeFuture().await(10, SECONDS)).isTrue();
      assertThat(server.coordinator.inflight(UnitKind.INBOUND)).isZero();
    }
  }

  @Test
  void whenStreamedResponseIsUnderwayThenTheRequestEndsOnlyWithItsLastChunk() throws Exception {
    try (TestServer server = new TestServer(Coordinators.quick(), true);
        RawHttpConnection conn = new RawHttpConnection(server.port())) {
      DrainCoordinator c = server.coordinator;
      conn.send(RawHttpConnection.get("/hold"));
      TestServer.Held held = server.nextHeld();
      held.startStream("first");
      RawHttpConnection.Response head = conn.readHead();
      assertThat(head.header("connection")).isNull(); // begun before the drain
      assertThat(conn.readChunk()).isEqualTo("first");

      c.startDrain();
      c.whenQuiescing().get(10, SECONDS);
      // The client has read part of the answer: the request is still in flight.
      assertThat(c.inflight(UnitKind.INBOUND)).isEqualTo(1);
      assertThat(c.whenDrained()).isNotDone();

      held.finishStream("last");
      assertThat(conn.readChunk()).isEqualTo("last");
      assertThat(conn.readChunk()).isEmpty();
      assertThat(c.whenDrained().get(10, SECONDS).forced()).isFalse();
      // Idle now, and quiescing: the server closes the connection its response left open.
      assertThat(conn.awaitClosedByServer()).isTrue();
    }
  }

  @Test
  void whenDrainingThenKeepAliveResponseCarriesConnectionCloseAndTheConnectionCloses()
      throws Exception {
    try (TestServer server = new TestServer(Coordinators.longDraining(), true);
        RawHttpConnection conn = new RawHttpConnection(server.port())) {
      RawHttpConnection.Response before = conn.send(RawHttpConnection.get("/fast")).read();
      assertThat(before.status()).isEqualTo(200);
      assertThat(before.header("connection")).isNull();

      server.coordinator.startDrain();
      RawHttpConnection.Response during = conn.send(RawHttpConnection.get("/fast")).read();
      assertThat(during.status()).isEqualTo(200);
      assertThat(during.body()).isEqualTo("ok");
      assertThat(during.header("connection")).isEqualTo("close");
      assertThat(conn.awaitClosedByServer()).isTrue();

      // During the propagation delay new connections are still served, and closed after.
      try (RawHttpConnection late = new RawHttpConnection(server.port())) {
        RawHttpConnection.Response r = late.send(RawHttpConnection.get("/fast")).read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("connection")).isEqualTo("close");
        assertThat(late.awaitClosedByServer()).isTrue();
      }
    }
  }

  @Test
  void whenServingThenPipelinedRequestsAreAnsweredInOrderAndTheConnectionStaysOpen()
      throws Exception {
    try (TestServer server = new TestServer(Coordinators.longDraining(), true);
        RawHttpConnection conn = new RawHttpConnection(server.port())) {
      conn.send(RawHttpConnection.get("/fast"), RawHttpConnection.get("/fast?second"));
      for (int i = 0; i < 2; i++) {
        RawHttpConnection.Response r = conn.read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("connection")).isNull();
      }
      assertThat(conn.send(RawHttpConnection.get("/fast")).read().status()).isEqualTo(200);
    }
  }

  @Test
  void whenPipelinedRequestsAreReadWhileDrainingThenAllAreAnsweredAndOnlyTheLastCloses()
      throws Exception {
    try (TestServer server = new TestServer(Coordinators.longDraining(), true);
        RawHttpConnection conn = new RawHttpConnection(server.port())) {
      server.coordinator.startDrain();
      conn.send(RawHttpConnection.get("/hold?1"), RawHttpConnection.get("/hold?2"));
      TestServer.Held first = server.nextHeld();
      TestServer.Held second = server.nextHeld();
      assertThat(server.coordinator.inflight(UnitKind.INBOUND)).isEqualTo(2);

      first.answer("one");
      second.answer("two");
      RawHttpConnection.Response r1 = conn.read();
      RawHttpConnection.Response r2 = conn.read();
      assertThat(r1.body()).isEqualTo("one");
      assertThat(r1.header("connection")).isNull();
      assertThat(r2.body()).isEqualTo("two");
      assertThat(r2.header("connection")).isEqualTo("close");
      assertThat(conn.awaitClosedByServer()).isTrue();
    }
  }

  @Test
  void whenQuiescingThenNewRequestIsAnswered503WithRetryAfterAndConnectionClose() throws Exception {
    // Without the lifecycle glue the server still accepts, so a request can reach it now.
    try (TestServer server = new TestServer(Coordinators.quick(), false)) {
      DrainCoordinator c = server.coordinator;
      InFlight job = c.enter(UnitKind.BACKGROUND, "keeps the drain in QUIESCING");
      c.startDrain();
      Coordinators.awaitRefusing(c);

      try (RawHttpConnection conn = new RawHttpConnection(server.port())) {
        RawHttpConnection.Response r = conn.send(RawHttpConnection.get("/fast")).read();
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.header("retry-after")).isEqualTo("1");
        assertThat(r.header("connection")).isEqualTo("close");
        assertThat(conn.awaitClosedByServer()).isTrue();
      }
      assertThat(c.rejectedCount()).isEqualTo(2); // the probe and this request
      assertThat(c.inflight(UnitKind.INBOUND)).isZero();
      assertThat(server.held).isEmpty();
      job.exit();
      assertThat(c.whenDrained().get(10, SECONDS).forced()).isFalse();
    }
  }

  @Test
  void whenRequestArrivesWhileQuiescingBehindOneInFlightThenItIsRefusedAfterThatAnswer()
      throws Exception {
    try (TestServer server = new TestServer(Coordinators.quick(), true);
        RawHttpConnection conn = new RawHttpConnection(server.port())) {
      DrainCoordinator c = server.coordinator;
      conn.send(RawHttpConnection.get("/hold"));
      TestServer.Held held = server.nextHeld();
      c.startDrain();
      Coordinators.awaitRefusing(c);

      conn.send(RawHttpConnection.get("/fast"));
      server.awaitDecoded("/fast"); // refused behind the held request before that is answered
      held.answer("held");
      RawHttpConnection.Response first = conn.read();
      assertThat(first.status()).isEqualTo(200);
      assertThat(first.body()).isEqualTo("held");
      RawHttpConnection.Response refused = conn.read();
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.header("retry-after")).isEqualTo("1");
      assertThat(refused.header("connection")).isEqualTo("close");
      assertThat(conn.awaitClosedByServer()).isTrue();
      assertThat(c.whenDrained().get(10, SECONDS).forced()).isFalse();
    }
  }

  @Test
  void whenRefusedRequestHasABodyThenTheBodyIsReadAndDroppedAndThe503Follows() throws Exception {
    try (TestServer server = new TestServer(Coordinators.quick(), false)) {
      DrainCoordinator c = server.coordinator;
      InFlight job = c.enter(UnitKind.BACKGROUND, "keeps the drain in QUIESCING");
      c.startDrain();
      Coordinators.awaitRefusing(c);

      try (RawHttpConnection conn = new RawHttpConnection(server.port())) {
        conn.send(
            """
            POST /hold HTTP/1.1\r
            Host: localhost\r
            Transfer-Encoding: chunked\r
            \r
            3\r
            pay\r
            4\r
            load\r
            0\r
            \r
            """);
        RawHttpConnection.Response r = conn.read();
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.header("connection")).isEqualTo("close");
        assertThat(conn.awaitClosedByServer()).isTrue();
      }
      assertThat(server.held).isEmpty();
      job.exit();
      assertThat(c.whenDrained().get(10, SECONDS).forced()).isFalse();
    }
  }

  @Test
  void whenRequestArrivesAfterAResponsePromisedTheCloseThenItIsNotProcessed() throws Exception {
    try (TestServer server = new TestServer(Coordinators.longDraining(), true);
        RawHttpConnection conn = new RawHttpConnection(server.port())) {
      DrainCoordinator c = server.coordinator;
      c.startDrain();
      conn.send(RawHttpConnection.get("/hold"));
      TestServer.Held held = server.nextHeld();
      held.startStream("a");
      assertThat(conn.readHead().header("connection")).isEqualTo("close");
      assertThat(conn.readChunk()).isEqualTo("a");

      // The client did not wait for the end of the response (it should have): not processed.
      conn.send(RawHttpConnection.get("/hold?late"));
      server.awaitDecoded("/hold?late");
      held.finishStream("b");
      assertThat(conn.readChunk()).isEqualTo("b");
      assertThat(conn.readChunk()).isEmpty();
      assertThat(conn.awaitClosedByServer()).isTrue();
      assertThat(server.held).isEmpty();
      assertThat(c.rejectedCount()).isZero();
    }
  }

  @Test
  void whenLifecycleIsHandedOverAfterTheDrainThenItActsAtOnce() throws Exception {
    DrainCoordinator c = Coordinators.create(Duration.ZERO, Duration.ofSeconds(10));
    c.startDrain();
    c.whenDrained().get(10, SECONDS);
    try (TestServer server = new TestServer(c, false)) {
      server
          .drain
          .closeOnQuiescing(server.serverChannel)
          .shutdownWhenDrained(server.boss, server.workers);
      assertThat(server.serverChannel.closeFuture().await(10, SECONDS)).isTrue();
      server.drain.terminated().get(10, SECONDS);
      assertThat(server.workers.terminationFuture().await(10, SECONDS)).isTrue();
      assertThat(server.boss.terminationFuture().await(10, SECONDS)).isTrue();
      EmbeddedChannel notAServer = new EmbeddedChannel();
      assertThatThrownBy(() -> server.drain.closeOnQuiescing(notAServer))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("server channels");
      notAServer.finishAndReleaseAll();
    }
  }

  @Test
  void whenQuiescingThenIdleKeepAliveConnectionIsClosedAndDoesNotHoldTheDrain() throws Exception {
    try (TestServer server = new TestServer(Coordinators.quick(), true);
        RawHttpConnection conn = new RawHttpConnection(server.port())) {
      assertThat(conn.send(RawHttpConnection.get("/fast")).read().status()).isEqualTo(200);
      assertThat(server.drain.openConnections()).isEqualTo(1);

      server.coordinator.startDrain();
      assertThat(conn.awaitClosedByServer()).isTrue();
      DrainStatus status = server.coordinator.whenDrained().get(10, SECONDS);
      assertThat(status.forced()).isFalse();
      assertThat(status.inflight()).isZero();
      server.drain.terminated().get(10, SECONDS);
    }
  }

  @Test
  void whenRequestNeverEndsThenTheDeadlineCutsItAndTheDrainIsReportedForced() throws Exception {
    try (TestServer server = new TestServer(Coordinators.shortDeadline(), true);
        RawHttpConnection conn = new RawHttpConnection(server.port())) {
      conn.send(RawHttpConnection.get("/hold"));
      server.nextHeld(); // never answered

      server.coordinator.startDrain();
      DrainStatus status = server.coordinator.whenDrained().get(10, SECONDS);
      assertThat(status.forced()).isTrue();
      assertThat(status.inbound()).isEqualTo(1);
      assertThat(conn.awaitClosedByServer()).isTrue();
      server.drain.terminated().get(10, SECONDS);
      assertThat(server.workers.isTerminated()).isTrue();
    }
  }

  @Test
  void whenServerSendsInterimContinueThenTheRequestStaysInFlightUntilItsFinalResponse()
      throws Exception {
    try (TestServer server = new TestServer(Coordinators.quick(), true);
        RawHttpConnection conn = new RawHttpConnection(server.port())) {
      conn.send(
          """
          POST /hold HTTP/1.1\r
          Host: localhost\r
          Content-Length: 5\r
          Expect: 100-continue\r
          \r
          """);
      assertThat(conn.read().status()).isEqualTo(100);
      assertThat(server.coordinator.inflight(UnitKind.INBOUND)).isEqualTo(1);

      conn.send("hello");
      server.nextHeld().answer("final");
      RawHttpConnection.Response r = conn.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("final");
      server.coordinator.startDrain();
      assertThat(server.coordinator.whenDrained().get(10, SECONDS).forced()).isFalse();
    }
  }

  @Test
  void whenHttp2HandlerHasNoFrameCodecBeforeItThenItFailsWithAClearMessage() {
    DrainCoordinator c = Coordinators.quick();
    try {
      NettyServerDrain drain = NettyServerDrain.create(c);
      EmbeddedChannel ch = new EmbeddedChannel();
      ch.pipeline().addLast(drain.newHttp2Handler());
      assertThatThrownBy(ch::checkException)
          .hasStackTraceContaining("must follow the connection's Http2FrameCodec");
      assertThat(drain.openConnections()).isZero();
      ch.finishAndReleaseAll();
    } finally {
      c.close();
    }
  }
}

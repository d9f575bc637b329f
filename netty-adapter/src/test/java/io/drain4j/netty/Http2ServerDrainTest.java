package io.drain4j.netty;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainStatus;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class Http2ServerDrainTest {

  private static HttpClient jdkHttp2() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_2)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  @Test
  void whenDrainStartsThenConnectionGetsDoubleGoAwayAndItsInFlightStreamsComplete()
      throws Exception {
    try (TestServer server = new TestServer(Coordinators.quick(), true);
        H2Client client = new H2Client(server.port())) {
      DrainCoordinator c = server.coordinator;
      List<H2Client.Stream> streams = new ArrayList<>();
      List<TestServer.Held> held = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        streams.add(client.get("/hold?" + i));
      }
      int lastStreamId = 0;
      for (H2Client.Stream s : streams) {
        held.add(server.nextHeld());
        lastStreamId = Math.max(lastStreamId, s.id.get(10, SECONDS));
      }
      assertThat(c.inflight(UnitKind.INBOUND)).isEqualTo(3);

      c.startDrain();
      assertThat(client.nextGoAway()).isEqualTo(Integer.MAX_VALUE);
      assertThat(client.nextGoAway()).isEqualTo(lastStreamId);
      c.whenQuiescing().get(10, SECONDS);
      assertThat(c.whenDrained()).isNotDone();
      assertThat(client.channel.isActive()).isTrue();

      for (TestServer.Held h : held) {
        h.answer("done " + h.path);
      }
      for (H2Client.Stream s : streams) {
        H2Client.Response r = s.response.get(10, SECONDS);
        assertThat(r.status()).isEqualTo(200);
      }
      assertThat(c.whenDrained().get(10, SECONDS).forced()).isFalse();
      assertThat(client.channel.closeFuture().await(10, SECONDS)).isTrue();
      server.drain.terminated().get(10, SECONDS);
    }
  }

  @Test
  void whenALargeResponseIsStillHeldByFlowControlAcrossQuiescingThenItsStreamEndsWithTheLastByte()
      throws Exception {
    int size = 4 << 20; // 64 times HTTP/2's initial flow-control window
    try (TestServer server = new TestServer(Coordinators.quick(), true);
        H2Client client = new H2Client(server.port())) {
      DrainCoordinator c = server.coordinator;
      H2Client.Stream stream = client.get("/hold");
      TestServer.Held held = server.nextHeld();
      // The client stops reading, so it sends no WINDOW_UPDATE: the body waits in the server's
      // flow controller and socket buffers, written by the application but not sent.
      client.channel.config().setAutoRead(false);
      held.answerLarge(size);

      c.startDrain();
      c.whenQuiescing().get(10, SECONDS);
      assertThat(c.inflight(UnitKind.INBOUND)).isEqualTo(1);
      assertThat(c.whenDrained()).isNotDone();
      assertThat(held.ctx.channel().isActive()).isTrue();

      client.channel.config().setAutoRead(true);
      H2Client.Response r = stream.response.get(30, SECONDS);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).hasSize(size);
      assertThat(c.whenDrained().get(10, SECONDS).forced()).isFalse();
      assertThat(client.channel.closeFuture().await(10, SECONDS)).isTrue();
    }
  }

  @Test
  void whenStreamRacesTheFirstGoAwayThenItIsStillServedAndTheFinalGoAwayNamesIt() throws Exception {
    try (TestServer server = new TestServer(Coordinators.longDraining(), true);
        H2Client client = new H2Client(server.port())) {
      assertThat(client.get("/fast").response.get(10, SECONDS).status()).isEqualTo(200);
      CompletableFuture<H2Client.Stream> racer = new CompletableFuture<>();
      // Opened on the client's event loop as the first GOAWAY is read, so its HEADERS leave
      // before the acknowledgement of the server's PING: it was on the wire during the round trip.
      client.onGoAway =
          id -> {
            if (id == Integer.MAX_VALUE) {
              racer.complete(client.get("/fast"));
            }
          };

      server.coordinator.startDrain();
      assertThat(client.nextGoAway()).isEqualTo(Integer.MAX_VALUE);
      H2Client.Stream raced = racer.get(10, SECONDS);
      assertThat(client.nextGoAway()).isEqualTo(raced.id.get(10, SECONDS));
      H2Client.Response r = raced.response.get(10, SECONDS);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("ok");
      // Nothing left on it: the server closes the connection after the final GOAWAY.
      assertThat(client.channel.closeFuture().await(10, SECONDS)).isTrue();
    }
  }

  @Test
  void whenQuiescingThenNewStreamIsAnswered503WithRetryAfter() throws Exception {
    try (TestServer server = new TestServer(Coordinators.quick(), false)) {
      DrainCoordinator c = server.coordinator;
      InFlight job = c.enter(UnitKind.BACKGROUND, "keeps the drain in QUIESCING");
      c.startDrain();
      Coordinators.awaitRefusing(c);

      // The stream leaves with the connection preface, before the server's GOAWAY and PING
      // can be read: the server sees it within the first GOAWAY's grace and refuses it.
      try (H2Client client = new H2Client(server.port(), null, "/fast")) {
        H2Client.Response r = client.first.response.get(10, SECONDS);
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.retryAfter()).isEqualTo("1");
        assertThat(client.nextGoAway()).isEqualTo(Integer.MAX_VALUE);
        assertThat(client.nextGoAway()).isEqualTo(r.streamId());
      }
      assertThat(c.rejectedCount()).isEqualTo(2); // the probe and this request
      assertThat(server.held).isEmpty();
      job.exit();
      assertThat(c.whenDrained().get(10, SECONDS).forced()).isFalse();
    }
  }

  @Test
  void whenQuiescingThenNewStreamStillSendingItsBodyIsAnswered503AndTheBodyDropped()
      throws Exception {
    try (TestServer server = new TestServer(Coordinators.quick(), false)) {
      DrainCoordinator c = server.coordinator;
      InFlight job = c.enter(UnitKind.BACKGROUND, "keeps the drain in QUIESCING");
      c.startDrain();
      Coordinators.awaitRefusing(c);

      try (H2Client client = new H2Client(server.port(), null, "/hold", "payload")) {
        H2Client.Response r = client.first.response.get(10, SECONDS);
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.retryAfter()).isEqualTo("1");
        assertThat(r.body()).isEmpty();
      }
      assertThat(server.held).isEmpty();
      job.exit();
      assertThat(c.whenDrained().get(10, SECONDS).forced()).isFalse();
    }
  }

  @Test
  void whenRequestArrivesOverH2cUpgradeThenItIsTrackedAsAnHttp2Stream() throws Exception {
    try (TestServer server = new TestServer(Coordinators.quick(), true)) {
      DrainCoordinator c = server.coordinator;
      CompletableFuture<HttpResponse<String>> response =
          jdkHttp2()
              .sendAsync(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/hold"))
                      .timeout(Duration.ofSeconds(20))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      TestServer.Held held = server.nextHeld();
      assertThat(held.ctx.channel()).isInstanceOf(Http2StreamChannel.class);
      assertThat(c.inflight(UnitKind.INBOUND)).isEqualTo(1);
      // The HTTP/1.1 handler handed the connection over: one connection, one registration.
      assertThat(server.drain.openConnections()).isEqualTo(1);

      // Answered before the drain: the JDK's client before 17.0.17 fails every open stream on any
      // GOAWAY, even the graceful one (JDK-8335181); the Netty client shows streams completing.
      held.answer("upgraded");
      assertThat(response.get(10, SECONDS).version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(response.get().body()).isEqualTo("upgraded");
      c.startDrain();
      assertThat(c.whenDrained().get(10, SECONDS).forced()).isFalse();
      assertThat(c.rejectedCount()).isZero();
    }
  }

  @Test
  void whenClientResetsItsStreamThenTheDrainWaitsForTheHandlerToAnswerIt() throws Exception {
    try (TestServer server = new TestServer(Coordinators.quick(), true);
        H2Client client = new H2Client(server.port())) {
      DrainCoordinator c = server.coordinator;
      H2Client.Stream s = client.get("/hold");
      TestServer.Held held = server.nextHeld();
      s.id.get(10, SECONDS);

      s.cancel(); // RST_STREAM while the handler works on
      Channel reset = server.resets.poll(10, SECONDS);
      assertThat(reset).isSameAs(held.ctx.channel());
      // The codec closes the stream in the turn that read the reset: it has happened after this.
      reset.eventLoop().submit(() -> {}).get(10, SECONDS);
      c.startDrain();
      c.whenQuiescing().get(10, SECONDS);
      assertThat(c.inflight(UnitKind.INBOUND)).isEqualTo(1);
      assertThat(c.whenDrained()).isNotDone();

      ChannelFuture answer =
          held.ctx.writeAndFlush(TestServer.response(HttpResponseStatus.OK, "x"));
      assertThat(answer.await(10, SECONDS)).isTrue();
      assertThat(answer.cause()).isInstanceOf(ClosedChannelException.class);
      DrainStatus status = c.whenDrained().get(10, SECONDS);
      assertThat(status.forced()).isFalse();
      assertThat(status.inbound()).isZero();
      assertThat(held.ctx.channel().closeFuture().await(10, SECONDS)).isTrue();
      // The stream was the last thing on the connection: the final GOAWAY's close follows.
      assertThat(client.channel.closeFuture().await(10, SECONDS)).isTrue();
    }
  }

  @Test
  void whenAResetStreamIsNeverAnsweredThenTheDeadlineClosesItsStreamChannelAndTheServerStops()
      throws Exception {
    try (TestServer server = new TestServer(Coordinators.shortDeadline(), true);
        H2Client client = new H2Client(server.port())) {
      H2Client.Stream s = client.get("/hold");
      TestServer.Held held = server.nextHeld(); // never answered
      s.id.get(10, SECONDS);
      s.cancel();
      assertThat(server.resets.poll(10, SECONDS)).isSameAs(held.ctx.channel());

      server.coordinator.startDrain();
      DrainStatus status = server.coordinator.whenDrained().get(10, SECONDS);
      assertThat(status.forced()).isTrue();
      assertThat(status.inbound()).isEqualTo(1);
      // The held stream channel is closed with its connection, not left open.
      assertThat(held.ctx.channel().closeFuture().await(10, SECONDS)).isTrue();
      server.drain.terminated().get(10, SECONDS);
    }
  }

  @Test
  void whenClientResetsAStreamWhoseAnswerIsWrittenButHeldBackThenTheStreamEndsAtTheReset()
      throws Exception {
    try (TestServer server = new TestServer(Coordinators.quick(), true);
        H2Client client = new H2Client(server.port())) {
      DrainCoordinator c = server.coordinator;
      H2Client.Stream s = client.get("/hold");
      TestServer.Held held = server.nextHeld();
      s.cancelOnFirstData = true;

      c.startDrain();
      // Flow control holds most of the answer back; the client cancels at its first DATA frame.
      // The application wrote its end already: the drain does not wait for another answer.
      held.answerLarge(16 << 20);
      DrainStatus status = c.whenDrained().get(10, SECONDS);
      assertThat(status.forced()).isFalse();
      assertThat(status.inbound()).isZero();
    }
  }

  @Test
  void whenClientDisconnectsWithAStreamInFlightThenTheDrainWaitsForTheHandlerToAnswerIt()
      throws Exception {
    try (TestServer server = new TestServer(Coordinators.quick(), true);
        H2Client client = new H2Client(server.port())) {
      DrainCoordinator c = server.coordinator;
      client.get("/hold");
      TestServer.Held held = server.nextHeld();
      // The client is done sending (FIN) while the handler works on. An abortive close (RST) is
      // the case the adapter cannot wait out: see NettyServerDrain#newHttp2Handler.
      ((SocketChannel) client.channel).shutdownOutput().sync();
      Channel connection = held.ctx.channel().parent();
      TestServer.awaitClientGone(connection);

      TestServer.assertDrainWaitsForTheAnswer(c, held);
      assertThat(connection.closeFuture().await(10, SECONDS)).isTrue();
    }
  }

  @Test
  void whenStreamNeverEndsThenTheDeadlineClosesTheConnectionAndTheDrainIsReportedForced()
      throws Exception {
    try (TestServer server = new TestServer(Coordinators.shortDeadline(), true);
        H2Client client = new H2Client(server.port())) {
      H2Client.Stream s = client.get("/hold");
      server.nextHeld(); // never answered

      server.coordinator.startDrain();
      DrainStatus status = server.coordinator.whenDrained().get(10, SECONDS);
      assertThat(status.forced()).isTrue();
      assertThat(status.inbound()).isEqualTo(1);
      // The codec alone would wait for the stream: the deadline closes the connection itself.
      assertThat(client.channel.closeFuture().await(10, SECONDS)).isTrue();
      try {
        s.response.get(10, SECONDS);
        throw new AssertionError("the cut stream has no complete response");
      } catch (ExecutionException expected) {
        assertThat(expected.getCause()).hasMessageContaining("closed before its end");
      }
      server.drain.terminated().get(10, SECONDS);
    }
  }
}

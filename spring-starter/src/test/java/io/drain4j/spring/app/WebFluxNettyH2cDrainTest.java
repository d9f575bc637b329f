package io.drain4j.spring.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.drain4j.spring.testsupport.H2cExchange;
import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2FrameCodec;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * WebFlux on Reactor Netty with {@code server.http2.enabled=true} and no TLS, which Boot serves as
 * h2c (prior knowledge or upgrade) beside HTTP/1.1: the scenarios of {@link WebFluxNettyDrainTest}
 * (the JDK client upgrades to h2c where it can), an HTTP/2 stream in flight across QUIESCING, and a
 * large HTTP/2 response that flow control holds back while the drain runs.
 */
@TestPropertySource(properties = "server.http2.enabled=true")
class WebFluxNettyH2cDrainTest extends WebFluxNettyDrainTest {
  @Test
  void whenQuiescingThenAnHttp2StreamInFlightCompletesOverItsConnectionWhichThenCloses()
      throws Exception {
    H2cExchange exchange = H2cExchange.get(port, "/blocking");
    CompletableFuture<Void> closing = closeContextWhileTheGateHoldsARequest();
    Channel http2 = exchange.connection().get(10, TimeUnit.SECONDS);
    Http2FrameCodec codec = http2.pipeline().get(Http2FrameCodec.class);
    assertThat(codec).as("an HTTP/2 connection").isNotNull();
    // The connection is told to go away, but not cut.
    await().atMost(Duration.ofSeconds(10)).until(() -> codec.connection().goAwayReceived());
    assertThat(http2.isActive()).isTrue();

    gate.release();
    assertThat(exchange.body().get(30, TimeUnit.SECONDS)).isEqualTo("done");
    // Once its last stream has ended, the connection closes.
    assertThat(http2.closeFuture().await(10, TimeUnit.SECONDS)).isTrue();
    assertClosedWithoutForcedDrain(closing);
  }

  @Test
  void whenTheDrainStartsWithALargeHttp2ResponseStillToWriteThenDrainedWaitsUntilTheClientHasIt()
      throws Exception {
    try (SlowH2cClient client = new SlowH2cClient(port, "/large?bytes=" + LARGE_BODY_BYTES)) {
      CompletableFuture<Void> closing = drainWhileTheLargeResponseIsStillToWrite();

      assertThat(client.readAll()).isEqualTo(LARGE_BODY_BYTES);
      assertThat(client.status()).isEqualTo(200);
      assertClosedWithoutForcedDrain(closing);
    }
  }
}

package io.drain4j.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import io.drain4j.UnitKind;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebExchangeDecorator;
import reactor.core.publisher.Sinks;

/** Servers other than Reactor Netty: the unit ends when the application's handling completes. */
class DrainWebFilterTest {
  private final DrainCoordinator coordinator =
      DrainCoordinator.builder().statusEnabled(false).shutdownHook(false).build();

  @AfterEach
  void closeCoordinator() {
    coordinator.close();
  }

  @Test
  void whenTheServerHasNoNativeResponseThenTheUnitEndsWithTheHandling() {
    assertTheUnitEndsWithTheHandling(
        MockServerWebExchange.from(MockServerHttpRequest.get("/mock")));
  }

  @Test
  void whenTheNativeResponseIsNotReactorNettysThenTheUnitEndsWithTheHandling() {
    ServerHttpResponse otherServer =
        new MockServerHttpResponse() {
          @Override
          @SuppressWarnings({"unchecked", "TypeParameterUnusedInFormals"})
          public <T> T getNativeResponse() {
            return (T) "another server's response";
          }
        };
    assertTheUnitEndsWithTheHandling(
        new ServerWebExchangeDecorator(
            MockServerWebExchange.from(MockServerHttpRequest.get("/other"))) {
          @Override
          public ServerHttpResponse getResponse() {
            return otherServer;
          }
        });
  }

  private void assertTheUnitEndsWithTheHandling(ServerWebExchange exchange) {
    Sinks.Empty<Void> handling = Sinks.empty();
    CompletableFuture<Void> filtered =
        new DrainWebFilter(coordinator).filter(exchange, unused -> handling.asMono()).toFuture();
    assertThat(coordinator.inflight(UnitKind.INBOUND)).isEqualTo(1);

    handling.tryEmitEmpty().orThrow();
    assertThat(filtered).isCompleted();
    assertThat(coordinator.inflight(UnitKind.INBOUND)).isZero();
  }
}

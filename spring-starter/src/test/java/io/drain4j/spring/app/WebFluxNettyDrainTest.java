package io.drain4j.spring.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.drain4j.UnitKind;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.boot.reactor.netty.NettyWebServer;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.web.server.context.WebServerApplicationContext;

@SpringBootTest(
    classes = WebFluxApplication.class,
    webEnvironment = WebEnvironment.RANDOM_PORT,
    properties = {
      AbstractDrainApplicationTest.DRAIN_PROPERTIES,
      AbstractDrainApplicationTest.PROPAGATION,
      AbstractDrainApplicationTest.DEADLINE,
      AbstractDrainApplicationTest.IMMEDIATE_SHUTDOWN,
      "spring.main.web-application-type=reactive",
      "spring.autoconfigure.exclude=org.springframework.boot.tomcat.autoconfigure.reactive"
          + ".TomcatReactiveWebServerAutoConfiguration,org.springframework.boot.jetty"
          + ".autoconfigure.reactive.JettyReactiveWebServerAutoConfiguration"
    })
class WebFluxNettyDrainTest extends AbstractDrainApplicationTest {
  /**
   * The unit of an exchange answered on a connection that stays open ends once its response is
   * written, not when the connection closes.
   */
  @Test
  void whenAResponseIsWrittenOnAKeptAliveConnectionThenItsUnitEnds() throws Exception {
    gate.release();
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/blocking"))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.body()).isEqualTo("done");
    assertThat(response.headers().firstValue("connection")).isNotEqualTo(Optional.of("close"));
    await().atMost(Duration.ofSeconds(10)).until(() -> coordinator.inflight(UnitKind.INBOUND) == 0);
  }

  @Override
  String server() {
    assertThat(((WebServerApplicationContext) context).getWebServer())
        .isInstanceOf(NettyWebServer.class);
    return "Reactor Netty";
  }
}

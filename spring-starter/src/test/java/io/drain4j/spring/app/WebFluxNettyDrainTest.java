package io.drain4j.spring.app;

import static org.assertj.core.api.Assertions.assertThat;

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
  @Override
  String server() {
    assertThat(((WebServerApplicationContext) context).getWebServer())
        .isInstanceOf(NettyWebServer.class);
    return "Reactor Netty";
  }
}

package io.drain4j.spring.app;

import static org.assertj.core.api.Assertions.assertThat;

import org.springframework.boot.jetty.JettyWebServer;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.web.server.context.WebServerApplicationContext;

@SpringBootTest(
    classes = MvcApplication.class,
    webEnvironment = WebEnvironment.RANDOM_PORT,
    properties = {
      AbstractDrainApplicationTest.DRAIN_PROPERTIES,
      AbstractDrainApplicationTest.PROPAGATION,
      AbstractDrainApplicationTest.DEADLINE,
      AbstractDrainApplicationTest.IMMEDIATE_SHUTDOWN,
      AbstractMvcDrainTest.ASYNC_TIMEOUT,
      "spring.main.web-application-type=servlet",
      "spring.autoconfigure.exclude=org.springframework.boot.tomcat.autoconfigure.servlet"
          + ".TomcatServletWebServerAutoConfiguration"
    })
class MvcJettyDrainTest extends AbstractMvcDrainTest {
  @Override
  String server() {
    assertThat(((WebServerApplicationContext) context).getWebServer())
        .isInstanceOf(JettyWebServer.class);
    return "Jetty";
  }
}

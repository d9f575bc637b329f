package io.drain4j.spring.app;

import static org.assertj.core.api.Assertions.assertThat;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.tomcat.TomcatWebServer;
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
      "spring.autoconfigure.exclude=org.springframework.boot.jetty.autoconfigure.servlet"
          + ".JettyServletWebServerAutoConfiguration"
    })
class MvcTomcatDrainTest extends AbstractMvcDrainTest {
  @Override
  String server() {
    assertThat(((WebServerApplicationContext) context).getWebServer())
        .isInstanceOf(TomcatWebServer.class);
    return "Tomcat";
  }
}

package io.drain4j.spring.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import io.drain4j.spring.actuate.DrainEndpoint;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.Principal;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The actuator's {@code drain} endpoint is secure by default, like Spring Boot's {@code shutdown}
 * endpoint: on a real application that exposes every endpoint ({@code
 * management.endpoints.web.exposure.include=*}, common in the wild), {@code POST /actuator/drain}
 * over the application port is refused unless {@code management.endpoint.drain.access} grants it.
 * Every drain start is logged once with its trigger.
 */
@ExtendWith(OutputCaptureExtension.class)
class ActuatorDrainAccessTest {
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  @Test
  void whenEveryEndpointIsExposedThenPostDrainIsRefusedByDefaultAndTheStatusStillReads()
      throws Exception {
    try (ConfigurableApplicationContext context = start()) {
      DrainCoordinator coordinator = context.getBean(DrainCoordinator.class);

      HttpResponse<String> post = send(context, "POST");
      assertThat(post.statusCode()).as("POST /actuator/drain").isIn(404, 405);
      assertThat(coordinator.state()).isEqualTo(DrainState.SERVING);

      HttpResponse<String> get = send(context, "GET");
      assertThat(get.statusCode()).isEqualTo(200);
      assertThat(get.body()).contains("\"state\":\"SERVING\"");
    }
  }

  @Test
  void whenAccessIsGrantedThenPostDrainStartsTheDrainAndTheLogNamesTheTrigger(CapturedOutput output)
      throws Exception {
    try (ConfigurableApplicationContext context =
        start("management.endpoint.drain.access=unrestricted")) {
      DrainCoordinator coordinator = context.getBean(DrainCoordinator.class);

      HttpResponse<String> post = send(context, "POST");
      assertThat(post.statusCode()).isEqualTo(200);
      assertThat(coordinator.whenDrained().get(30, TimeUnit.SECONDS).forced()).isFalse();
      assertThat(output)
          .containsOnlyOnce("drain started (trigger: actuator endpoint drain, principal none)");
    }
  }

  @Test
  void whenPostDrainOnTheStatusEndpointStartsTheDrainThenTheLogNamesThePeerAddress(
      CapturedOutput output) throws Exception {
    try (ConfigurableApplicationContext context = start()) {
      DrainCoordinator coordinator = context.getBean(DrainCoordinator.class);
      HttpResponse<String> post =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:" + coordinator.statusAddress().getPort() + "/drain"))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(post.statusCode()).isIn(200, 202);
      assertThat(output)
          .containsOnlyOnce(
              "drain started (trigger: POST /drain on the status endpoint from /127.0.0.1:");
    }
    // The context's close found the drain started: it does not log a start of its own.
    assertThat(output).doesNotContain("trigger: Spring application context closing");
  }

  @Test
  void whenTheContextClosesThenTheLogNamesItAsTheTrigger(CapturedOutput output) {
    start().close();
    assertThat(output)
        .containsOnlyOnce(
            "drain started (trigger: Spring application context closing (SIGTERM through Spring's"
                + " shutdown hook, or close()))");
  }

  @Test
  void whenAnAuthenticatedCallerDrainsThenTheLogNamesItsPrincipal(CapturedOutput output)
      throws Exception {
    try (DrainCoordinator coordinator =
        DrainCoordinator.builder().statusEnabled(false).propagationDelay(Duration.ZERO).build()) {
      Principal alice = () -> "alice";
      new DrainEndpoint(coordinator)
          .drain(
              new SecurityContext() {
                @Override
                public Principal getPrincipal() {
                  return alice;
                }

                @Override
                public boolean isUserInRole(String role) {
                  return false;
                }
              });
      assertThat(coordinator.isDraining()).isTrue();
      assertThat(output)
          .containsOnlyOnce("drain started (trigger: actuator endpoint drain, principal 'alice')");
    }
  }

  private static ConfigurableApplicationContext start(String... properties) {
    return new SpringApplicationBuilder(MvcApplication.class)
        .properties(
            "server.port=0",
            "drain4j.status.port=0",
            "drain4j.propagation-delay=0s",
            "management.endpoints.web.exposure.include=*",
            "spring.autoconfigure.exclude=org.springframework.boot.jetty.autoconfigure.servlet"
                + ".JettyServletWebServerAutoConfiguration")
        .properties(properties)
        .run();
  }

  private HttpResponse<String> send(ConfigurableApplicationContext context, String method)
      throws Exception {
    int port = ((WebServerApplicationContext) context).getWebServer().getPort();
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/drain"))
            .header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}

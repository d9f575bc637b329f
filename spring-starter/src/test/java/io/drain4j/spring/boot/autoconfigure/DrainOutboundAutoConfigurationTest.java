package io.drain4j.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainedException;
import io.drain4j.UnitKind;
import io.drain4j.spring.client.DrainClientHttpRequestInterceptor;
import io.drain4j.spring.client.DrainExchangeFilterFunction;
import io.drain4j.spring.testsupport.Upstream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.imperative.ImperativeHttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration;
import org.springframework.boot.http.codec.autoconfigure.CodecsAutoConfiguration;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.restclient.RestTemplateBuilder;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.boot.restclient.autoconfigure.RestTemplateAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;

class DrainOutboundAutoConfigurationTest {

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  DrainCoordinatorAutoConfiguration.class,
                  DrainLifecycleAutoConfiguration.class,
                  DrainOutboundAutoConfiguration.class,
                  HttpClientAutoConfiguration.class,
                  ImperativeHttpClientAutoConfiguration.class,
                  ReactiveHttpClientAutoConfiguration.class,
                  HttpMessageConvertersAutoConfiguration.class,
                  CodecsAutoConfiguration.class,
                  SslAutoConfiguration.class,
                  TaskExecutionAutoConfiguration.class,
                  RestClientAutoConfiguration.class,
                  RestTemplateAutoConfiguration.class,
                  WebClientAutoConfiguration.class))
          .withPropertyValues("drain4j.status.enabled=false", "drain4j.propagation-delay=0s");

  @Test
  void whenRestClientFromBootsBuilderCallsThenTheCallIsInFlightUntilTheResponseIsRead() {
    runner.run(
        context -> {
          RestClient client = context.getBean(RestClient.Builder.class).build();
          assertCallIsTracked(
              context.getBean(DrainCoordinator.class),
              url -> () -> client.get().uri(url + "/work").retrieve().body(String.class));
        });
  }

  @Test
  void whenRestTemplateFromBootsBuilderCallsThenTheCallIsInFlightUntilTheResponseIsRead() {
    runner.run(
        context -> {
          RestTemplate template = context.getBean(RestTemplateBuilder.class).build();
          assertCallIsTracked(
              context.getBean(DrainCoordinator.class),
              url -> () -> template.getForObject(url + "/work", String.class));
        });
  }

  @Test
  void whenWebClientFromBootsBuilderExchangesThenTheExchangeIsInFlightUntilTheBodyIsRead() {
    runner.run(
        context -> {
          WebClient client = context.getBean(WebClient.Builder.class).build();
          assertCallIsTracked(
              context.getBean(DrainCoordinator.class),
              url ->
                  () ->
                      client
                          .get()
                          .uri(url + "/work")
                          .retrieve()
                          .bodyToMono(String.class)
                          .block(Duration.ofSeconds(30)));
        });
  }

  @Test
  void whenCoordinatorIsDrainedThenEveryTrackedClientFailsAtOnce() {
    runner.run(
        context -> {
          DrainCoordinator coordinator = context.getBean(DrainCoordinator.class);
          coordinator.startDrain();
          coordinator.whenDrained().get(10, TimeUnit.SECONDS);
          try (Upstream upstream = Upstream.answering()) {
            RestClient rest = context.getBean(RestClient.Builder.class).build();
            assertThatThrownBy(() -> rest.get().uri(upstream.url()).retrieve().body(String.class))
                .isInstanceOf(DrainedException.class);
            WebClient web = context.getBean(WebClient.Builder.class).build();
            assertThatThrownBy(
                    () ->
                        web.get()
                            .uri(upstream.url())
                            .retrieve()
                            .bodyToMono(String.class)
                            .block(Duration.ofSeconds(10)))
                .isInstanceOf(DrainedException.class);
          }
        });
  }

  @Test
  void whenCallFailsThenItsUnitEnds() {
    runner.run(
        context -> {
          DrainCoordinator coordinator = context.getBean(DrainCoordinator.class);
          String nowhere = "http://127.0.0.1:" + closedPort() + "/work";
          RestClient rest = context.getBean(RestClient.Builder.class).build();
          assertThatThrownBy(() -> rest.get().uri(nowhere).retrieve().body(String.class))
              .isInstanceOf(RestClientException.class);
          WebClient web = context.getBean(WebClient.Builder.class).build();
          assertThatThrownBy(
                  () ->
                      web.get()
                          .uri(nowhere)
                          .retrieve()
                          .bodyToMono(String.class)
                          .block(Duration.ofSeconds(30)))
              .isNotNull();
          assertThat(coordinator.inflight(UnitKind.OUTBOUND)).isZero();
        });
  }

  @Test
  void whenWebClientExchangeIsCancelledBeforeTheResponseThenItsUnitEnds() {
    runner.run(
        context -> {
          DrainCoordinator coordinator = context.getBean(DrainCoordinator.class);
          try (Upstream upstream = Upstream.holding(1)) {
            WebClient web = context.getBean(WebClient.Builder.class).build();
            reactor.core.Disposable call =
                web.get()
                    .uri(upstream.url() + "/work")
                    .retrieve()
                    .bodyToMono(String.class)
                    .subscribe();
            upstream.awaitCalls();
            assertThat(coordinator.inflight(UnitKind.OUTBOUND)).isEqualTo(1);
            call.dispose();
            coordinator.startDrain();
            assertThat(coordinator.whenDrained().get(10, TimeUnit.SECONDS).forced()).isFalse();
          }
        });
  }

  @Test
  void whenApplicationDefinesTheCustomizerBeanThenRestClientIsLeftAlone() {
    runner
        .withBean("drainRestClientCustomizer", RestClientCustomizer.class, () -> builder -> {})
        .run(
            context -> {
              RestClient.Builder builder = context.getBean(RestClient.Builder.class);
              builder.requestInterceptors(
                  list ->
                      assertThat(list)
                          .noneMatch(DrainClientHttpRequestInterceptor.class::isInstance));
            });
  }

  @Test
  void whenDrainIsDisabledThenNoClientIsTouched() {
    runner
        .withPropertyValues("drain4j.enabled=false")
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(DrainClientHttpRequestInterceptor.class);
              assertThat(context).doesNotHaveBean(DrainExchangeFilterFunction.class);
            });
  }

  private static int closedPort() throws java.io.IOException {
    try (java.net.ServerSocket socket =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Makes one call through the client while the upstream holds its answer. */
  private static void assertCallIsTracked(
      DrainCoordinator coordinator, java.util.function.Function<String, Supplier<String>> call)
      throws Exception {
    try (Upstream upstream = Upstream.holding(1)) {
      CompletableFuture<String> body = CompletableFuture.supplyAsync(call.apply(upstream.url()));
      upstream.awaitCalls();
      assertThat(coordinator.inflight(UnitKind.OUTBOUND)).isEqualTo(1);
      upstream.release();
      assertThat(body.get(30, TimeUnit.SECONDS)).isEqualTo("upstream");
      assertThat(coordinator.inflight(UnitKind.OUTBOUND)).isZero();
    }
  }
}

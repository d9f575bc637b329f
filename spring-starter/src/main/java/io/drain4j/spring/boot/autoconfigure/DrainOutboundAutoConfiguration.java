package io.drain4j.spring.boot.autoconfigure;

import io.drain4j.DrainCoordinator;
import io.drain4j.spring.client.DrainClientHttpRequestInterceptor;
import io.drain4j.spring.client.DrainExchangeFilterFunction;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.restclient.RestTemplateCustomizer;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Outbound calls: every {@code RestClient}, {@code RestTemplate} and {@code WebClient} built from
 * Spring Boot's builders tracks its calls as outbound units (a request interceptor, or an exchange
 * filter function, added first), so the drain waits for the calls that requests in flight make.
 *
 * <p>The clients' underlying resources (Reactor Netty's event loops and connection pools, Jetty's
 * or the JDK's HTTP client) stay open until DRAINED: Spring stops them in lifecycle phases 0 and 1,
 * long after the drain's phase (see {@link DrainLifecycleAutoConfiguration}), and destroys beans
 * only after every phase has stopped.
 *
 * <p>Each part backs off when the application defines its own bean of the tracking type ({@link
 * DrainClientHttpRequestInterceptor}, {@link DrainExchangeFilterFunction}) or a customizer bean of
 * the same name.
 */
@AutoConfiguration(after = DrainCoordinatorAutoConfiguration.class)
@ConditionalOnBean(DrainCoordinator.class)
public final class DrainOutboundAutoConfiguration {

  /** Created by Spring. */
  public DrainOutboundAutoConfiguration() {}

  /** {@code RestClient} and {@code RestTemplate}: the blocking clients share one interceptor. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(ClientHttpRequestInterceptor.class)
  static class BlockingClientsConfiguration {

    @Bean
    @ConditionalOnMissingBean
    DrainClientHttpRequestInterceptor drainClientHttpRequestInterceptor(
        DrainCoordinator coordinator) {
      return new DrainClientHttpRequestInterceptor(coordinator);
    }

    /** {@code RestClient.Builder}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({RestClient.class, RestClientCustomizer.class})
    static class RestClientConfiguration {

      @Bean
      @ConditionalOnMissingBean(name = "drainRestClientCustomizer")
      RestClientCustomizer drainRestClientCustomizer(
          DrainClientHttpRequestInterceptor interceptor) {
        return builder -> builder.requestInterceptors(list -> list.add(0, interceptor));
      }
    }

    /** {@code RestTemplateBuilder}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({RestTemplate.class, RestTemplateCustomizer.class})
    static class RestTemplateConfiguration {

      @Bean
      @ConditionalOnMissingBean(name = "drainRestTemplateCustomizer")
      RestTemplateCustomizer drainRestTemplateCustomizer(
          DrainClientHttpRequestInterceptor interceptor) {
        return restTemplate -> restTemplate.getInterceptors().add(0, interceptor);
      }
    }
  }

  /** {@code WebClient}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({WebClient.class, WebClientCustomizer.class})
  static class WebClientConfiguration {

    @Bean
    @ConditionalOnMissingBean
    DrainExchangeFilterFunction drainExchangeFilterFunction(DrainCoordinator coordinator) {
      return new DrainExchangeFilterFunction(coordinator);
    }

    @Bean
    @ConditionalOnMissingBean(name = "drainWebClientCustomizer")
    WebClientCustomizer drainWebClientCustomizer(DrainExchangeFilterFunction filter) {
      return builder -> builder.filters(list -> list.add(0, filter));
    }
  }
}

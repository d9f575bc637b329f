package io.drain4j.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import io.drain4j.micrometer.DrainMetrics;
import io.drain4j.spring.actuate.DrainEndpoint;
import io.drain4j.spring.client.DrainClientHttpRequestInterceptor;
import io.drain4j.spring.client.DrainExchangeFilterFunction;
import io.drain4j.spring.webflux.DrainWebFilter;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The starter in an application that has none of the optional stacks: no Actuator, no health, no
 * Micrometer, no web stack, no HTTP clients. Everything drain4j needs still works: the coordinator,
 * its status endpoint and the lifecycle.
 */
class WithoutOptionalStacksTest {

  @Test
  void whenOnlySpringBootIsPresentThenCoordinatorAndLifecycleStillWork() {
    new ApplicationContextRunner()
        .withClassLoader(
            new FilteredClassLoader(
                "org.springframework.boot.actuate",
                "org.springframework.boot.health",
                "io.micrometer",
                "org.springframework.web",
                "org.springframework.http",
                "reactor",
                "jakarta.servlet"))
        .withConfiguration(
            AutoConfigurations.of(
                DrainCoordinatorAutoConfiguration.class,
                DrainLifecycleAutoConfiguration.class,
                DrainServletAutoConfiguration.class,
                DrainWebFluxAutoConfiguration.class,
                DrainOutboundAutoConfiguration.class,
                DrainTaskAutoConfiguration.class,
                DrainEndpointAutoConfiguration.class,
                DrainHealthAutoConfiguration.class,
                DrainMetricsAutoConfiguration.class))
        .withPropertyValues("drain4j.status.port=0", "drain4j.propagation-delay=0s")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context.getBean(DrainCoordinator.class).statusAddress()).isNotNull();
              assertThat(context).hasBean("drainLifecycle");
              assertThat(context)
                  .doesNotHaveBean(DrainEndpoint.class)
                  .doesNotHaveBean("drainHealthIndicator")
                  .doesNotHaveBean(DrainMetrics.class)
                  .doesNotHaveBean(DrainWebFilter.class)
                  .doesNotHaveBean(DrainClientHttpRequestInterceptor.class)
                  .doesNotHaveBean(DrainExchangeFilterFunction.class);
            });
  }
}

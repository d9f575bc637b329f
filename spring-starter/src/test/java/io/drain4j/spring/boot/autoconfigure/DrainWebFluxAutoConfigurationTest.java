package io.drain4j.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import io.drain4j.spring.webflux.DrainWebFilter;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

class DrainWebFluxAutoConfigurationTest {
  private static final AutoConfigurations CONFIGURATIONS =
      AutoConfigurations.of(
          DrainCoordinatorAutoConfiguration.class, DrainWebFluxAutoConfiguration.class);

  @Test
  void whenReactiveApplicationThenFilterAndReactorNettyListenerControl() {
    new ReactiveWebApplicationContextRunner()
        .withConfiguration(CONFIGURATIONS)
        .withPropertyValues("drain4j.status.enabled=false")
        .run(
            context -> {
              assertThat(context).hasSingleBean(DrainWebFilter.class);
              assertThat(context.getBean("drainNettyServerCustomizer"))
                  .isInstanceOf(ReactorNettyListenerControl.class);
            });
  }

  @Test
  void whenApplicationDefinesItsOwnFilterThenAutoConfigurationBacksOff() {
    new ReactiveWebApplicationContextRunner()
        .withConfiguration(CONFIGURATIONS)
        .withPropertyValues("drain4j.status.enabled=false")
        .withBean(
            "myFilter",
            DrainWebFilter.class,
            () ->
                new DrainWebFilter(
                    DrainCoordinator.builder().statusEnabled(false).shutdownHook(false).build()))
        .run(
            context -> assertThat(context).hasSingleBean(DrainWebFilter.class).hasBean("myFilter"));
  }

  @Test
  void whenServletOrPlainApplicationThenNoWebFilter() {
    new WebApplicationContextRunner()
        .withConfiguration(CONFIGURATIONS)
        .withPropertyValues("drain4j.status.enabled=false")
        .run(
            context ->
                assertThat(context)
                    .doesNotHaveBean(DrainWebFilter.class)
                    .doesNotHaveBean("drainNettyServerCustomizer"));
    new ApplicationContextRunner()
        .withConfiguration(CONFIGURATIONS)
        .withPropertyValues("drain4j.status.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(DrainWebFilter.class));
  }
}

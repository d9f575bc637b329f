package io.drain4j.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import io.drain4j.servlet.DrainFilter;
import io.drain4j.servlet.DrainServletContainerInitializer;
import jakarta.servlet.ServletContext;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletContextInitializer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.mock.web.MockServletContext;

class DrainServletAutoConfigurationTest {
  private final WebApplicationContextRunner runner =
      new WebApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  DrainCoordinatorAutoConfiguration.class, DrainServletAutoConfiguration.class))
          .withPropertyValues("drain4j.status.enabled=false");

  @Test
  void whenServletApplicationThenDrainFilterIsRegisteredFirstWithAsyncSupport() {
    runner.run(
        context -> {
          FilterRegistrationBean<?> registration =
              context.getBean("drainFilter", FilterRegistrationBean.class);
          assertThat(registration.getFilter()).isInstanceOf(DrainFilter.class);
          assertThat(registration.getFilterName())
              .isEqualTo(DrainServletContainerInitializer.FILTER_NAME);
          assertThat(registration.getOrder()).isEqualTo(Ordered.HIGHEST_PRECEDENCE);
          assertThat(registration.isAsyncSupported()).isTrue();
          assertThat(context)
              .hasBean("drainTomcatConnectorControl")
              .hasBean("drainJettyConnectorControl");
        });
  }

  @Test
  void whenServletContextStartsThenTheCoordinatorIsPublishedForDrain4jServlet() {
    runner.run(
        context -> {
          ServletContext servletContext = new MockServletContext();
          context
              .getBean("drainCoordinatorServletContextAttribute", ServletContextInitializer.class)
              .onStartup(servletContext);
          assertThat(servletContext.getAttribute(DrainFilter.COORDINATOR_ATTRIBUTE))
              .isSameAs(context.getBean(DrainCoordinator.class));
        });
  }

  @Test
  void whenApplicationRegistersItsOwnDrainFilterThenAutoConfigurationBacksOff() {
    runner
        .withUserConfiguration(OwnDrainFilter.class)
        .run(
            context -> assertThat(context).doesNotHaveBean("drainFilter").hasBean("myDrainFilter"));
  }

  @Test
  void whenDrain4jServletIsAbsentThenNoFilterAndTheApplicationStillStarts() {
    runner
        .withClassLoader(new FilteredClassLoader(DrainFilter.class))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).hasSingleBean(DrainCoordinator.class);
              assertThat(context).doesNotHaveBean("drainFilter");
            });
  }

  @Test
  void whenTomcatAndJettyAreAbsentThenOnlyTheFilter() {
    runner
        .withClassLoader(
            new FilteredClassLoader(
                "org.apache.catalina",
                "org.eclipse.jetty",
                "org.springframework.boot.tomcat",
                "org.springframework.boot.jetty"))
        .run(
            context -> {
              assertThat(context).hasBean("drainFilter");
              assertThat(context)
                  .doesNotHaveBean("drainTomcatConnectorControl")
                  .doesNotHaveBean("drainJettyConnectorControl");
            });
  }

  @Test
  void whenReactiveApplicationThenNoServletFilter() {
    new ReactiveWebApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                DrainCoordinatorAutoConfiguration.class, DrainServletAutoConfiguration.class))
        .withPropertyValues("drain4j.status.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean("drainFilter"));
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnDrainFilter {
    @Bean
    FilterRegistrationBean<DrainFilter> myDrainFilter(DrainCoordinator coordinator) {
      return new FilterRegistrationBean<>(new DrainFilter(coordinator));
    }
  }
}

package io.drain4j.spring.boot.autoconfigure;

import io.drain4j.DrainCoordinator;
import io.drain4j.servlet.DrainFilter;
import io.drain4j.servlet.DrainServletContainerInitializer;
import io.drain4j.servlet.jetty.JettyDrain;
import io.drain4j.servlet.tomcat.TomcatDrain;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingFilterBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.jetty.JettyWebServer;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletContextInitializer;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * Spring MVC (any servlet application): drain4j's {@link DrainFilter}, registered first in the
 * filter chain, tracks every request (asynchronous ones until they complete), closes connections
 * while draining and answers {@code 503} while quiescing; on Tomcat and on Jetty, connector control
 * stops accepting connections and closes idle ones when the drain reaches QUIESCING.
 *
 * <p>The filter backs off when the application registers its own {@link DrainFilter} (as a bean or
 * through a {@code FilterRegistrationBean}); connector control backs off when it defines a bean
 * named {@code drainTomcatConnectorControl} or {@code drainJettyConnectorControl}. Connector
 * control applies to the application's own server only, not to a separate management server: probes
 * on the management port keep answering during the drain.
 */
@AutoConfiguration(after = DrainCoordinatorAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({Filter.class, DrainFilter.class})
@ConditionalOnBean(DrainCoordinator.class)
public final class DrainServletAutoConfiguration {

  /** Created by Spring. */
  public DrainServletAutoConfiguration() {}

  /**
   * The filter registration: first in the chain, with async support, for the request dispatch (the
   * filter follows an asynchronous request to its end itself).
   *
   * @param coordinator the application's coordinator
   * @return the registration of a {@link DrainFilter}
   */
  @Bean
  @ConditionalOnMissingFilterBean(DrainFilter.class)
  public FilterRegistrationBean<DrainFilter> drainFilter(DrainCoordinator coordinator) {
    FilterRegistrationBean<DrainFilter> registration =
        new FilterRegistrationBean<>(new DrainFilter(coordinator));
    // The name drain4j-servlet's container initializer uses: should a container run it too, the
    // first registration wins and the filter is not added twice.
    registration.setName(DrainServletContainerInitializer.FILTER_NAME);
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
    registration.setAsyncSupported(true);
    registration.setDispatcherTypes(DispatcherType.REQUEST);
    return registration;
  }

  /**
   * Publishes the coordinator in the servlet context under {@link
   * DrainFilter#COORDINATOR_ATTRIBUTE}, where drain4j-servlet's container initializer and {@code
   * web.xml}-declared filters look for it, so that they use the application's coordinator rather
   * than building one of their own.
   *
   * @param coordinator the application's coordinator
   * @return the initializer
   */
  @Bean
  public ServletContextInitializer drainCoordinatorServletContextAttribute(
      DrainCoordinator coordinator) {
    return servletContext ->
        servletContext.setAttribute(DrainFilter.COORDINATOR_ATTRIBUTE, coordinator);
  }

  /** Connector control for embedded Tomcat. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({TomcatWebServer.class, TomcatDrain.class})
  static class TomcatConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "drainTomcatConnectorControl")
    ApplicationListener<WebServerInitializedEvent> drainTomcatConnectorControl(
        DrainCoordinator coordinator, ApplicationContext context) {
      return new TomcatInstaller(coordinator, context);
    }
  }

  /** Installs Tomcat connector control once the application's own server is up. */
  private record TomcatInstaller(DrainCoordinator coordinator, ApplicationContext context)
      implements ApplicationListener<WebServerInitializedEvent> {
    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
      if (event.getApplicationContext() == context
          && event.getWebServer() instanceof TomcatWebServer server) {
        TomcatDrain.install(coordinator, server.getTomcat());
      }
    }
  }

  /** Connector control for embedded Jetty. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({JettyWebServer.class, JettyDrain.class})
  static class JettyConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "drainJettyConnectorControl")
    ApplicationListener<WebServerInitializedEvent> drainJettyConnectorControl(
        DrainCoordinator coordinator, ApplicationContext context) {
      return new JettyInstaller(coordinator, context);
    }
  }

  /** Installs Jetty connector control once the application's own server is up. */
  private record JettyInstaller(DrainCoordinator coordinator, ApplicationContext context)
      implements ApplicationListener<WebServerInitializedEvent> {
    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
      if (event.getApplicationContext() == context
          && event.getWebServer() instanceof JettyWebServer server) {
        JettyDrain.install(coordinator, server.getServer());
      }
    }
  }
}

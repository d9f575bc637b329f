package io.drain4j.spring.boot.autoconfigure;

import io.drain4j.DrainCoordinator;
import io.drain4j.spring.webflux.DrainWebFilter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.server.WebFilter;
import reactor.netty.http.server.HttpServer;

/**
 * Spring WebFlux: a {@link DrainWebFilter} that tracks every exchange (streaming responses until
 * their last element), closes connections while draining and answers {@code 503} while quiescing;
 * on Reactor Netty, listener control that stops accepting connections and closes idle ones when the
 * drain reaches QUIESCING.
 *
 * <p>Applies to reactive web applications with a {@link DrainCoordinator} bean. The filter backs
 * off when the application defines its own {@link DrainWebFilter} bean; listener control backs off
 * when it defines a bean named {@code drainNettyServerCustomizer}.
 */
@AutoConfiguration(after = DrainCoordinatorAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass(WebFilter.class)
@ConditionalOnBean(DrainCoordinator.class)
public final class DrainWebFluxAutoConfiguration {

  /** Created by Spring. */
  public DrainWebFluxAutoConfiguration() {}

  /**
   * The filter that tracks exchanges.
   *
   * @param coordinator the application's coordinator
   * @return the filter, ordered first
   */
  @Bean
  @ConditionalOnMissingBean
  public DrainWebFilter drainWebFilter(DrainCoordinator coordinator) {
    return new DrainWebFilter(coordinator);
  }

  /** Listener control for Reactor Netty. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({HttpServer.class, NettyServerCustomizer.class})
  static class ReactorNettyConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "drainNettyServerCustomizer")
    NettyServerCustomizer drainNettyServerCustomizer(DrainCoordinator coordinator) {
      return new ReactorNettyListenerControl(coordinator);
    }
  }
}

package io.drain4j.spring.boot.autoconfigure;

import io.drain4j.DrainCoordinator;
import io.drain4j.spring.actuate.DrainEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Spring Boot Actuator: the {@code drain} endpoint (read: the drain status; write: start the
 * drain), created when the endpoint is available (exposed and access not denied, for example with
 * {@code management.endpoints.web.exposure.include=health,drain}). Backs off when the application
 * defines its own {@link DrainEndpoint} bean.
 */
@AutoConfiguration(after = DrainCoordinatorAutoConfiguration.class)
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
@ConditionalOnBean(DrainCoordinator.class)
public final class DrainEndpointAutoConfiguration {

  /** Created by Spring. */
  public DrainEndpointAutoConfiguration() {}

  /**
   * The endpoint.
   *
   * @param coordinator the application's coordinator
   * @return the endpoint
   */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnAvailableEndpoint
  public DrainEndpoint drainEndpoint(DrainCoordinator coordinator) {
    return new DrainEndpoint(coordinator);
  }
}

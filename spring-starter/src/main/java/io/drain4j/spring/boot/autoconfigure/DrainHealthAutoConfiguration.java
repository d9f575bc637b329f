package io.drain4j.spring.boot.autoconfigure;

import io.drain4j.DrainCoordinator;
import io.drain4j.spring.actuate.DrainHealthIndicator;
import org.springframework.boot.actuate.endpoint.web.AdditionalPathsMapper;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroupsPostProcessor;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Health: the {@code drain} health indicator ({@code UP} while serving, {@code OUT_OF_SERVICE} once
 * the drain has started, with the drain status as details), made a member of the {@code readiness}
 * group so that {@code /actuator/health/readiness} fails as soon as the drain starts. Disabled with
 * {@code management.health.drain.enabled=false}; backs off when the application defines a bean
 * named {@code drainHealthIndicator}.
 */
@AutoConfiguration(
    after = DrainCoordinatorAutoConfiguration.class,
    afterName =
        "org.springframework.boot.health.autoconfigure.actuate.endpoint.AvailabilityProbesAutoConfiguration")
@ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class})
@ConditionalOnBean(DrainCoordinator.class)
public final class DrainHealthAutoConfiguration {

  /** Created by Spring. */
  public DrainHealthAutoConfiguration() {}

  /**
   * The indicator, contributed as {@code drain}.
   *
   * @param coordinator the application's coordinator
   * @return the indicator
   */
  @Bean
  @ConditionalOnMissingBean(name = "drainHealthIndicator")
  @ConditionalOnEnabledHealthIndicator("drain")
  public HealthIndicator drainHealthIndicator(DrainCoordinator coordinator) {
    return new DrainHealthIndicator(coordinator);
  }

  /**
   * Makes {@code drain} a member of the readiness group, also when the application defines its own
   * {@code drainHealthIndicator}.
   *
   * @return the post-processor of the health groups
   */
  @Bean
  @ConditionalOnClass(AdditionalPathsMapper.class)
  @ConditionalOnEnabledHealthIndicator("drain")
  static HealthEndpointGroupsPostProcessor drainReadinessGroupPostProcessor() {
    return new ReadinessGroupPostProcessor("drain");
  }
}

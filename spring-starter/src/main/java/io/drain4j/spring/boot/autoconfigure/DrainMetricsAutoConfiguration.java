package io.drain4j.spring.boot.autoconfigure;

import io.drain4j.DrainCoordinator;
import io.drain4j.micrometer.DrainMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Micrometer: the drain4j meters ({@code drain4j.inflight}, {@code drain4j.state}, {@code
 * drain4j.rejected}, {@code drain4j.drain.duration}, {@code drain4j.drain.forced}) bound to the
 * application's {@link MeterRegistry} (Spring Boot binds every {@code MeterBinder} bean). Backs off
 * when the application defines its own {@link DrainMetrics} bean.
 */
@AutoConfiguration(
    after = DrainCoordinatorAutoConfiguration.class,
    afterName = {
      "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"
    })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({DrainCoordinator.class, MeterRegistry.class})
public final class DrainMetricsAutoConfiguration {

  /** Created by Spring. */
  public DrainMetricsAutoConfiguration() {}

  /**
   * The meter binder.
   *
   * @param coordinator the application's coordinator
   * @return the binder
   */
  @Bean
  @ConditionalOnMissingBean
  public DrainMetrics drainMetrics(DrainCoordinator coordinator) {
    return new DrainMetrics(coordinator);
  }
}

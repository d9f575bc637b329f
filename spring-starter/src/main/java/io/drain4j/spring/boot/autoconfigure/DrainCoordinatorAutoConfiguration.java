package io.drain4j.spring.boot.autoconfigure;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainCoordinatorBuilder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Creates the application's {@link DrainCoordinator} from the {@code drain4j.*} properties, with
 * the status endpoint on its own port (on by default) and without a JVM shutdown hook of its own:
 * Spring's shutdown hook closes the context, and closing the context runs the drain (see {@link
 * DrainLifecycleAutoConfiguration}).
 *
 * <p>Backs off when the application defines its own {@link DrainCoordinator} bean (every other
 * drain4j auto-configuration then uses that one), and when {@code drain4j.enabled=false}.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "drain4j.enabled", matchIfMissing = true)
@EnableConfigurationProperties(Drain4jProperties.class)
public final class DrainCoordinatorAutoConfiguration {

  /** Created by Spring. */
  public DrainCoordinatorAutoConfiguration() {}

  /**
   * The coordinator, started: its status endpoint is bound when this bean is created and released
   * when the context is destroyed.
   *
   * @param properties the bound {@code drain4j.*} properties
   * @return the running coordinator
   * @throws io.drain4j.DrainConfigException when a value is out of range (reported by Spring's
   *     failure analysis with the key)
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public DrainCoordinator drainCoordinator(Drain4jProperties properties) {
    DrainCoordinatorBuilder builder =
        DrainCoordinator.builder()
            .propagationDelay(properties.getPropagationDelay())
            .deadline(properties.getDeadline())
            .outboundCloseTimeout(properties.getOutboundCloseTimeout())
            .quietPeriod(properties.getQuietPeriod())
            .minPropagationDelay(properties.getMinPropagationDelay())
            .terminationGracePeriod(properties.getTerminationGracePeriod())
            .shutdownHook(properties.isShutdownHook())
            .statusEnabled(properties.getStatus().isEnabled());
    if (properties.getStatus().isEnabled()) {
      builder
          .statusAddress(properties.getStatus().getAddress())
          .statusPort(properties.getStatus().getPort());
    }
    return builder.build();
  }
}

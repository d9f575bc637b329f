package io.drain4j.spring.boot.autoconfigure;

import io.drain4j.DrainCoordinator;
import java.time.Duration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Ties the drain to the application context: closing the context (Spring's shutdown hook on
 * SIGTERM, or {@code close()}) starts the drain, publishes {@code ReadinessState.REFUSING_TRAFFIC}
 * at once (also when the drain was started by {@code POST /drain} or the actuator endpoint), and
 * holds the web server's graceful shutdown, the task executors and the HTTP client resources until
 * the coordinator reports DRAINED.
 *
 * <p>Logs a warning at start when {@code spring.lifecycle.timeout-per-shutdown-phase} (default 30
 * s) is shorter than {@code drain4j.deadline}: Spring would stop waiting for the drain before the
 * deadline. Backs off when the application defines a bean named {@code drainLifecycle}.
 */
@AutoConfiguration(after = DrainCoordinatorAutoConfiguration.class)
@ConditionalOnBean(DrainCoordinator.class)
public final class DrainLifecycleAutoConfiguration {

  private static final String PHASE_TIMEOUT = "spring.lifecycle.timeout-per-shutdown-phase";

  /** Spring's default for {@value #PHASE_TIMEOUT}. */
  private static final Duration DEFAULT_PHASE_TIMEOUT = Duration.ofSeconds(30);

  /** Created by Spring. */
  public DrainLifecycleAutoConfiguration() {}

  /**
   * The lifecycle bean that drains before the web server stops.
   *
   * @param coordinator the application's coordinator
   * @param context the application context, whose closing starts the drain
   * @param environment where {@value #PHASE_TIMEOUT} is read
   * @return a {@link SmartLifecycle} in a phase above the web server's graceful shutdown
   */
  @Bean
  @ConditionalOnMissingBean(name = "drainLifecycle")
  public SmartLifecycle drainLifecycle(
      DrainCoordinator coordinator, ApplicationContext context, Environment environment) {
    Duration phaseTimeout =
        Binder.get(environment).bind(PHASE_TIMEOUT, Duration.class).orElse(DEFAULT_PHASE_TIMEOUT);
    return new DrainLifecycle(coordinator, context, phaseTimeout);
  }
}

package io.drain4j.spring.boot.autoconfigure;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainCoordinatorBuilder;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;

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
  private static final Logger log =
      LoggerFactory.getLogger(DrainCoordinatorAutoConfiguration.class);

  /** What {@code @SpringBootTest} adds to its contexts' environment. */
  static final String SPRING_BOOT_TEST_MARKER =
      "org.springframework.boot.test.context.SpringBootTestContextBootstrapper";

  /** Where {@code @SpringBootTest(properties)} and {@code @TestPropertySource} put their values. */
  static final String INLINED_TEST_PROPERTIES = "Inlined Test Properties";

  private static final String STATUS_PORT = "drain4j.status.port";

  private static final String PROPAGATION_DELAY = "drain4j.propagation-delay";

  /** The keys that shape DRAINING; a test that sets one of them keeps all of them. */
  private static final String[] DRAINING_KEYS = {
    PROPAGATION_DELAY, "drain4j.quiet-period", "drain4j.min-propagation-delay"
  };

  /** Created by Spring. */
  public DrainCoordinatorAutoConfiguration() {}

  /**
   * The coordinator, started: its status endpoint is bound when this bean is created and released
   * when the context is destroyed.
   *
   * <p>In a {@code @SpringBootTest} context the status endpoint listens on any free port, unless
   * the test itself sets {@code drain4j.status.port} (in {@code @SpringBootTest(properties = ...)}
   * or {@code @TestPropertySource}): a test suite caches several contexts in one JVM, and each
   * would otherwise bind 9401. Spring Boot treats {@code server.port} and {@code
   * management.server.port} the same way in tests. Likewise DRAINING is skipped there ({@code
   * drain4j.propagation-delay} 0, no quiet period) unless the test itself sets one of {@code
   * drain4j.propagation-delay}, {@code drain4j.quiet-period} or {@code
   * drain4j.min-propagation-delay}: no load balancer routes traffic to a test context, and Spring
   * closes every cached context at the end of a test JVM, each close waiting out the delay.
   *
   * @param properties the bound {@code drain4j.*} properties
   * @param environment where a {@code @SpringBootTest} context is recognised
   * @return the running coordinator
   * @throws io.drain4j.DrainConfigException when a value is out of range (reported by Spring's
   *     failure analysis with the key)
   * @throws StatusBindException when the status endpoint's address cannot be bound (reported by
   *     {@link StatusBindFailureAnalyzer})
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public DrainCoordinator drainCoordinator(Drain4jProperties properties, Environment environment) {
    boolean skipDraining = skipDraining(properties.getPropagationDelay(), environment);
    DrainCoordinatorBuilder builder =
        DrainCoordinator.builder()
            .propagationDelay(skipDraining ? Duration.ZERO : properties.getPropagationDelay())
            .deadline(properties.getDeadline())
            .outboundCloseTimeout(properties.getOutboundCloseTimeout())
            .quietPeriod(skipDraining ? Duration.ZERO : properties.getQuietPeriod())
            .minPropagationDelay(properties.getMinPropagationDelay())
            .terminationGracePeriod(properties.getTerminationGracePeriod())
            .shutdownHook(properties.isShutdownHook())
            .statusEnabled(properties.getStatus().isEnabled());
    if (!properties.getStatus().isEnabled()) {
      return builder.build();
    }
    String address = properties.getStatus().getAddress();
    int port = statusPort(properties.getStatus().getPort(), environment);
    builder.statusAddress(address).statusPort(port);
    try {
      return builder.build();
    } catch (UncheckedIOException e) {
      if (e.getCause() instanceof BindException bind) {
        throw new StatusBindException(address, port, bind, e);
      }
      throw e;
    }
  }

  /** The configured port, or 0 in a {@code @SpringBootTest} context that does not set it itself. */
  static int statusPort(int configured, Environment environment) {
    if (!inSpringBootTest(environment) || setByTheTest(environment, STATUS_PORT)) {
      return configured;
    }
    if (configured != 0) {
      log.info(
          "@SpringBootTest context: the drain4j status endpoint listens on a free port instead of"
              + " {}={} (set it in the test's own properties to keep it)",
          STATUS_PORT,
          configured);
    }
    return 0;
  }

  /**
   * Whether DRAINING is skipped: in a {@code @SpringBootTest} context whose own properties set none
   * of the keys that shape it.
   */
  static boolean skipDraining(Duration configuredDelay, Environment environment) {
    if (!inSpringBootTest(environment) || setByTheTest(environment, DRAINING_KEYS)) {
      return false;
    }
    if (!configuredDelay.isZero()) {
      log.info(
          "@SpringBootTest context: drain4j drains without a propagation delay or quiet period"
              + " instead of {}={} (set it in the test's own properties to keep it)",
          PROPAGATION_DELAY,
          configuredDelay);
    }
    return true;
  }

  private static boolean inSpringBootTest(Environment environment) {
    return environment.getProperty(SPRING_BOOT_TEST_MARKER, Boolean.class, false);
  }

  private static boolean setByTheTest(Environment environment, String... keys) {
    if (environment instanceof ConfigurableEnvironment configurable) {
      PropertySource<?> inlined = configurable.getPropertySources().get(INLINED_TEST_PROPERTIES);
      if (inlined != null) {
        for (String key : keys) {
          if (inlined.containsProperty(key)) {
            return true;
          }
        }
      }
    }
    return false;
  }
}

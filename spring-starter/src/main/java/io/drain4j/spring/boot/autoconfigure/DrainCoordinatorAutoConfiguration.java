package io.drain4j.spring.boot.autoconfigure;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainCoordinatorBuilder;
import java.io.UncheckedIOException;
import java.net.BindException;
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
   * management.server.port} the same way in tests.
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
    if (!environment.getProperty(SPRING_BOOT_TEST_MARKER, Boolean.class, false)) {
      return configured;
    }
    if (environment instanceof ConfigurableEnvironment configurable) {
      PropertySource<?> inlined = configurable.getPropertySources().get(INLINED_TEST_PROPERTIES);
      if (inlined != null && inlined.containsProperty(STATUS_PORT)) {
        return configured;
      }
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
}

package io.drain4j.spring.boot.autoconfigure;

import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringBootVersion;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Fails the start of an application on a Spring Boot line the starter does not support, before any
 * bean is created, instead of letting it half-work: on Spring Boot 3 the starter's
 * auto-configuration loads and the core drain runs, but connector control, health, metrics and
 * client tracking are built on Spring Boot 4's modules and stay off in silence. Supported: Spring
 * Boot {@value #SUPPORTED}. A later 4.x line only gets a warning: it is likely to work but has not
 * been tested.
 *
 * <p>Registered in {@code META-INF/spring.factories}, which Spring Boot 3 reads as well; it uses
 * nothing that Spring Boot 3 lacks. Does nothing when {@code drain4j.enabled=false}, or when the
 * version is unknown (a repackaged Spring Boot without its manifest).
 */
final class SpringBootVersionCheck
    implements ApplicationContextInitializer<ConfigurableApplicationContext> {
  private static final Logger log = LoggerFactory.getLogger(SpringBootVersionCheck.class);

  /** The Spring Boot lines the starter is built and tested for. */
  static final String SUPPORTED = "4.0 and 4.1";

  private static final Pattern MAJOR_MINOR = Pattern.compile("^(\\d+)\\.(\\d+)");

  private final Supplier<String> version;

  /** Created by Spring Boot from {@code spring.factories}: checks the running Spring Boot. */
  SpringBootVersionCheck() {
    this(SpringBootVersion::getVersion);
  }

  /** Checks the version {@code version} supplies; for tests. */
  SpringBootVersionCheck(Supplier<String> version) {
    this.version = version;
  }

  @Override
  public void initialize(ConfigurableApplicationContext context) {
    if (context.getEnvironment().getProperty("drain4j.enabled", Boolean.class, true)) {
      check(version.get());
    }
  }

  /**
   * Accepts Spring Boot 4.0 and 4.1, warns on a later 4.x, refuses the rest.
   *
   * @param version Spring Boot's version, such as {@code 4.1.2}; {@code null} or unreadable: not
   *     checked
   * @throws UnsupportedSpringBootVersionException on Spring Boot 3 or earlier, or 5 and later
   */
  static void check(String version) {
    Matcher m = version == null ? null : MAJOR_MINOR.matcher(version);
    if (m == null || !m.find()) {
      log.debug("Spring Boot version unknown ({}): not checked", version);
      return;
    }
    int major = Integer.parseInt(m.group(1));
    int minor = Integer.parseInt(m.group(2));
    if (major != 4) {
      throw new UnsupportedSpringBootVersionException(version);
    }
    if (minor > 1) {
      log.warn(
          "drain4j-spring-boot-starter is tested on Spring Boot {}, not on {}: check that the"
              + " drain works (readiness, connector control, client tracking) before relying on it",
          SUPPORTED,
          version);
    }
  }
}

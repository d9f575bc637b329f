package io.drain4j.spring.boot.autoconfigure;

/**
 * The application runs on a Spring Boot line the starter does not support; explained by {@link
 * UnsupportedSpringBootVersionFailureAnalyzer}.
 */
final class UnsupportedSpringBootVersionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String version;

  UnsupportedSpringBootVersionException(String version) {
    super(
        "drain4j-spring-boot-starter supports Spring Boot "
            + SpringBootVersionCheck.SUPPORTED
            + ", not "
            + version);
    this.version = version;
  }

  /** The Spring Boot version found. */
  String version() {
    return version;
  }
}

package io.drain4j.spring.boot.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a start refused by {@link SpringBootVersionCheck}: the range, the reason, the way out.
 */
final class UnsupportedSpringBootVersionFailureAnalyzer
    extends AbstractFailureAnalyzer<UnsupportedSpringBootVersionException> {

  @Override
  protected FailureAnalysis analyze(
      Throwable rootFailure, UnsupportedSpringBootVersionException cause) {
    String description =
        "drain4j-spring-boot-starter supports Spring Boot "
            + SpringBootVersionCheck.SUPPORTED
            + "; this application runs Spring Boot "
            + cause.version()
            + ". The starter's web server control, health, metrics and client tracking are built"
            + " on Spring Boot 4's modules: on this version they would stay off without a word,"
            + " and the drain would only half-work.";
    String action =
        "Upgrade the application to Spring Boot 4.0 or 4.1, or use drain4j without the starter"
            + " (drain4j-core, drain4j-servlet: see the README), or remove the starter."
            + " 'drain4j.enabled=false' turns the starter and this check off.";
    return new FailureAnalysis(description, action, cause);
  }
}

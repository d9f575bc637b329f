package io.drain4j.spring.boot.autoconfigure;

import io.drain4j.DrainConfigException;
import java.util.Locale;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a start-up that failed because a {@code drain4j.*} value was out of range (a negative
 * propagation delay, a deadline not larger than the propagation delay, a port above 65535...),
 * naming the property, the value and what is accepted. Values that are not even of the right type
 * (a deadline of {@code abc}) are reported by Spring's own binding failure analysis, which names
 * the property as well.
 */
final class DrainConfigFailureAnalyzer extends AbstractFailureAnalyzer<DrainConfigException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, DrainConfigException cause) {
    String description =
        "Invalid drain4j configuration: "
            + cause.getMessage()
            + "\n\n    Property: "
            + cause.key()
            + "\n    Value: "
            + (cause.value() == null ? "(none)" : "\"" + cause.value() + "\"");
    String action =
        "Update the application's configuration: set '"
            + cause.key()
            + "' (environment variable "
            + envName(cause.key())
            + ") to an accepted value.";
    return new FailureAnalysis(description, action, cause);
  }

  /** {@code drain4j.status.port} is written {@code DRAIN4J_STATUS_PORT} in the environment. */
  static String envName(String key) {
    return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }
}

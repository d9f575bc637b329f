package io.drain4j;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** Configuration keys, defaults and the parsing rules shared by every configuration source. */
final class Settings {
  static final String PREFIX = "drain4j.";
  static final String PROPAGATION_DELAY = "drain4j.propagation-delay";
  static final String DEADLINE = "drain4j.deadline";
  static final String STATUS_ENABLED = "drain4j.status.enabled";
  static final String STATUS_ADDRESS = "drain4j.status.address";
  static final String STATUS_PORT = "drain4j.status.port";
  static final String SHUTDOWN_HOOK = "drain4j.shutdown-hook";
  static final String OUTBOUND_CLOSE_TIMEOUT = "drain4j.outbound-close-timeout";
  static final String QUIET_PERIOD = "drain4j.quiet-period";
  static final String MIN_PROPAGATION_DELAY = "drain4j.min-propagation-delay";
  static final String TERMINATION_GRACE_PERIOD = "drain4j.termination-grace-period";

  static final List<String> KEYS =
      List.of(
          PROPAGATION_DELAY,
          DEADLINE,
          STATUS_ENABLED,
          STATUS_ADDRESS,
          STATUS_PORT,
          SHUTDOWN_HOOK,
          OUTBOUND_CLOSE_TIMEOUT,
          QUIET_PERIOD,
          MIN_PROPAGATION_DELAY,
          TERMINATION_GRACE_PERIOD);

  static final Duration DEFAULT_PROPAGATION_DELAY = Duration.ofSeconds(5);
  static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(25);
  static final String DEFAULT_STATUS_ADDRESS = "127.0.0.1";
  static final int DEFAULT_STATUS_PORT = 9401;
  static final Duration DEFAULT_OUTBOUND_CLOSE_TIMEOUT = Duration.ofSeconds(2);
  static final Duration DEFAULT_MIN_PROPAGATION_DELAY = Duration.ofSeconds(2);

  /**
   * What the grace-period check adds to the propagation delay and the deadline: the exit bound
   * after DRAINED (1 s) and the sidecar hook's and the kubelet's own latency.
   */
  static final Duration GRACE_PERIOD_MARGIN = Duration.ofSeconds(2);

  private static final String DURATION_FORMS = DrainDurations.FORMS;

  private Settings() {}

  /** {@code drain4j.status.port} becomes {@code DRAIN4J_STATUS_PORT}. */
  static String envName(String key) {
    return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  static Duration parseDuration(String key, String value) {
    try {
      return DrainDurations.parse(value);
    } catch (IllegalArgumentException e) {
      throw invalid(key, value, e.getMessage());
    }
  }

  static boolean parseBoolean(String key, String value) {
    String v = value.trim();
    if (v.equalsIgnoreCase("true")) {
      return true;
    }
    if (v.equalsIgnoreCase("false")) {
      return false;
    }
    throw invalid(key, value, "is not a boolean; accepted: true or false");
  }

  static int requirePort(String key, String value) {
    try {
      int port = Integer.parseInt(value.trim());
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // falls through
    }
    throw invalid(key, value, "is not a port; accepted: 0 (any free port) to 65535");
  }

  static String requireAddress(String key, String value) {
    if (value == null || value.isBlank()) {
      throw invalid(key, value, "is not an address; accepted: an IP literal or host name");
    }
    return value.trim();
  }

  static Duration requireNonNegative(String key, Duration d) {
    if (d == null || d.isNegative()) {
      throw invalid(
          key,
          d == null ? null : format(d),
          "is not a duration of zero or more; accepted: " + DURATION_FORMS);
    }
    return requireSchedulable(key, d);
  }

  /**
   * The longest duration any setting accepts: {@value #MAX_DURATION_HOURS} h. Far beyond any pod's
   * grace period, and far below what {@code Duration.toNanos()} and the timer can hold, so that a
   * drain never fails half-started on a value that cannot be scheduled.
   */
  static final long MAX_DURATION_HOURS = 24;

  static final Duration MAX_DURATION = Duration.ofHours(MAX_DURATION_HOURS);

  private static Duration requireSchedulable(String key, Duration d) {
    if (d.compareTo(MAX_DURATION) > 0) {
      throw invalid(
          key,
          format(d),
          "is too long to schedule; accepted: at most "
              + MAX_DURATION_HOURS
              + "h, written "
              + DURATION_FORMS);
    }
    return d;
  }

  static Duration requirePositive(String key, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw invalid(
          key,
          d == null ? null : format(d),
          "is not a positive duration; accepted: " + DURATION_FORMS);
    }
    return requireSchedulable(key, d);
  }

  static DrainConfigException invalid(String key, String value, String what) {
    return new DrainConfigException(key, value, key + "=" + value + " " + what);
  }

  /** Renders a duration in the short form users write, {@code 5s} or {@code 250ms}. */
  static String format(Duration d) {
    if (d.compareTo(MAX_DURATION) > 0) {
      return d.toString(); // toMillis() overflows on the largest durations ISO-8601 can write
    }
    long ms = d.toMillis();
    if (ms % 1000 == 0 && !d.isZero()) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }
}

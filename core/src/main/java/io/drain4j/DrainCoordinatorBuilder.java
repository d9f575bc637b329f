package io.drain4j;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Builds a {@link DrainCoordinator}. Every setter validates its argument at once; {@link #build()}
 * checks the rules that span several settings and starts the coordinator.
 *
 * <p>Configuration names are the same everywhere: builder methods, {@code drain4j.*} system
 * properties, {@code DRAIN4J_*} environment variables and Spring properties.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>key</th><th>builder method</th><th>default</th></tr>
 *   <tr><td>{@code drain4j.propagation-delay}</td><td>{@link #propagationDelay}</td><td>5s</td></tr>
 *   <tr><td>{@code drain4j.deadline}</td><td>{@link #deadline}</td><td>25s</td></tr>
 *   <tr><td>{@code drain4j.status.enabled}</td><td>{@link #statusEnabled}</td><td>true</td></tr>
 *   <tr><td>{@code drain4j.status.address}</td><td>{@link #statusAddress}</td><td>127.0.0.1</td></tr>
 *   <tr><td>{@code drain4j.status.port}</td><td>{@link #statusPort}</td><td>9401</td></tr>
 *   <tr><td>{@code drain4j.shutdown-hook}</td><td>{@link #shutdownHook}</td><td>true</td></tr>
 *   <tr><td>{@code drain4j.outbound-close-timeout}</td><td>{@link #outboundCloseTimeout}</td>
 *       <td>2s</td></tr>
 *   <tr><td>{@code drain4j.quiet-period}</td><td>{@link #quietPeriod}</td><td>0s (off)</td></tr>
 *   <tr><td>{@code drain4j.min-propagation-delay}</td><td>{@link #minPropagationDelay}</td>
 *       <td>2s</td></tr>
 *   <tr><td>{@code drain4j.termination-grace-period}</td><td>{@link #terminationGracePeriod}</td>
 *       <td>unset</td></tr>
 * </table>
 *
 * <p>Durations are written {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h} or ISO-8601 such as
 * {@code PT5S}. A bad value fails with a {@link DrainConfigException} naming the key, the value and
 * the accepted forms.
 */
public final class DrainCoordinatorBuilder {

  Duration propagationDelay = Settings.DEFAULT_PROPAGATION_DELAY;
  Duration deadline = Settings.DEFAULT_DEADLINE;
  boolean statusEnabled = true;
  String statusAddress = Settings.DEFAULT_STATUS_ADDRESS;
  int statusPort = Settings.DEFAULT_STATUS_PORT;
  boolean shutdownHook = true;
  Duration outboundCloseTimeout = Settings.DEFAULT_OUTBOUND_CLOSE_TIMEOUT;
  Duration quietPeriod = Duration.ZERO;
  Duration minPropagationDelay = Settings.DEFAULT_MIN_PROPAGATION_DELAY;
  Duration terminationGracePeriod;
  DrainTimer timer;

  DrainCoordinatorBuilder() {}

  /**
   * How long new requests are still served after the drain starts, while the endpoint removal
   * propagates to other proxies ({@code drain4j.propagation-delay}). Default 5 s; 0 skips {@link
   * DrainState#DRAINING}.
   *
   * @param delay zero or positive; must not be {@code null}
   * @return this builder
   * @throws DrainConfigException when negative
   */
  public DrainCoordinatorBuilder propagationDelay(Duration delay) {
    this.propagationDelay = Settings.requireNonNegative(Settings.PROPAGATION_DELAY, delay);
    return this;
  }

  /**
   * How long after the start of the drain it ends forcibly, whatever is still in flight ({@code
   * drain4j.deadline}). Default 25 s; must be larger than the propagation delay.
   *
   * @param deadline positive; must not be {@code null}
   * @return this builder
   * @throws DrainConfigException when zero or negative
   */
  public DrainCoordinatorBuilder deadline(Duration deadline) {
    this.deadline = Settings.requirePositive(Settings.DEADLINE, deadline);
    return this;
  }

  /**
   * Whether to serve the status endpoint ({@code drain4j.status.enabled}). Default {@code true}.
   *
   * @param enabled {@code false} to serve nothing
   * @return this builder
   */
  public DrainCoordinatorBuilder statusEnabled(boolean enabled) {
    this.statusEnabled = enabled;
    return this;
  }

  /**
   * The address the status endpoint binds to ({@code drain4j.status.address}). Default {@code
   * 127.0.0.1}: only processes in the pod (the sidecar's preStop hook, the kubelet's exec probes)
   * reach it.
   *
   * @param address an IP literal or host name; must not be {@code null} or blank
   * @return this builder
   * @throws DrainConfigException when blank
   */
  public DrainCoordinatorBuilder statusAddress(String address) {
    this.statusAddress = Settings.requireAddress(Settings.STATUS_ADDRESS, address);
    return this;
  }

  /**
   * The port of the status endpoint ({@code drain4j.status.port}). Default 9401; 0 picks any free
   * port (see {@link DrainCoordinator#statusAddress()}).
   *
   * @param port 0 to 65535
   * @return this builder
   * @throws DrainConfigException when out of range
   */
  public DrainCoordinatorBuilder statusPort(int port) {
    this.statusPort = Settings.requirePort(Settings.STATUS_PORT, Integer.toString(port));
    return this;
  }

  /**
   * Whether to install a JVM shutdown hook that starts the drain on SIGTERM and keeps the JVM alive
   * until {@link DrainState#DRAINED} ({@code drain4j.shutdown-hook}). Default {@code true};
   * framework integrations with a shutdown sequence of their own (Spring) turn it off.
   *
   * @param install {@code false} to install no hook
   * @return this builder
   */
  public DrainCoordinatorBuilder shutdownHook(boolean install) {
    this.shutdownHook = install;
    return this;
  }

  /**
   * How long the close of each registered outbound client may take before the drain gives up on it,
   * logs it, and goes on ({@code drain4j.outbound-close-timeout}). Default 2 s.
   *
   * @param timeout positive; must not be {@code null}
   * @return this builder
   * @throws DrainConfigException when zero or negative
   */
  public DrainCoordinatorBuilder outboundCloseTimeout(Duration timeout) {
    this.outboundCloseTimeout = Settings.requirePositive(Settings.OUTBOUND_CLOSE_TIMEOUT, timeout);
    return this;
  }

  /**
   * Ends {@link DrainState#DRAINING} early once no new inbound request has arrived for this long
   * ({@code drain4j.quiet-period}). Default 0: off, DRAINING lasts the whole propagation delay.
   *
   * <p>When set, QUIESCING begins at the first moment at which at least the quiet period has passed
   * since the later of the drain's start and the last inbound request admitted while draining, but
   * never before the {@linkplain #minPropagationDelay minimum propagation delay} and never after
   * the {@linkplain #propagationDelay propagation delay}, which stays the upper bound. Traffic that
   * stops coming is the sign that the endpoint removal has reached the other proxies, so a pod with
   * little traffic stops waiting for it; one with steady traffic waits the full delay.
   *
   * @param quietPeriod zero (off) or positive; must not be {@code null}
   * @return this builder
   * @throws DrainConfigException when negative or longer than 24 h
   */
  public DrainCoordinatorBuilder quietPeriod(Duration quietPeriod) {
    this.quietPeriod = Settings.requireNonNegative(Settings.QUIET_PERIOD, quietPeriod);
    return this;
  }

  /**
   * The shortest DRAINING can be when a {@linkplain #quietPeriod quiet period} is set ({@code
   * drain4j.min-propagation-delay}): a quiet moment right after the drain starts says nothing yet
   * about the other proxies. Default 2 s; ignored without a quiet period; with one, it must not be
   * larger than the propagation delay.
   *
   * @param delay zero or positive; must not be {@code null}
   * @return this builder
   * @throws DrainConfigException when negative or longer than 24 h
   */
  public DrainCoordinatorBuilder minPropagationDelay(Duration delay) {
    this.minPropagationDelay = Settings.requireNonNegative(Settings.MIN_PROPAGATION_DELAY, delay);
    return this;
  }

  /**
   * The pod's {@code terminationGracePeriodSeconds} ({@code drain4j.termination-grace-period}), for
   * a check at start-up: when the propagation delay plus the deadline plus 2 s exceeds it, the
   * kubelet may SIGKILL the application before the drain ends, and {@link #build()} logs one WARN
   * naming the three values. Unset by default: no check.
   *
   * @param gracePeriod positive; {@code null} unsets it (no check)
   * @return this builder
   * @throws DrainConfigException when zero, negative or longer than 24 h
   */
  public DrainCoordinatorBuilder terminationGracePeriod(Duration gracePeriod) {
    this.terminationGracePeriod =
        gracePeriod == null
            ? null
            : Settings.requirePositive(Settings.TERMINATION_GRACE_PERIOD, gracePeriod);
    return this;
  }

  /**
   * Applies {@code drain4j.*} keys from a map, for example properties read from a file. Keys
   * outside the {@code drain4j.} prefix are ignored; an unknown key under it is rejected (it is
   * almost always a typo).
   *
   * @param properties key to value; must not be {@code null}; {@code null} values are ignored
   * @return this builder
   * @throws DrainConfigException when a key is unknown or a value invalid
   */
  public DrainCoordinatorBuilder configure(Map<String, String> properties) {
    Objects.requireNonNull(properties, "properties");
    for (Map.Entry<String, String> e : properties.entrySet()) {
      String key = e.getKey();
      if (key == null || e.getValue() == null || !key.startsWith(Settings.PREFIX)) {
        continue;
      }
      if (!Settings.KEYS.contains(key)) {
        throw new DrainConfigException(
            key,
            e.getValue(),
            key
                + "="
                + e.getValue()
                + " is not a drain4j setting; accepted keys: "
                + Settings.KEYS);
      }
      apply(key, e.getValue());
    }
    return this;
  }

  /**
   * Applies {@code DRAIN4J_*} environment variables, then {@code drain4j.*} system properties, so
   * that a system property wins over an environment variable. Values set on this builder after this
   * call win over both.
   *
   * @return this builder
   * @throws DrainConfigException when a value is invalid
   */
  public DrainCoordinatorBuilder configureFromEnvironment() {
    return configureFrom(System::getenv, System::getProperty);
  }

  DrainCoordinatorBuilder configureFrom(
      Function<String, String> env, Function<String, String> systemProperties) {
    for (String key : Settings.KEYS) {
      String value = env.apply(Settings.envName(key));
      if (value != null) {
        apply(Settings.envName(key), key, value);
      }
    }
    for (String key : Settings.KEYS) {
      String value = systemProperties.apply(key);
      if (value != null) {
        apply(key, value);
      }
    }
    return this;
  }

  private void apply(String key, String value) {
    apply(key, key, value);
  }

  /** Applies one value; {@code source} is the name the user wrote (env or property name). */
  private void apply(String source, String key, String value) {
    switch (key) {
      case Settings.PROPAGATION_DELAY ->
          propagationDelay =
              Settings.requireNonNegative(source, Settings.parseDuration(source, value));
      case Settings.DEADLINE ->
          deadline = Settings.requirePositive(source, Settings.parseDuration(source, value));
      case Settings.STATUS_ENABLED -> statusEnabled = Settings.parseBoolean(source, value);
      case Settings.STATUS_ADDRESS -> statusAddress = Settings.requireAddress(source, value);
      case Settings.STATUS_PORT -> statusPort = Settings.requirePort(source, value);
      case Settings.SHUTDOWN_HOOK -> shutdownHook = Settings.parseBoolean(source, value);
      case Settings.OUTBOUND_CLOSE_TIMEOUT ->
          outboundCloseTimeout =
              Settings.requirePositive(source, Settings.parseDuration(source, value));
      case Settings.QUIET_PERIOD ->
          quietPeriod = Settings.requireNonNegative(source, Settings.parseDuration(source, value));
      case Settings.MIN_PROPAGATION_DELAY ->
          minPropagationDelay =
              Settings.requireNonNegative(source, Settings.parseDuration(source, value));
      case Settings.TERMINATION_GRACE_PERIOD ->
          terminationGracePeriod =
              Settings.requirePositive(source, Settings.parseDuration(source, value));
      default -> throw new IllegalStateException("unhandled key " + key.toLowerCase(Locale.ROOT));
    }
  }

  DrainCoordinatorBuilder timer(DrainTimer timer) {
    this.timer = Objects.requireNonNull(timer, "timer");
    return this;
  }

  /**
   * Checks the settings together and starts the coordinator: binds the status endpoint (when
   * enabled) and installs the shutdown hook (when enabled).
   *
   * @return a running coordinator in {@link DrainState#SERVING}
   * @throws DrainConfigException when the deadline is not larger than the propagation delay, or a
   *     quiet period is set and the minimum propagation delay is larger than the propagation delay
   * @throws java.io.UncheckedIOException when the status endpoint cannot bind its address
   */
  public DrainCoordinator build() {
    if (deadline.compareTo(propagationDelay) <= 0) {
      throw new DrainConfigException(
          Settings.DEADLINE,
          Settings.format(deadline),
          Settings.DEADLINE
              + "="
              + Settings.format(deadline)
              + " must be larger than "
              + Settings.PROPAGATION_DELAY
              + "="
              + Settings.format(propagationDelay)
              + ": the drain must outlive the propagation delay");
    }
    if (!quietPeriod.isZero() && minPropagationDelay.compareTo(propagationDelay) > 0) {
      throw new DrainConfigException(
          Settings.MIN_PROPAGATION_DELAY,
          Settings.format(minPropagationDelay),
          Settings.MIN_PROPAGATION_DELAY
              + "="
              + Settings.format(minPropagationDelay)
              + " must not be larger than "
              + Settings.PROPAGATION_DELAY
              + "="
              + Settings.format(propagationDelay)
              + " when "
              + Settings.QUIET_PERIOD
              + "="
              + Settings.format(quietPeriod)
              + " is set; accepted: 0s to "
              + Settings.format(propagationDelay)
              + " (default "
              + Settings.format(Settings.DEFAULT_MIN_PROPAGATION_DELAY)
              + ")");
    }
    return DefaultDrainCoordinator.start(this);
  }
}

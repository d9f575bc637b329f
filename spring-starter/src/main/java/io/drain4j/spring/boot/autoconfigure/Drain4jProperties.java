package io.drain4j.spring.boot.autoconfigure;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code drain4j.*} Spring properties, with the names, meanings and defaults of the drain4j
 * configuration table (environment variables {@code DRAIN4J_*} bind to them through Spring's
 * relaxed binding). Durations accept Spring's forms: {@code 250ms}, {@code 5s}, {@code 2m} or
 * ISO-8601 such as {@code PT5S}; a value that is not a duration fails start-up with Spring's
 * failure analysis naming the key.
 */
@ConfigurationProperties("drain4j")
public class Drain4jProperties {

  /**
   * Whether to auto-configure drain4j at all. Spring-only switch: when false, no coordinator is
   * created and every drain4j auto-configuration backs off.
   */
  private boolean enabled = true;

  /**
   * How long new requests are still served after the drain starts, while the endpoint removal
   * propagates to other proxies. Readiness fails for this long before requests are refused; 0
   * refuses new requests at once.
   */
  private Duration propagationDelay = Duration.ofSeconds(5);

  /**
   * How long after the start of the drain it ends forcibly, whatever is still in flight. Must be
   * larger than the propagation delay, and should be shorter than the pod's
   * terminationGracePeriodSeconds and than spring.lifecycle.timeout-per-shutdown-phase.
   */
  private Duration deadline = Duration.ofSeconds(25);

  /**
   * Whether drain4j installs a JVM shutdown hook of its own. Off under Spring: Spring's shutdown
   * hook closes the context, which runs the drain.
   */
  private boolean shutdownHook = false;

  /** How long the close of each registered outbound client may take during the drain. */
  private Duration outboundCloseTimeout = Duration.ofSeconds(2);

  /**
   * Ends the propagation delay early once no new inbound request has arrived for this long, but
   * never before the minimum propagation delay; 0 (the default) turns it off.
   */
  private Duration quietPeriod = Duration.ZERO;

  /**
   * The shortest the propagation delay can be with a quiet period set; ignored without one. Must
   * not be larger than the propagation delay.
   */
  private Duration minPropagationDelay = Duration.ofSeconds(2);

  /**
   * The pod's terminationGracePeriodSeconds, for a check at start-up: one warning when propagation
   * delay + deadline + 2s exceeds it. Unset by default: no check.
   */
  private Duration terminationGracePeriod;

  /** The status endpoint that the sidecar's preStop hook waits on. */
  private final Status status = new Status();

  /**
   * Whether drain4j is auto-configured.
   *
   * @return {@code true} by default
   */
  public boolean isEnabled() {
    return enabled;
  }

  /**
   * Sets whether drain4j is auto-configured.
   *
   * @param enabled {@code false} to configure nothing
   */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /**
   * The propagation delay.
   *
   * @return 5 s by default
   */
  public Duration getPropagationDelay() {
    return propagationDelay;
  }

  /**
   * Sets the propagation delay; validated when the coordinator is built.
   *
   * @param propagationDelay zero or positive
   */
  public void setPropagationDelay(Duration propagationDelay) {
    this.propagationDelay = propagationDelay;
  }

  /**
   * The deadline, counted from the start of the drain.
   *
   * @return 25 s by default
   */
  public Duration getDeadline() {
    return deadline;
  }

  /**
   * Sets the deadline; validated when the coordinator is built.
   *
   * @param deadline positive and larger than the propagation delay
   */
  public void setDeadline(Duration deadline) {
    this.deadline = deadline;
  }

  /**
   * Whether drain4j installs its own JVM shutdown hook.
   *
   * @return {@code false} by default under Spring
   */
  public boolean isShutdownHook() {
    return shutdownHook;
  }

  /**
   * Sets whether drain4j installs its own JVM shutdown hook.
   *
   * @param shutdownHook {@code true} to install it next to Spring's
   */
  public void setShutdownHook(boolean shutdownHook) {
    this.shutdownHook = shutdownHook;
  }

  /**
   * The bound on closing each registered outbound client.
   *
   * @return 2 s by default
   */
  public Duration getOutboundCloseTimeout() {
    return outboundCloseTimeout;
  }

  /**
   * Sets the bound on closing each registered outbound client; validated when the coordinator is
   * built.
   *
   * @param outboundCloseTimeout positive
   */
  public void setOutboundCloseTimeout(Duration outboundCloseTimeout) {
    this.outboundCloseTimeout = outboundCloseTimeout;
  }

  /**
   * The quiet period that ends the propagation delay early.
   *
   * @return 0 (off) by default
   */
  public Duration getQuietPeriod() {
    return quietPeriod;
  }

  /**
   * Sets the quiet period; validated when the coordinator is built.
   *
   * @param quietPeriod zero (off) or positive
   */
  public void setQuietPeriod(Duration quietPeriod) {
    this.quietPeriod = quietPeriod;
  }

  /**
   * The minimum propagation delay, used only with a quiet period.
   *
   * @return 2 s by default
   */
  public Duration getMinPropagationDelay() {
    return minPropagationDelay;
  }

  /**
   * Sets the minimum propagation delay; validated when the coordinator is built.
   *
   * @param minPropagationDelay zero or positive, not larger than the propagation delay
   */
  public void setMinPropagationDelay(Duration minPropagationDelay) {
    this.minPropagationDelay = minPropagationDelay;
  }

  /**
   * The pod's termination grace period, for the start-up check.
   *
   * @return {@code null} (no check) by default
   */
  public Duration getTerminationGracePeriod() {
    return terminationGracePeriod;
  }

  /**
   * Sets the pod's termination grace period; validated when the coordinator is built.
   *
   * @param terminationGracePeriod positive; {@code null} for no check
   */
  public void setTerminationGracePeriod(Duration terminationGracePeriod) {
    this.terminationGracePeriod = terminationGracePeriod;
  }

  /**
   * The status endpoint settings.
   *
   * @return never {@code null}
   */
  public Status getStatus() {
    return status;
  }

  /** The {@code drain4j.status.*} properties. */
  public static class Status {

    /** Whether to serve the status endpoint (GET /ready, /live, /drain, /drain/await). */
    private boolean enabled = true;

    /**
     * The address the status endpoint binds to; the loopback default lets only processes in the pod
     * (the sidecar's preStop hook) reach it.
     */
    private String address = "127.0.0.1";

    /** The port of the status endpoint; 0 picks any free port. */
    private int port = 9401;

    /**
     * Whether the status endpoint is served.
     *
     * @return {@code true} by default
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets whether the status endpoint is served.
     *
     * @param enabled {@code false} to serve nothing
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /**
     * The bind address.
     *
     * @return {@code 127.0.0.1} by default
     */
    public String getAddress() {
      return address;
    }

    /**
     * Sets the bind address; validated when the coordinator is built.
     *
     * @param address an IP literal or host name
     */
    public void setAddress(String address) {
      this.address = address;
    }

    /**
     * The port.
     *
     * @return 9401 by default
     */
    public int getPort() {
      return port;
    }

    /**
     * Sets the port; validated when the coordinator is built.
     *
     * @param port 0 to 65535
     */
    public void setPort(int port) {
      this.port = port;
    }
  }
}

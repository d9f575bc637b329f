package io.drain4j.spring.boot.autoconfigure;

import java.net.BindException;
import java.util.Locale;

/**
 * The status endpoint could not bind its address and port (the port is in use, or the address is
 * not one of this host's); explained by {@link StatusBindFailureAnalyzer}.
 */
final class StatusBindException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String address;
  private final int port;
  private final transient BindException bind;

  StatusBindException(String address, int port, BindException bind, Throwable cause) {
    super(cause.getMessage(), cause);
    this.address = address;
    this.port = port;
    this.bind = bind;
  }

  /** The configured {@code drain4j.status.address}. */
  String address() {
    return address;
  }

  /** The port that could not be bound. */
  int port() {
    return port;
  }

  /** Whether the port is taken, rather than the address wrong. */
  boolean portInUse() {
    String message = bind.getMessage();
    return message != null && message.toLowerCase(Locale.ROOT).contains("in use");
  }
}

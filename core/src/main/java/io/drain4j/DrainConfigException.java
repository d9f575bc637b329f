package io.drain4j;

/**
 * A configuration value is invalid. The message names the key, the value given and the values
 * accepted, for example {@code drain4j.deadline=abc is not a duration; accepted: 250ms, 5s, 2m, 1h
 * or ISO-8601 such as PT5S}.
 */
public final class DrainConfigException extends IllegalArgumentException {
  /** Version of the serialized form. */
  private static final long serialVersionUID = 1L;

  /** The configuration key whose value was rejected. */
  private final String key;

  /** The rejected value as given. */
  private final String value;

  /**
   * Creates the exception.
   *
   * @param key the configuration key, such as {@code drain4j.deadline}; never {@code null}
   * @param value the rejected value as given; may be {@code null}
   * @param message the full message, naming the key, the value and what is accepted
   */
  public DrainConfigException(String key, String value, String message) {
    super(message);
    this.key = key;
    this.value = value;
  }

  /**
   * The configuration key whose value was rejected.
   *
   * @return for example {@code drain4j.deadline}
   */
  public String key() {
    return key;
  }

  /**
   * The rejected value as it was given.
   *
   * @return the value, or {@code null} when the value was missing
   */
  public String value() {
    return value;
  }
}

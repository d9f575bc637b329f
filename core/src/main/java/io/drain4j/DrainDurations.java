package io.drain4j;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses durations written the way drain4j's settings and the status endpoint's {@code ?timeout=}
 * are: {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}, or ISO-8601 such as {@code PT5S}.
 */
public final class DrainDurations {
  /** The accepted forms, for error messages. */
  public static final String FORMS = "250ms, 5s, 2m, 1h or ISO-8601 such as PT5S";

  private static final Pattern SIMPLE = Pattern.compile("(\\d{1,12})(ms|s|m|h)");

  private DrainDurations() {}

  /**
   * Parses a duration; surrounding blanks are ignored. The short forms cannot be negative; an
   * ISO-8601 value can, and the caller decides whether to accept it.
   *
   * @param text the text; must not be {@code null}
   * @return the duration, never {@code null}
   * @throws IllegalArgumentException when the text is in none of the {@link #FORMS}
   */
  public static Duration parse(String text) {
    String v = text.trim();
    Matcher m = SIMPLE.matcher(v);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      };
    }
    if (v.length() > 1 && (v.charAt(0) == 'P' || v.charAt(0) == 'p')) {
      try {
        return Duration.parse(v);
      } catch (DateTimeParseException | ArithmeticException e) {
        // falls through to the error naming the accepted forms
      }
    }
    throw new IllegalArgumentException("is not a duration; accepted: " + FORMS);
  }
}

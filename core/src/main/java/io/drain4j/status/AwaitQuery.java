package io.drain4j.status;

import io.drain4j.DrainDurations;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The query of {@code GET /drain/await}: one optional parameter, {@code timeout}, written like the
 * configuration's durations.
 */
final class AwaitQuery {
  static final String FORMS = DrainDurations.FORMS + " (zero or more)";

  private AwaitQuery() {}

  /**
   * The timeout asked for.
   *
   * @param rawQuery the raw (still encoded) query, {@code null} for none
   * @return the timeout, or {@code null} when the query does not name one
   * @throws IllegalArgumentException with a message for the client when the query is bad
   */
  static Duration timeout(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return null;
    }
    Duration timeout = null;
    for (String pair : rawQuery.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = decode(eq < 0 ? pair : pair.substring(0, eq));
      if (!key.equals("timeout")) {
        throw new IllegalArgumentException(
            "unknown query parameter '" + shorten(key) + "'; accepted: timeout");
      }
      if (timeout != null) {
        throw new IllegalArgumentException("timeout given more than once");
      }
      timeout = parse(eq < 0 ? "" : decode(pair.substring(eq + 1)));
    }
    return timeout;
  }

  /** Parses a duration the way configuration values are parsed; negative ones are refused. */
  static Duration parse(String value) {
    try {
      Duration d = DrainDurations.parse(value);
      if (!d.isNegative()) {
        return d;
      }
    } catch (IllegalArgumentException e) {
      // falls through to the message naming the accepted forms
    }
    throw new IllegalArgumentException("bad timeout '" + shorten(value) + "'; accepted: " + FORMS);
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bad query: malformed %-escape in '" + shorten(s) + "'");
    }
  }

  /** Echoes at most a short, printable prefix of client input. */
  private static String shorten(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 40; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return s.length() > 40 ? b + "..." : b.toString();
  }
}

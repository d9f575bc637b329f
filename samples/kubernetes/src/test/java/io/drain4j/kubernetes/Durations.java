package io.drain4j.kubernetes;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The duration syntaxes of the meshes' settings, which are not drain4j's. */
final class Durations {

  /** Protobuf JSON durations, as Istio's ProxyConfig takes them: {@code 5s}, {@code 2.5s}. */
  private static final Pattern PROTOBUF = Pattern.compile("(\\d+)(\\.\\d{1,9})?s");

  /** Go's time.ParseDuration, as Linkerd's annotations take them: {@code 10s}, {@code 1m30s}. */
  private static final Pattern GO = Pattern.compile("((\\d+)(\\.\\d+)?(ns|us|µs|ms|s|m|h))+");

  private static final Pattern GO_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

  private Durations() {}

  /**
   * Parses a protobuf JSON duration.
   *
   * @throws IllegalArgumentException naming the setting when the text is not one
   */
  static Duration protobuf(String setting, String text) {
    String v = text.trim();
    if (!PROTOBUF.matcher(v).matches()) {
      throw new IllegalArgumentException(
          setting + " '" + text + "' is not a protobuf duration such as 5s or 2.5s");
    }
    return seconds(new BigDecimal(v.substring(0, v.length() - 1)));
  }

  /**
   * Parses a Go duration ({@code 300ms}, {@code 10s}, {@code 1m30s}).
   *
   * @throws IllegalArgumentException naming the setting when the text is not one
   */
  static Duration go(String setting, String text) {
    String v = text.trim();
    if (!GO.matcher(v).matches()) {
      throw new IllegalArgumentException(
          setting + " '" + text + "' is not a Go duration such as 10s or 1m30s");
    }
    BigDecimal seconds = BigDecimal.ZERO;
    Matcher m = GO_PART.matcher(v);
    while (m.find()) {
      BigDecimal n = new BigDecimal(m.group(1));
      seconds =
          seconds.add(
              switch (m.group(2)) {
                case "ns" -> n.movePointLeft(9);
                case "us", "µs" -> n.movePointLeft(6);
                case "ms" -> n.movePointLeft(3);
                case "s" -> n;
                case "m" -> n.multiply(BigDecimal.valueOf(60));
                default -> n.multiply(BigDecimal.valueOf(3600));
              });
    }
    return seconds(seconds);
  }

  private static Duration seconds(BigDecimal seconds) {
    return Duration.ofNanos(seconds.movePointRight(9).longValueExact());
  }

  /** Renders a duration as the manifests write it: {@code 45s}, {@code 2.5s}. */
  static String format(Duration d) {
    BigDecimal s = BigDecimal.valueOf(d.toNanos()).movePointLeft(9).stripTrailingZeros();
    return s.toPlainString() + "s";
  }
}

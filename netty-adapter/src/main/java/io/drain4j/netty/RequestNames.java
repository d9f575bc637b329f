package io.drain4j.netty;

/**
 * Builds the short unit names ({@code GET /orders}) that the coordinator shows in its deadline
 * report, and remembers the last one: a keep-alive connection or an HTTP/2 connection usually asks
 * for the same path again and again, and a hit costs a comparison instead of a new string.
 *
 * <p>Not thread-safe: one instance per handler, used on the channel's event loop.
 */
final class RequestNames {
  /** Longer paths are cut: the name is for humans reading a report, not for routing. */
  static final int MAX_PATH = 160;

  private String last = "";

  /** The method and the whole request target that gave {@link #last}, when they were strings. */
  private String lastMethod;

  private String lastUri;

  /**
   * The name of a request.
   *
   * @param method the method; {@code null} when the request had none
   * @param uri the request target; its query and fragment are left out; {@code null} when none
   * @return {@code METHOD PATH}, never {@code null}
   */
  String of(CharSequence method, CharSequence uri) {
    // The common case first: HTTP/1.1's decoder gives strings, and a client repeating its request
    // repeats the whole target. String.equals is an intrinsic, where the scan below reads chars
    // one by one through CharSequence.
    if (uri instanceof String u
        && method instanceof String m0
        && u.equals(lastUri)
        && m0.equals(lastMethod)) {
      return last;
    }
    String name = build(method, uri);
    if (uri instanceof String u && method instanceof String m0) {
      lastUri = u;
      lastMethod = m0;
    } else {
      lastUri = null;
      lastMethod = null;
    }
    return name;
  }

  private String build(CharSequence method, CharSequence uri) {
    CharSequence m = method == null ? "?" : method;
    CharSequence u = uri == null ? "" : uri;
    int pathEnd = pathEnd(u);
    int methodLength = m.length();
    String l = last;
    if (l.length() == methodLength + 1 + pathEnd
        && regionEquals(l, 0, m, methodLength)
        && regionEquals(l, methodLength + 1, u, pathEnd)) {
      return l;
    }
    String name =
        new StringBuilder(methodLength + 1 + pathEnd)
            .append(m)
            .append(' ')
            .append(u, 0, pathEnd)
            .toString();
    last = name;
    return name;
  }

  private static int pathEnd(CharSequence uri) {
    int n = Math.min(uri.length(), MAX_PATH);
    for (int i = 0; i < n; i++) {
      char c = uri.charAt(i);
      if (c == '?' || c == '#') {
        return i;
      }
    }
    return n;
  }

  private static boolean regionEquals(String s, int offset, CharSequence other, int length) {
    for (int i = 0; i < length; i++) {
      if (s.charAt(offset + i) != other.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}

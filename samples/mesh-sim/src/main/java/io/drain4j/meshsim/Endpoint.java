package io.drain4j.meshsim;

/** The demo endpoints of DESIGN §8 that the workload calls. */
enum Endpoint {
  /** {@code GET /work?ms=N}: waits N ms, answers 200 {@code ok}. */
  WORK,
  /** {@code GET /call?ms=N}: an outbound call of N ms to the upstream, through the egress. */
  CALL,
  /** {@code GET /job?ms=N}: a background task of N ms, answered 202 at once. */
  JOB,
  /** {@code GET /stream?ms=N&chunks=K}: K chunks spread over N ms. */
  STREAM;

  /** Chunks of a stream: one per second of its length, at least two. */
  static int chunksFor(long ms) {
    return (int) Math.max(2, Math.min(60, Math.round(ms / 1000.0)));
  }

  String path(long ms) {
    return switch (this) {
      case WORK -> "/work?ms=" + ms;
      case CALL -> "/call?ms=" + ms;
      case JOB -> "/job?ms=" + ms;
      case STREAM -> "/stream?ms=" + ms + "&chunks=" + chunksFor(ms);
    };
  }

  String label() {
    return "/" + name().toLowerCase(java.util.Locale.ROOT);
  }

  /** How a demo of {@code kind} names it: the path, or the RPC of {@code DemoService}. */
  String label(DemoKind kind) {
    if (kind != DemoKind.GRPC) {
      return label();
    }
    String name = name().toLowerCase(java.util.Locale.ROOT);
    return Character.toUpperCase(name.charAt(0)) + name.substring(1);
  }
}

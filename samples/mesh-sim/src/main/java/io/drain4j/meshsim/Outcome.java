package io.drain4j.meshsim;

import java.util.Locale;

/** What became of one client request, each request in exactly one class. */
enum Outcome {
  /** Answered in full with the expected status. */
  OK,
  /** Answered 503 (by the application while quiescing, or by the ingress): a mesh retries it. */
  REJECTED,
  /** The request itself was lost: cut, refused, or answered with an error by a proxy. */
  INBOUND_FAILURE,
  /** A {@code /call} whose outbound call failed: the application answered 502. */
  OUTBOUND_FAILURE;

  /**
   * Classifies a response to a request to {@code endpoint}.
   *
   * @param endpoint what was called
   * @param ms the length requested, for the number of stream chunks
   * @param response what arrived
   * @return the outcome and, unless OK, a short reason
   */
  static Classified classify(Endpoint endpoint, long ms, HttpProbe.Response response) {
    if (!response.complete()) {
      return new Classified(
          INBOUND_FAILURE,
          response.failure()
              + (response.status() == 0 ? "" : " (status " + response.status() + ")"));
    }
    int status = response.status();
    String source = response.fromProxy() ? response.proxy() + " proxy" : "application";
    if (status == 503) {
      return new Classified(REJECTED, "503 from the " + source);
    }
    return switch (endpoint) {
      case WORK -> status == 200 ? ok() : failed(INBOUND_FAILURE, status, source);
      case CALL -> classifyCall(status, source, response);
      case JOB -> status == 202 ? ok() : failed(INBOUND_FAILURE, status, source);
      case STREAM -> classifyStream(status, source, ms, response);
    };
  }

  private static Classified classifyCall(int status, String source, HttpProbe.Response response) {
    if (status == 200) {
      return ok();
    }
    return status == 502 && !response.fromProxy()
        ? new Classified(
            OUTBOUND_FAILURE, "502 from the application: " + firstLine(response.body()))
        : failed(INBOUND_FAILURE, status, source);
  }

  private static Classified classifyStream(
      int status, String source, long ms, HttpProbe.Response response) {
    if (status != 200) {
      return failed(INBOUND_FAILURE, status, source);
    }
    if (response.closeDelimited()) {
      // No framing: only the content tells a whole stream from one cut short.
      long lines = response.body().lines().filter(l -> !l.isBlank()).count();
      int chunks = Endpoint.chunksFor(ms);
      if (lines < chunks) {
        return new Classified(
            INBOUND_FAILURE, "stream ended after " + lines + " of " + chunks + " chunks");
      }
    }
    return ok();
  }

  private static Classified ok() {
    return new Classified(OK, null);
  }

  private static Classified failed(Outcome outcome, int status, String source) {
    return new Classified(outcome, "HTTP " + status + " from the " + source);
  }

  private static String firstLine(String body) {
    String line = body.lines().findFirst().orElse("").strip();
    return line.length() > 120 ? line.substring(0, 120) + "..." : line;
  }

  /**
   * Classifies the end of a gRPC call to {@code endpoint} (DESIGN §8's {@code DemoService}).
   *
   * @param endpoint the RPC ({@code Work}, {@code Call}, {@code Job} or {@code Stream})
   * @param ms the length requested, for the number of stream replies
   * @param code the call's final gRPC status code, for example {@code OK} or {@code UNAVAILABLE}
   * @param description the status's description, {@code null} when it has none
   * @param replies the replies received before the status
   * @return the outcome, a reason unless OK, and the status code of a failed call
   */
  static Classified classifyGrpc(
      Endpoint endpoint, long ms, String code, String description, int replies) {
    String desc = description == null ? "" : description;
    if ("OK".equals(code)) {
      int expected = endpoint == Endpoint.STREAM ? Endpoint.chunksFor(ms) : 1;
      return replies >= expected
          ? ok()
          : new Classified(
              INBOUND_FAILURE,
              "status OK after " + replies + " of " + expected + " replies",
              "OK (short)");
    }
    String reason = "gRPC " + code + (desc.isEmpty() ? "" : ": " + firstLine(desc));
    if (endpoint == Endpoint.CALL && desc.contains("upstream call failed")) {
      // grpc-demo passes the upstream's status on, marked: the outbound call broke.
      return new Classified(OUTBOUND_FAILURE, reason + " (from the application)", code);
    }
    if ("UNAVAILABLE".equals(code)
        && (desc.contains("HTTP status code 503") || desc.startsWith("server draining"))) {
      // Refused before the application worked on it (a proxy's 503, or drain4j's QUIESCING
      // refusal): retryable elsewhere, the 503 of the HTTP rows.
      return new Classified(REJECTED, reason, code);
    }
    return new Classified(
        INBOUND_FAILURE, reason + (replies > 0 ? " after " + replies + " replies" : ""), code);
  }

  String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }

  /**
   * An outcome, its reason ({@code null} for OK) and, for a gRPC call that did not end well, its
   * status code ({@code null} otherwise).
   */
  record Classified(Outcome outcome, String reason, String status) {
    Classified(Outcome outcome, String reason) {
      this(outcome, reason, null);
    }
  }
}

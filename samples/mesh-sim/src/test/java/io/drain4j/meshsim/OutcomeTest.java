package io.drain4j.meshsim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class OutcomeTest {

  @Test
  void whenAnAnswerIsCompleteWithTheExpectedStatusThenTheRequestSucceeded() {
    assertThat(classify(Endpoint.WORK, complete(200, "ok"))).isEqualTo(Outcome.OK);
    assertThat(classify(Endpoint.CALL, complete(200, "upstream ok"))).isEqualTo(Outcome.OK);
    assertThat(classify(Endpoint.JOB, complete(202, "accepted"))).isEqualTo(Outcome.OK);
  }

  @Test
  void whenAnAnswerIsCutThenTheRequestIsAnInboundFailure() {
    HttpProbe.Response cut =
        new HttpProbe.Response(
            200, Map.of(), "chunk 1/4\n", false, false, "connection reset mid-body after 10 bytes");

    Outcome.Classified c = Outcome.classify(Endpoint.STREAM, 4000, cut);

    assertThat(c.outcome()).isEqualTo(Outcome.INBOUND_FAILURE);
    assertThat(c.reason()).contains("connection reset mid-body").contains("status 200");
  }

  @Test
  void whenTheApplicationAnswers502ToACallThenTheOutboundCallFailed() {
    Outcome.Classified c =
        Outcome.classify(
            Endpoint.CALL, 100, complete(502, "upstream call failed: java.io.IOException\n"));

    assertThat(c.outcome()).isEqualTo(Outcome.OUTBOUND_FAILURE);
    assertThat(c.reason()).contains("upstream call failed");
  }

  @Test
  void whenTheIngressAnswers502ThenTheRequestItselfFailed() {
    HttpProbe.Response fromProxy =
        new HttpProbe.Response(
            502,
            Map.of(HttpProbe.PROXY_HEADER, "ingress"),
            "ingress sidecar: 502",
            true,
            false,
            null);

    Outcome.Classified c = Outcome.classify(Endpoint.CALL, 100, fromProxy);

    assertThat(c.outcome()).isEqualTo(Outcome.INBOUND_FAILURE);
    assertThat(c.reason()).isEqualTo("HTTP 502 from the ingress proxy");
  }

  @Test
  void whenA503ArrivesThenTheRequestWasRejectedNotLost() {
    assertThat(classify(Endpoint.WORK, complete(503, "draining"))).isEqualTo(Outcome.REJECTED);
  }

  @Test
  void whenACloseDelimitedStreamHasFewerChunksThanAskedThenItWasCut() {
    HttpProbe.Response partial =
        new HttpProbe.Response(200, Map.of(), "chunk 1/4\nchunk 2/4\n", true, true, null);
    HttpProbe.Response whole =
        new HttpProbe.Response(
            200, Map.of(), "chunk 1/4\nchunk 2/4\nchunk 3/4\nchunk 4/4\n", true, true, null);

    assertThat(Outcome.classify(Endpoint.STREAM, 4000, partial).reason())
        .isEqualTo("stream ended after 2 of 4 chunks");
    assertThat(Outcome.classify(Endpoint.STREAM, 4000, whole).outcome()).isEqualTo(Outcome.OK);
  }

  private static Outcome classify(Endpoint endpoint, HttpProbe.Response response) {
    return Outcome.classify(endpoint, 1000, response).outcome();
  }

  private static HttpProbe.Response complete(int status, String body) {
    return new HttpProbe.Response(status, Map.of(), body, true, false, null);
  }

  @Test
  void whenAGrpcCallEndsOkWithItsRepliesThenItSucceeded() {
    assertThat(Outcome.classifyGrpc(Endpoint.WORK, 100, "OK", null, 1))
        .isEqualTo(new Outcome.Classified(Outcome.OK, null, null));
    assertThat(Outcome.classifyGrpc(Endpoint.STREAM, 4000, "OK", null, 4).outcome())
        .isEqualTo(Outcome.OK);
  }

  @Test
  void whenAGrpcStreamEndsOkShortOfItsRepliesThenItIsAnInboundFailure() {
    Outcome.Classified c = Outcome.classifyGrpc(Endpoint.STREAM, 4000, "OK", null, 2);

    assertThat(c.outcome()).isEqualTo(Outcome.INBOUND_FAILURE);
    assertThat(c.reason()).isEqualTo("status OK after 2 of 4 replies");
    assertThat(c.status()).isEqualTo("OK (short)");
  }

  @Test
  void whenAGrpcCallIsCutThenItIsAnInboundFailureCountedUnderItsStatus() {
    Outcome.Classified c =
        Outcome.classifyGrpc(Endpoint.STREAM, 4000, "UNAVAILABLE", "Connection closed", 1);

    assertThat(c.outcome()).isEqualTo(Outcome.INBOUND_FAILURE);
    assertThat(c.status()).isEqualTo("UNAVAILABLE");
    assertThat(c.reason()).isEqualTo("gRPC UNAVAILABLE: Connection closed after 1 replies");
  }

  @Test
  void whenTheDemoPassesAnUpstreamFailureOnThenTheOutboundCallFailed() {
    Outcome.Classified c =
        Outcome.classifyGrpc(
            Endpoint.CALL, 4000, "UNAVAILABLE", "io exception\nupstream call failed", 0);

    assertThat(c.outcome()).isEqualTo(Outcome.OUTBOUND_FAILURE);
    assertThat(c.status()).isEqualTo("UNAVAILABLE");
  }

  @Test
  void whenAGrpcCallIsRefusedBeforeTheApplicationSawItThenItIsTheRejectedColumn() {
    assertThat(
            Outcome.classifyGrpc(
                    Endpoint.WORK,
                    100,
                    "UNAVAILABLE",
                    "HTTP status code 503\ninvalid content-type: text/plain",
                    0)
                .outcome())
        .isEqualTo(Outcome.REJECTED);
    assertThat(
            Outcome.classifyGrpc(
                    Endpoint.WORK,
                    100,
                    "UNAVAILABLE",
                    "server draining; retry on another endpoint",
                    0)
                .outcome())
        .isEqualTo(Outcome.REJECTED);
    assertThat(
            Outcome.classifyGrpc(Endpoint.WORK, 100, "UNAVAILABLE", "server shutting down", 0)
                .outcome())
        .isEqualTo(Outcome.INBOUND_FAILURE);
  }
}

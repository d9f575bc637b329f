package io.drain4j.meshsim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DemoKindTest {

  @Test
  void whenADemoIsNamedThenItsKindFollowsFromTheName() {
    assertThat(DemoKind.of("grpc-demo")).isEqualTo(DemoKind.GRPC);
    assertThat(DemoKind.of("kafka-demo")).isEqualTo(DemoKind.KAFKA);
    assertThat(DemoKind.of("servlet-demo")).isEqualTo(DemoKind.HTTP);
    assertThat(DemoKind.of("netty-demo")).isEqualTo(DemoKind.HTTP);
  }

  @Test
  void whenTheDemoSpeaksGrpcThenItsProxiesSpeakHttp2() {
    assertThat(DemoKind.GRPC.h2()).isTrue();
    assertThat(DemoKind.HTTP.h2()).isFalse();
  }

  @Test
  void whenARequestIsNamedInTheReportThenAGrpcCallCarriesItsRpcName() {
    assertThat(Endpoint.STREAM.label(DemoKind.GRPC)).isEqualTo("Stream");
    assertThat(Endpoint.CALL.label(DemoKind.GRPC)).isEqualTo("Call");
    assertThat(Endpoint.STREAM.label(DemoKind.HTTP)).isEqualTo("/stream");
  }
}

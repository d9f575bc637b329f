package io.drain4j.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.drain4j.DrainCoordinator;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * A status port already taken at start-up fails the start with Spring Boot's banner (what is on the
 * port, the key to change), not a stack trace with the cause five levels deep.
 */
@ExtendWith(OutputCaptureExtension.class)
class StatusBindFailureAnalyzerTest {

  @Test
  void whenTheStatusPortIsTakenThenTheStartFailsWithABannerNamingThePortAndTheKey(
      CapturedOutput output) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Throwable failure = start(taken.getLocalPort());

      assertThat(failure).isNotNull();
      FailureAnalysis analysis = new StatusBindFailureAnalyzer().analyze(failure);
      assertThat(analysis).isNotNull();
      assertThat(analysis.getDescription())
          .contains("port " + taken.getLocalPort() + " on 127.0.0.1 is already in use")
          .contains("not answer");
      assertThat(analysis.getAction())
          .contains("'drain4j.status.port'")
          .contains("DRAIN4J_STATUS_PORT");
      // What Spring Boot prints at the failed start: the banner, not the stack trace.
      assertThat(output)
          .contains("APPLICATION FAILED TO START")
          .contains("port " + taken.getLocalPort() + " on 127.0.0.1 is already in use")
          .contains("set 'drain4j.status.port'");
    }
  }

  @Test
  void whenAnotherDrainStatusEndpointHoldsThePortThenTheBannerSaysSo() {
    try (DrainCoordinator other =
        DrainCoordinator.builder().statusAddress("127.0.0.1").statusPort(0).build()) {
      int port = other.statusAddress().getPort();
      FailureAnalysis analysis = new StatusBindFailureAnalyzer().analyze(start(port));

      assertThat(analysis.getDescription())
          .contains("port " + port)
          .contains("another drain4j status endpoint");
    }
  }

  @Test
  void whenAnHttpServerHoldsThePortThenTheBannerQuotesItsAnswer() throws Exception {
    com.sun.net.httpserver.HttpServer server =
        com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.start();
    try {
      String what = StatusBindFailureAnalyzer.whatIsOn("127.0.0.1", server.getAddress().getPort());
      assertThat(what)
          .startsWith("an HTTP server that is not a drain4j status endpoint")
          .contains("404");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void whenTheAddressIsNotLocalThenTheBannerNamesTheAddressKey() {
    // 192.0.2.1 (TEST-NET-1) is assigned to no host.
    Throwable failure = start("192.0.2.1", 0);
    FailureAnalysis analysis = new StatusBindFailureAnalyzer().analyze(failure);

    assertThat(analysis).isNotNull();
    assertThat(analysis.getDescription()).contains("could not bind 192.0.2.1:0");
    assertThat(analysis.getAction()).contains("'drain4j.status.address'");
  }

  private static Throwable start(int port) {
    return start("127.0.0.1", port);
  }

  private static Throwable start(String address, int port) {
    return catchThrowable(
        () ->
            new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE)
                .properties("drain4j.status.address=" + address, "drain4j.status.port=" + port)
                .run()
                .close());
  }

  @SpringBootConfiguration
  @ImportAutoConfiguration(DrainCoordinatorAutoConfiguration.class)
  static class App {}
}

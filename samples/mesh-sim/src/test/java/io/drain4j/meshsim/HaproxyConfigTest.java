package io.drain4j.meshsim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class HaproxyConfigTest {

  private final Path errors = Path.of("/tmp/pod/errors");

  @Test
  void whenTheIngressIsConfiguredThenItKeepsAcceptingForTheWholeDrainAndNeverHardStops() {
    String cfg =
        HaproxyConfig.ingress("10.213.1.2", 15006, 8080, Duration.ofSeconds(5), errors, false);

    assertThat(cfg)
        .contains("grace 5000ms")
        .contains("bind 10.213.1.2:15006")
        .contains("server app 127.0.0.1:8080")
        .contains("http-after-response set-header Connection close if { stopping }")
        .contains("errorfile 502 /tmp/pod/errors/ingress-502.http")
        .doesNotContain("hard-stop-after")
        .doesNotContain("daemon");
  }

  @Test
  void whenTheEgressIsConfiguredThenItForwardsToTheUpstreamWithoutAnyGrace() {
    String cfg = HaproxyConfig.egress(15001, "10.213.1.1", 18080, errors, false);

    assertThat(cfg)
        .contains("bind 127.0.0.1:15001")
        .contains("server upstream 10.213.1.1:18080")
        .contains("errorfile 503 /tmp/pod/errors/egress-503.http")
        .doesNotContain("grace")
        .doesNotContain("hard-stop-after");
  }

  @Test
  void whenTheNodeProxyIsConfiguredThenItForwardsInboundToThePodAndOutboundToTheUpstream() {
    String cfg =
        HaproxyConfig.nodeProxy(
            "10.213.1.1", 15006, "10.213.1.2", 8080, 15001, "10.213.1.1", 18080, errors, false);

    assertThat(cfg)
        .contains("bind 10.213.1.1:15006")
        .contains("server pod 10.213.1.2:8080")
        .contains("bind 10.213.1.1:15001")
        .contains("server upstream 10.213.1.1:18080")
        .contains("errorfile 503 /tmp/pod/errors/ztunnel-503.http")
        .doesNotContain("grace")
        .doesNotContain("hard-stop-after");
  }

  @Test
  void whenTheSidecarsCarryGrpcThenEveryBindAndServerLineSpeaksHttp2WithPriorKnowledge() {
    String ingress =
        HaproxyConfig.ingress("10.213.1.2", 15006, 8080, Duration.ofSeconds(5), errors, true);
    String egress = HaproxyConfig.egress(15001, "10.213.1.1", 18080, errors, true);
    String node =
        HaproxyConfig.nodeProxy(
            "10.213.1.1", 15006, "10.213.1.2", 8080, 15001, "10.213.1.1", 18080, errors, true);

    assertThat(ingress)
        .contains("mode http")
        .contains("bind 10.213.1.2:15006 proto h2")
        .contains("server app 127.0.0.1:8080 proto h2")
        .contains("grace 5000ms");
    assertThat(egress)
        .contains("bind 127.0.0.1:15001 proto h2")
        .contains("server upstream 10.213.1.1:18080 proto h2");
    assertThat(node)
        .contains("bind 10.213.1.1:15006 proto h2")
        .contains("server pod 10.213.1.2:8080 proto h2")
        .contains("bind 10.213.1.1:15001 proto h2")
        .contains("server upstream 10.213.1.1:18080 proto h2");
    assertThat(
            HaproxyConfig.ingress("10.213.1.2", 15006, 8080, Duration.ofSeconds(5), errors, false))
        .doesNotContain("proto h2");
  }

  @Test
  void whenPilotAgentsListenerIsConfiguredThenItAnswersItsReadinessPath() {
    assertThat(HaproxyConfig.agent("0.0.0.0", 15020))
        .contains("bind 0.0.0.0:15020")
        .contains("if { path /healthz/ready }");
  }

  @Test
  void whenAnErrorPageIsWrittenThenItIsMarkedAsTheProxysAndItsLengthIsExact() {
    String page = HaproxyConfig.errorPage("ingress", 503);
    String head = page.substring(0, page.indexOf("\r\n\r\n"));
    String body = page.substring(page.indexOf("\r\n\r\n") + 4);

    assertThat(head)
        .startsWith("HTTP/1.1 503 Service Unavailable\r\n")
        .contains("X-Mesh-Sim-Proxy: ingress\r\n")
        .contains("Content-Length: " + body.getBytes(StandardCharsets.US_ASCII).length);
  }
}

package io.drain4j.meshsim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaScenarioTest {

  @Test
  void whenTheBrokerIsConfiguredThenThePodListenerAdvertisesTheEgressAndTheHostOneItself() {
    String props = KafkaBroker.properties("10.213.4.1", 18080, "127.0.0.1:15001", Path.of("/l"));

    assertThat(props)
        .contains(
            "listeners=POD://10.213.4.1:18080,HOST://10.213.4.1:18081,"
                + "CONTROLLER://10.213.4.1:18082")
        .contains("advertised.listeners=POD://127.0.0.1:15001,HOST://10.213.4.1:18081")
        .contains("controller.quorum.voters=1@10.213.4.1:18082")
        .contains("process.roles=broker,controller")
        .contains("log.dirs=/l");
  }

  @Test
  void whenTheKafkaEgressIsConfiguredThenItProxiesTcpToTheBroker() {
    String cfg = HaproxyConfig.egressTcp(15001, "10.213.4.1", 18080);

    assertThat(cfg)
        .contains("mode tcp")
        .contains("bind 127.0.0.1:15001")
        .contains("server upstream 10.213.4.1:18080")
        .doesNotContain("mode http");
  }

  @Test
  void whenThePodsLogIsReadThenEveryRecordItStartedIsFound(@TempDir Path dir) throws IOException {
    Path log = dir.resolve("app.log");
    Files.writeString(
        log,
        """
        kafka-demo partitions assigned [demo.in-0]
        kafka-demo started long-2
        kafka-demo done long-2
        kafka-demo started long-6
        """);

    assertThat(KafkaRun.startedByPod(log, "kafka-demo started "))
        .containsExactlyInAnyOrder("long-2", "long-6");
    assertThat(KafkaRun.startedByPod(log, "kafka-demo done ")).containsExactly("long-2");
    assertThat(KafkaRun.startedByPod(dir.resolve("missing.log"), "kafka-demo started ")).isEmpty();
  }

  @Test
  void whenARowIsTabulatedThenDuplicatesLossesAndTheUnassignedTimeAreShown() {
    KafkaResult today =
        new KafkaResult(
            Scenario.ISTIO_DEFAULT,
            16,
            8,
            8,
            8,
            0,
            Duration.ofMillis(42_100),
            Duration.ofMillis(20_100),
            "envoy +5.0s",
            List.of("long-0: worked on by the pod and again by the second member"),
            null);
    KafkaResult drained =
        new KafkaResult(
            Scenario.DRAIN4J,
            16,
            8,
            0,
            0,
            0,
            Duration.ofMillis(700),
            Duration.ofMillis(12_400),
            "envoy +12.4s",
            List.of(),
            null);
    KafkaResult never =
        new KafkaResult(Scenario.DRAIN4J_QUIET, 16, 8, 0, 0, 0, null, null, "no", List.of(), null);

    assertThat(today.cells())
        .containsExactly(
            "1 istio-default", "16", "8", "8", "8", "0", "42.1 s", "20.1 s", "envoy +5.0s");
    assertThat(today.clean()).isFalse();
    assertThat(drained.clean()).isTrue();
    assertThat(never.cells()).contains("never");
    assertThat(KafkaResult.markdown(List.of(today, drained)))
        .contains("| 1 istio-default | 16 | 8 | 8 | 8 | 0 | 42.1 s |")
        .contains("| **4 drain4j** | 16 | 8 | 0 | 0 | 0 | 0.7 s | 12.4 s | envoy +12.4s |");
  }

  @Test
  void whenARunFailedThenItsRowSaysSoAndIsNotClean() {
    KafkaResult failed =
        new KafkaResult(Scenario.DRAIN4J, 0, 0, 0, 0, 0, null, null, "-", List.of(), "no broker");

    assertThat(failed.cells()).last().isEqualTo("run failed");
    assertThat(failed.clean()).isFalse();
  }
}

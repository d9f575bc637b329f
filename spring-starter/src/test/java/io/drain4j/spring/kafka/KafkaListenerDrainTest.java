package io.drain4j.spring.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import io.drain4j.DrainStatus;
import io.drain4j.UnitKind;
import io.drain4j.kafka.testing.KafkaBroker;
import io.drain4j.kafka.testing.Member;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.event.ConsumerStoppedEvent;

/** A Spring Boot 4.1 {@code @KafkaListener} application on a real KRaft broker in this JVM. */
@ExtendWith(OutputCaptureExtension.class)
class KafkaListenerDrainTest {
  private static KafkaBroker broker;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBroker.start();
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @Test
  void listenerContainersStopAtTheDrainStartFinishTheirRecordsCommitAndTheGroupGetsTheRest()
      throws Exception {
    String in = broker.newTopic("in", 1);
    String out = broker.newTopic("out", 1);
    String group = "g-" + UUID.randomUUID();
    broker.send(in, 0, keyValues(8));
    CompletableFuture<DrainStatus> stateWhenStopped = new CompletableFuture<>();
    try (ConfigurableApplicationContext app = start(in, out, group, 10_000, stateWhenStopped)) {
      DrainCoordinator drain = app.getBean(DrainCoordinator.class);
      KafkaListenerApplication.Work work = app.getBean(KafkaListenerApplication.Work.class);
      assertThat(work.held.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(drain.inflight(UnitKind.INBOUND)).as("the listener invocation").isEqualTo(1);

      drain.startDrain(); // as POST /drain does: the context is not closing
      work.gate.countDown();

      // The container stopped with no propagation delay, after finishing the records it held;
      // the results its listener sent were still lingering in the producer, tracked.
      DrainStatus whenStopped = stateWhenStopped.get(30, TimeUnit.SECONDS);
      assertThat(whenStopped.state()).isEqualTo(DrainState.DRAINING);
      assertThat(whenStopped.outbound()).isPositive();
      int n = work.processed.size();
      assertThat(work.processed).containsExactlyElementsOf(keys(0, n)).contains("k2");
      assertThat(broker.committed(group, new TopicPartition(in, 0))).isEqualTo(n);
      try (Member next = Member.start(broker, group, in)) {
        assertThat(next.awaitKeys(8 - n)).containsExactlyElementsOf(keys(n, 8));
      }
      assertThat(drain.whenDrained().get(30, TimeUnit.SECONDS).forced()).isFalse();
      // KafkaTemplate's sends made while the listener worked were acknowledged (tracked).
      try (Member results = Member.start(broker, "reader-" + UUID.randomUUID(), out)) {
        assertThat(results.awaitKeys(n)).containsExactlyElementsOf(keys(0, n));
      }
    }
  }

  @Test
  void aContainerShutdownTimeoutLongerThanTheDeadlineIsNamedAtStart(CapturedOutput output)
      throws Exception {
    String in = broker.newTopic("in", 1);
    try (ConfigurableApplicationContext app =
        start(in, in, "g-" + UUID.randomUUID(), 60_000, new CompletableFuture<>())) {
      assertThat(app.getBean(DrainCoordinator.class).deadline()).hasSeconds(20);
      assertThat(output)
          .contains(
              "Kafka listener container orders: shutdownTimeout=PT1M is longer than"
                  + " drain4j.deadline=PT20S");
    }
  }

  private static ConfigurableApplicationContext start(
      String in,
      String out,
      String group,
      long shutdownTimeoutMs,
      CompletableFuture<DrainStatus> stateWhenStopped) {
    SpringApplicationBuilder builder =
        new SpringApplicationBuilder(KafkaListenerApplication.class)
            .web(WebApplicationType.NONE)
            .properties(
                "spring.kafka.bootstrap-servers=" + broker.bootstrap(),
                "spring.kafka.consumer.group-id=" + group,
                "spring.kafka.consumer.auto-offset-reset=earliest",
                "spring.kafka.consumer.heartbeat-interval=250ms",
                "spring.kafka.producer.properties.linger.ms=2000",
                "drain4j.status.port=0",
                "drain4j.propagation-delay=3s",
                "drain4j.deadline=20s",
                "app.in=" + in,
                "app.out=" + out,
                "app.shutdown-timeout-ms=" + shutdownTimeoutMs);
    ConfigurableApplicationContext[] context = new ConfigurableApplicationContext[1];
    builder.listeners(
        (ApplicationListener<ConsumerStoppedEvent>)
            e -> stateWhenStopped.complete(context[0].getBean(DrainCoordinator.class).status()));
    context[0] = builder.run();
    return context[0];
  }

  private static List<String> keys(int from, int to) {
    return KafkaBroker.keys("k", from, to);
  }

  private static String[] keyValues(int n) {
    return KafkaBroker.keyValues("k", n, "0");
  }
}

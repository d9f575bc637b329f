package io.drain4j.samples.kafka;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.kafka.testing.KafkaBroker;
import io.drain4j.kafka.testing.Member;
import io.drain4j.samples.support.testing.DemoJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs the packaged jar as a child JVM against a real KRaft broker in this JVM, and stops it with
 * SIGTERM while records are being worked on.
 */
class KafkaDemoProcessIT {
  private static final int RECORDS = 12;

  private KafkaBroker broker;

  // A broker per test: each test's group starts from the topic's first record.
  @BeforeEach
  void startBroker() throws Exception {
    broker = KafkaBroker.start();
    broker.createTopic(KafkaDemo.IN, 1);
    broker.createTopic(KafkaDemo.OUT, 1);
  }

  @AfterEach
  void stopBroker() {
    broker.close();
  }

  @Test
  void sigtermWithRecordsInFlightFinishesAndCommitsThemAndTheGroupGetsExactlyTheRest()
      throws Exception {
    broker.send(KafkaDemo.IN, 0, KafkaBroker.keyValues("r", RECORDS, "1500"));
    DemoJvm demo = start(broker.bootstrap(), Map.of());
    try {
      demo.awaitLine("kafka-demo started r0");

      // SIGTERM through the handle: Process.destroy() would also close our end of its output.
      assertThat(demo.process().toHandle().destroy()).isTrue();

      assertThat(demo.process().waitFor(30, SECONDS)).as("the demo exits after the drain").isTrue();
      long exitedAt = System.nanoTime();
      assertThat(demo.process().exitValue()).isEqualTo(143); // 128 + SIGTERM, after the hooks
      demo.awaitOutputEnd(Duration.ofSeconds(10));
      DemoJvm.Line drained = demo.find("drain4j DRAINED after");
      assertThat(drained.text()).doesNotContain("forced");
      Duration exit = Duration.ofNanos(exitedAt - drained.nanos());
      System.out.println("kafka-demo exited " + exit.toMillis() + " ms after DRAINED");
      assertThat(exit)
          .as("exit within 1 s of DRAINED (+ the observation slack)")
          .isLessThan(Duration.ofSeconds(1).plus(DemoJvm.EXIT_OBSERVATION_SLACK));

      List<String> started = demo.after("kafka-demo started ");
      List<String> done = demo.after("kafka-demo done ");
      // Every record the demo had begun was finished, in the order of the topic from r0 on.
      assertThat(done).containsExactlyInAnyOrderElementsOf(started);
      int n = done.size();
      assertThat(n).isBetween(1, RECORDS - 1);
      assertThat(done).containsExactlyInAnyOrderElementsOf(keys(0, n));
      assertThat(broker.committed(KafkaDemo.GROUP, new TopicPartition(KafkaDemo.IN, 0)))
          .isEqualTo(n);
      try (Member results = Member.start(broker, "results-reader", KafkaDemo.OUT)) {
        assertThat(results.awaitKeys(n)).containsExactlyInAnyOrderElementsOf(keys(0, n));
      }
      // The next member of the group starts right after the last record the demo committed.
      try (Member next = Member.start(broker, KafkaDemo.GROUP, KafkaDemo.IN)) {
        assertThat(next.awaitKeys(RECORDS - n)).containsExactlyElementsOf(keys(n, RECORDS));
      }
    } finally {
      demo.close();
    }
  }

  @Test
  void withoutDrain4jSigtermRunsKafkasShutdownRecipeAndTheGroupGetsWhatWasNotCommitted()
      throws Exception {
    // The baseline of the mesh simulator's today rows: Kafka's own recipe (wake the consumer up
    // from a JVM hook that waits for the loop). Without a sidecar in the way it finishes the batch
    // in hand; the committed offset depends on whether the wake-up came before the commit request
    // went out, so only the rest is checked.
    broker.send(KafkaDemo.IN, 0, KafkaBroker.keyValues("t", RECORDS, "1500"));
    DemoJvm demo = start(broker.bootstrap(), Map.of("DRAIN4J_ENABLED", "false"));
    try {
      demo.awaitLine("kafka-demo started t0");

      assertThat(demo.process().toHandle().destroy()).isTrue();

      assertThat(demo.process().waitFor(30, SECONDS)).as("the demo exits").isTrue();
      demo.awaitOutputEnd(Duration.ofSeconds(10));
      assertThat(demo.output()).contains("kafka-demo consumer closed");
      List<String> started = demo.after("kafka-demo started ");
      assertThat(demo.after("kafka-demo done "))
          .as("the hook waited for the batch in hand")
          .containsExactlyInAnyOrderElementsOf(started);
      // -1: nothing committed.
      int committed =
          (int) Math.max(0, broker.committed(KafkaDemo.GROUP, new TopicPartition(KafkaDemo.IN, 0)));
      assertThat(committed).isLessThanOrEqualTo(started.size());
      try (Member next = Member.start(broker, KafkaDemo.GROUP, KafkaDemo.IN)) {
        assertThat(next.awaitKeys(RECORDS - committed))
            .containsExactlyElementsOf(KafkaBroker.keys("t", committed, RECORDS));
      }
    } finally {
      demo.close();
    }
  }

  private static List<String> keys(int from, int to) {
    return KafkaBroker.keys("r", from, to);
  }

  /**
   * Starts the demo jar against the broker; a long propagation delay, which the consumer must not
   * wait for (it sits behind no Service endpoint).
   */
  private static DemoJvm start(String bootstrap, Map<String, String> more) throws Exception {
    Map<String, String> env = new HashMap<>(more);
    env.put("KAFKA_BOOTSTRAP", bootstrap);
    env.put("DRAIN4J_STATUS_PORT", "0");
    env.put("DRAIN4J_PROPAGATION_DELAY", "1s");
    env.put("DRAIN4J_DEADLINE", "20s");
    DemoJvm demo = DemoJvm.start(Path.of("target", "kafka-demo.jar"), env);
    demo.awaitLine("kafka-demo consuming demo.in");
    return demo;
  }
}

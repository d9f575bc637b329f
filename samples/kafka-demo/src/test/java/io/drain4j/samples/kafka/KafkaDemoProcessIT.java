package io.drain4j.samples.kafka;

import static java.util.concurrent.TimeUnit.NANOSECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.kafka.testing.KafkaBroker;
import io.drain4j.kafka.testing.Member;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs the packaged jar as a child JVM against a real KRaft broker in this JVM, and stops it with
 * SIGTERM while records are being worked on.
 */
class KafkaDemoProcessIT {
  private static final int RECORDS = 12;

  private static KafkaBroker broker;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBroker.start();
    broker.createTopic(KafkaDemo.IN, 1);
    broker.createTopic(KafkaDemo.OUT, 1);
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @Test
  void sigtermWithRecordsInFlightFinishesAndCommitsThemAndTheGroupGetsExactlyTheRest()
      throws Exception {
    broker.send(KafkaDemo.IN, 0, KafkaBroker.keyValues("r", RECORDS, "1500"));
    DemoProcess demo = DemoProcess.start(broker.bootstrap());
    try {
      demo.awaitLine("kafka-demo started r0");

      // SIGTERM through the handle: Process.destroy() would also close our end of its output.
      assertThat(demo.process.toHandle().destroy()).isTrue();

      assertThat(demo.process.waitFor(30, SECONDS)).as("the demo exits after the drain").isTrue();
      long exitedAt = System.nanoTime();
      assertThat(demo.process.exitValue()).isEqualTo(143); // 128 + SIGTERM, after the hooks
      demo.reader.join(10_000);
      Line drained = demo.find("drain4j DRAINED after");
      assertThat(drained.text).doesNotContain("forced");
      Duration exit = Duration.ofNanos(exitedAt - drained.nanos);
      System.out.println("kafka-demo exited " + exit.toMillis() + " ms after DRAINED");
      assertThat(exit).as("exit within 1 s of DRAINED").isLessThan(Duration.ofSeconds(1));

      List<String> started = demo.keysAfter("kafka-demo started ");
      List<String> done = demo.keysAfter("kafka-demo done ");
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
      demo.process.destroyForcibly();
    }
  }

  private static List<String> keys(int from, int to) {
    return KafkaBroker.keys("r", from, to);
  }

  /** A line of the demo's output and when this JVM read it. */
  private record Line(String text, long nanos) {}

  /** The demo jar running in a child JVM, with its output collected line by line. */
  private static final class DemoProcess {
    final Process process;
    final List<Line> output = new CopyOnWriteArrayList<>();
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final Thread reader;

    private DemoProcess(Process process) {
      this.process = process;
      reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line = r.readLine(); line != null; line = r.readLine()) {
                    output.add(new Line(line, System.nanoTime()));
                    lines.add(line);
                  }
                } catch (IOException e) {
                  // the process is gone
                }
              },
              "demo-output");
      reader.setDaemon(true);
    }

    static DemoProcess start(String bootstrap) throws Exception {
      Path jar = Path.of("target", "kafka-demo.jar");
      assertThat(jar).exists();
      ProcessBuilder pb =
          new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-jar",
              jar.toString());
      pb.environment().put("KAFKA_BOOTSTRAP", bootstrap);
      pb.environment().put("DRAIN4J_STATUS_PORT", "0");
      // A long propagation delay: the consumer must not wait for it (no Service endpoint).
      pb.environment().put("DRAIN4J_PROPAGATION_DELAY", "1s");
      pb.environment().put("DRAIN4J_DEADLINE", "20s");
      pb.redirectErrorStream(true);
      DemoProcess demo = new DemoProcess(pb.start());
      demo.reader.start();
      demo.awaitLine("kafka-demo consuming demo.in");
      return demo;
    }

    /** Waits at most 30 s for a line containing {@code text}, and returns it. */
    String awaitLine(String text) throws InterruptedException {
      long end = System.nanoTime() + SECONDS.toNanos(30);
      for (String line;
          (line = lines.poll(Math.max(1, end - System.nanoTime()), NANOSECONDS)) != null; ) {
        if (line.contains(text)) {
          return line;
        }
      }
      throw new AssertionError("no line with \"" + text + "\" within 30 s: " + output);
    }

    Line find(String text) {
      return output.stream()
          .filter(l -> l.text.contains(text))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no line with \"" + text + "\" in " + output));
    }

    List<String> keysAfter(String prefix) {
      List<String> keys = new ArrayList<>();
      for (Line l : output) {
        int i = l.text.indexOf(prefix);
        if (i >= 0) {
          keys.add(l.text.substring(i + prefix.length()).trim());
        }
      }
      return keys;
    }
  }
}

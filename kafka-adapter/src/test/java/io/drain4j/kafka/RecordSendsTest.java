package io.drain4j.kafka;

import static io.drain4j.kafka.KafkaConsumerDrainTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainStatus;
import io.drain4j.kafka.testing.KafkaBroker;
import io.drain4j.kafka.testing.LogCapture;
import io.drain4j.kafka.testing.Member;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The results a handler sends through a tracked producer, without waiting for them, belong to its
 * record: the record's commit waits for their acknowledgement, and a send that fails fails the
 * record. Against a real KRaft broker; the producer's acknowledgements are held back by a producer
 * interceptor, Kafka's own seam, which runs on the producer's I/O thread before each callback.
 */
class RecordSendsTest {
  private static final String ACK_GATE = "drain4j.test.ack-gate";

  private static KafkaBroker broker;

  private final Deque<AutoCloseable> cleanup = new ArrayDeque<>();

  /** Opened to let the producer's acknowledgements through. */
  private final CountDownLatch acks = new CountDownLatch(1);

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBroker.start();
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @AfterEach
  void cleanUp() throws Exception {
    acks.countDown(); // a producer's I/O thread still held lets go
    while (!cleanup.isEmpty()) {
      cleanup.pop().close();
    }
  }

  @Test
  void aResultSentWithoutWaitingHoldsItsRecordsCommitUntilItIsAcknowledgedThroughTheDrain()
      throws Exception {
    Pipe pipe = pipe();
    DrainCoordinator drain = coordinator(Duration.ofSeconds(20));
    Producer<String, String> producer = KafkaDrain.producer(drain, "results", producer(Map.of()));
    AtomicInteger acked = new AtomicInteger();
    List<String> commits = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch committing = new CountDownLatch(1);
    TopicPartition in0 = new TopicPartition(pipe.in, 0);
    KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(broker.consumerProps(pipe.group)) {
          @Override
          public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration t) {
            commits.add("up to " + offsets.get(in0).offset() + " with " + acked.get() + " acked");
            committing.countDown();
            super.commitSync(offsets, t);
          }
        };
    consumer.subscribe(List.of(pipe.in));
    broker.send(pipe.in, 0, keyValues(3));
    CountDownLatch handled = new CountDownLatch(1);
    CompletableFuture<Long> loop =
        KafkaDrainTestSupport.runLoop(
            KafkaDrain.consumer(drain, consumer),
            r -> {
              // Not awaited: the send belongs to the record all the same.
              var unused =
                  producer.send(
                      pipe.result(r),
                      (metadata, e) -> {
                        if (e == null) {
                          acked.incrementAndGet();
                        }
                      });
              handled.countDown();
            });
    await(handled);
    drain.startDrain();

    // The handlers returned long ago; the results are held by the broker's missing answer.
    assertThat(committing.await(1, TimeUnit.SECONDS))
        .as("a commit while the results are not acknowledged: %s", commits)
        .isFalse();
    acks.countDown();
    loop.get(30, TimeUnit.SECONDS);

    // One commit, made once every result of the records it covers was acknowledged.
    long n = broker.committed(pipe.group, in0);
    assertThat(n).isPositive();
    assertThat(commits).containsExactly("up to " + n + " with " + n + " acked");
    DrainStatus status = drain.whenDrained().get(30, TimeUnit.SECONDS);
    assertThat(status.forced()).isFalse();
    assertThat(pipe.awaitResults((int) n)).containsExactlyElementsOf(keys(0, (int) n));
  }

  @Test
  void aSendThatFailsAfterItsHandlerReturnedFailsTheRecordWhichIsProcessedAgain() throws Exception {
    Pipe pipe = pipe();
    DrainCoordinator drain = coordinator(Duration.ofSeconds(20));
    // A result larger than max.request.size is refused by the producer, through its callback.
    Producer<String, String> producer =
        KafkaDrain.producer(
            drain, "results", producer(Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1024)));
    KafkaConsumer<String, String> consumer = pipe.consumer(1);
    AtomicInteger attempts = new AtomicInteger();
    CountDownLatch secondAttempt = new CountDownLatch(1);
    CompletableFuture<Long> loop;
    acks.countDown(); // nothing is held back here
    try (LogCapture log = new LogCapture()) {
      loop =
          KafkaDrainTestSupport.runLoop(
              KafkaDrain.consumer(drain, consumer).retryBackoff(Duration.ofMillis(50)),
              r -> {
                boolean first = attempts.incrementAndGet() == 1;
                String result = first ? "x".repeat(4096) : r.key() + ":done";
                var unused = producer.send(new ProducerRecord<>(pipe.out, r.key(), result));
                if (!first) {
                  secondAttempt.countDown();
                }
              });
      await(secondAttempt);
      assertThat(log.text())
          .contains("processing kafka " + pipe.in + "-0@0 failed")
          .contains("RecordTooLargeException");
    }
    drain.startDrain();
    loop.get(30, TimeUnit.SECONDS);

    assertThat(attempts).hasValue(2);
    assertThat(pipe.committed()).isEqualTo(1);
    assertThat(pipe.awaitResults(1)).containsExactly("k0");
  }

  @Test
  void aRecordWhoseResultIsNotAcknowledgedWithinTheSendTimeoutIsProcessedAgain() throws Exception {
    Pipe pipe = pipe();
    DrainCoordinator drain = coordinator(Duration.ofSeconds(20));
    Producer<String, String> producer = KafkaDrain.producer(drain, "results", producer(Map.of()));
    KafkaConsumer<String, String> consumer = pipe.consumer(1);
    AtomicInteger attempts = new AtomicInteger();
    CountDownLatch secondAttempt = new CountDownLatch(1);
    CompletableFuture<Long> loop;
    try (LogCapture log = new LogCapture()) {
      loop =
          KafkaDrainTestSupport.runLoop(
              KafkaDrain.consumer(drain, consumer)
                  .sendTimeout(Duration.ofSeconds(1))
                  .retryBackoff(Duration.ofMillis(50)),
              r -> {
                var unused = producer.send(pipe.result(r));
                if (attempts.incrementAndGet() == 2) {
                  secondAttempt.countDown();
                }
              });
      await(secondAttempt); // only after the first attempt's send was given up on
      acks.countDown();
      assertThat(log.text())
          .contains("processing kafka " + pipe.in + "-0@0 failed")
          .contains("not acknowledged within PT1S");
    }
    drain.startDrain();
    loop.get(30, TimeUnit.SECONDS);

    assertThat(pipe.committed()).isEqualTo(1);
    // At-least-once: the first result was only late, so it is there twice.
    assertThat(pipe.awaitResults(2)).containsExactly("k0", "k0");
  }

  @Test
  void aForcedDrainLeavesARecordWhoseResultIsNotAcknowledgedToTheGroup() throws Exception {
    Pipe pipe = pipe();
    DrainCoordinator drain = coordinator(Duration.ofMillis(1500));
    Producer<String, String> producer = KafkaDrain.producer(drain, "results", producer(Map.of()));
    KafkaConsumer<String, String> consumer = pipe.consumer(1);
    CountDownLatch handled = new CountDownLatch(1);
    try (LogCapture log = new LogCapture()) {
      var unusedLoop =
          KafkaDrainTestSupport.runLoop(
              KafkaDrain.consumer(drain, consumer),
              r -> {
                var unused = producer.send(pipe.result(r));
                handled.countDown();
              });
      await(handled);
      drain.startDrain();

      DrainStatus status = drain.whenDrained().get(30, TimeUnit.SECONDS);

      assertThat(status.forced()).isTrue();
      assertThat(pipe.committed()).isEqualTo(-1);
      assertThat(log.text())
          .contains("forced drain of Kafka consumer group " + pipe.group)
          .contains("committed nothing more")
          .contains(pipe.in + "-0@0 (handled, 1 send(s) not acknowledged)");
    }
    Member next = member(pipe.group, pipe.in);
    assertThat(next.awaitKeys(1)).containsExactly("k0");
  }

  @Test
  void aTaskBoundToItsRecordHoldsTheCommitUntilItRanAndItsSendsWereAcknowledged() throws Exception {
    Pipe pipe = pipe();
    DrainCoordinator drain = coordinator(Duration.ofSeconds(20));
    ExecutorService pool = Executors.newSingleThreadExecutor();
    cleanup.push(pool::shutdownNow);
    Producer<String, String> producer = KafkaDrain.producer(drain, "results", producer(Map.of()));
    CountDownLatch taskMayRun = new CountDownLatch(1);
    AtomicInteger sent = new AtomicInteger();
    CountDownLatch committing = new CountDownLatch(1);
    KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(broker.consumerProps(pipe.group)) {
          @Override
          public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration t) {
            committing.countDown();
            super.commitSync(offsets, t);
          }
        };
    consumer.subscribe(List.of(pipe.in));
    broker.send(pipe.in, 0, keyValues(1));
    CountDownLatch handed = new CountDownLatch(1);
    CompletableFuture<Long> loop = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              // The stage returned is done at once: only the bound task holds the commit.
              KafkaDrain.consumer(drain, consumer)
                  .processAsync(
                      r -> {
                        pool.execute(
                            KafkaDrain.withCurrentRecord(
                                () -> {
                                  await(taskMayRun);
                                  var unused = producer.send(pipe.result(r));
                                  sent.incrementAndGet();
                                }));
                        handed.countDown();
                        return CompletableFuture.completedFuture(null);
                      });
              loop.complete(System.nanoTime());
            });
    t.setDaemon(true);
    t.start();
    await(handed);
    drain.startDrain();

    assertThat(committing.await(1, TimeUnit.SECONDS)).as("a commit before the task ran").isFalse();
    taskMayRun.countDown();
    assertThat(committing.await(1, TimeUnit.SECONDS))
        .as("a commit before the task's send was acknowledged")
        .isFalse();
    acks.countDown();
    loop.get(30, TimeUnit.SECONDS);

    assertThat(sent).hasValue(1);
    assertThat(pipe.committed()).isEqualTo(1);
    assertThat(pipe.awaitResults(1)).containsExactly("k0");
  }

  // ------------------------------------------------------------------ helpers

  private DrainCoordinator coordinator(Duration deadline) {
    DrainCoordinator c =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(false)
            .propagationDelay(Duration.ofMillis(100))
            .deadline(deadline)
            .build();
    cleanup.push(c);
    return c;
  }

  /** A real producer whose acknowledgements wait for {@link #acks}. */
  private KafkaProducer<String, String> producer(Map<String, Object> extra) {
    Map<String, Object> p = new HashMap<>(extra);
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    p.put(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, AckGate.class.getName());
    p.put(ACK_GATE, acks);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    KafkaProducer<String, String> producer = new KafkaProducer<>(p);
    cleanup.push(() -> producer.close(Duration.ofSeconds(5)));
    return producer;
  }

  private Pipe pipe() throws Exception {
    return new Pipe(broker.newTopic("in", 1), broker.newTopic("out", 1), "g-" + UUID.randomUUID());
  }

  /** New topics for the records and their results, and a new group. */
  private final class Pipe {
    final String in;
    final String out;
    final String group;

    Pipe(String in, String out, String group) {
      this.in = in;
      this.out = out;
      this.group = group;
    }

    /** A consumer of the group subscribed to {@code in}, which holds {@code n} records. */
    KafkaConsumer<String, String> consumer(int n) throws Exception {
      KafkaConsumer<String, String> consumer = broker.consumer(group);
      consumer.subscribe(List.of(in));
      broker.send(in, 0, keyValues(n));
      return consumer;
    }

    ProducerRecord<String, String> result(ConsumerRecord<String, String> record) {
      return new ProducerRecord<>(out, record.key(), record.key() + ":done");
    }

    long committed() throws Exception {
      return broker.committed(group, new TopicPartition(in, 0));
    }

    /** The keys of the first {@code n} results (and of any duplicate right behind them). */
    List<String> awaitResults(int n) throws InterruptedException {
      return member("reader-" + UUID.randomUUID(), out).awaitKeys(n);
    }
  }

  private Member member(String group, String topic) {
    Member m = Member.start(broker, group, topic);
    cleanup.push(m);
    return m;
  }

  private static List<String> keys(int from, int to) {
    return KafkaBroker.keys("k", from, to);
  }

  private static String[] keyValues(int n) {
    return KafkaBroker.keyValues("k", n, "0");
  }

  /**
   * Holds every acknowledgement (and failure) of its producer, on the producer's I/O thread, until
   * the latch given under {@link #ACK_GATE} opens: the callbacks run only after it.
   */
  public static final class AckGate implements ProducerInterceptor<String, String> {
    private CountDownLatch gate;

    /** Created by the producer. */
    public AckGate() {}

    @Override
    public void configure(Map<String, ?> configs) {
      gate = (CountDownLatch) configs.get(ACK_GATE);
    }

    @Override
    public ProducerRecord<String, String> onSend(ProducerRecord<String, String> record) {
      return record;
    }

    @Override
    public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
      await(gate);
    }

    @Override
    public void close() {}
  }
}

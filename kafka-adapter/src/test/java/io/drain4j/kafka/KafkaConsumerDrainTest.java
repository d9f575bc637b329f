package io.drain4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import io.drain4j.DrainStatus;
import io.drain4j.DrainedException;
import io.drain4j.kafka.testing.KafkaBroker;
import io.drain4j.kafka.testing.LogCapture;
import io.drain4j.kafka.testing.Member;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The consumer loop and the tracked producer against a real KRaft broker in this JVM. */
class KafkaConsumerDrainTest {
  private static KafkaBroker broker;

  private final Deque<AutoCloseable> cleanup = new ArrayDeque<>();
  private final CountDownLatch gate = new CountDownLatch(1);

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBroker.start();
    // A service commits after every batch long before it is drained; the forced close's 80 ms
    // commit must not be the first commit of this JVM, which loads and links Kafka's commit path
    // (on a loaded 2-core machine that alone took longer than the step).
    String topic = broker.newTopic("warm", 1);
    TopicPartition p = new TopicPartition(topic, 0);
    try (KafkaConsumer<String, String> c = broker.consumer("warm-" + UUID.randomUUID())) {
      c.assign(List.of(p));
      c.commitSync(Map.of(p, new OffsetAndMetadata(0)), Duration.ofSeconds(30));
    }
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @AfterEach
  void cleanUp() throws Exception {
    gate.countDown(); // a handler still blocked lets go
    while (!cleanup.isEmpty()) {
      cleanup.pop().close();
    }
  }

  @Test
  void recordsBeingProcessedWhenTheDrainStartsFinishAreCommittedAndTheGroupGetsExactlyTheRest()
      throws Exception {
    String topic = broker.newTopic("in", 1);
    String group = "g-" + UUID.randomUUID();
    DrainCoordinator drain = coordinator(Duration.ofSeconds(3), Duration.ofSeconds(20));
    // All ten records are there before A polls, so A's polls hand them out three at a time:
    // k3, k4 and k5 are the batch in hand when k4 blocks.
    broker.send(topic, 0, keyValues(10));
    // A static member (group.instance.id, as pods often use): only an explicit LEAVE_GROUP makes
    // its close hand the partitions over before session.timeout.ms (45 s).
    Properties props = broker.consumerProps(group);
    String client = "pod-a-" + UUID.randomUUID();
    props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, client);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, client);
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 3);
    props.put(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG, PolledKeys.class.getName());
    KafkaConsumer<String, String> a = new KafkaConsumer<>(props);
    a.subscribe(List.of(topic));
    CountDownLatch k4Started = new CountDownLatch(1);
    List<String> processedByA = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Long> aDone =
        run(
            drain,
            a,
            r -> {
              if (r.key().equals("k4")) {
                k4Started.countDown();
                await(gate);
              }
              processedByA.add(r.key());
            });
    await(k4Started);
    // B asks to join while A works on k4; the group can only rebalance once A leaves it.
    Member b = member(group, topic);

    drain.startDrain();
    gate.countDown();
    long closedAt = aDone.get(30, TimeUnit.SECONDS);

    // No propagation delay for a consumer: it stopped, finished, committed and left meanwhile.
    assertThat(drain.state()).isEqualTo(DrainState.DRAINING);
    // Every record A had received was processed (k5 too, which had not started when the drain
    // did) and committed; nothing was fetched after the drain started.
    assertThat(processedByA)
        .containsExactlyElementsOf(PolledKeys.of(client))
        .containsExactly("k0", "k1", "k2", "k3", "k4", "k5");
    int n = processedByA.size();
    assertThat(broker.committed(group, new TopicPartition(topic, 0))).isEqualTo(n);
    long reassignedMs =
        TimeUnit.NANOSECONDS.toMillis(b.firstPartition().get(45, TimeUnit.SECONDS) - closedAt);
    System.out.println("partition reassigned " + reassignedMs + " ms after the consumer closed");
    assertThat(reassignedMs).isLessThan(10_000); // session.timeout.ms is 45 s
    assertThat(b.awaitKeys(10 - n)).containsExactlyElementsOf(keys(n, 10));
    assertThat(drain.awaitDrained(Duration.ofSeconds(10))).isTrue();
    assertThat(drain.status().forced()).isFalse();
  }

  @Test
  void theDrainEndsAPollInProgressAtOnce() throws Exception {
    String topic = broker.newTopic("idle", 1);
    DrainCoordinator drain = coordinator(Duration.ofSeconds(3), Duration.ofSeconds(20));
    KafkaConsumer<String, String> consumer = broker.consumer("g-" + UUID.randomUUID());
    CountDownLatch assigned = new CountDownLatch(1);
    consumer.subscribe(List.of(topic), onAssigned(assigned));
    CompletableFuture<Long> done = new CompletableFuture<>();
    Thread loop =
        new Thread(
            () -> {
              KafkaDrain.consumer(drain, consumer)
                  .pollTimeout(Duration.ofMinutes(1))
                  .process(r -> {});
              done.complete(System.nanoTime());
            });
    loop.start();
    await(assigned); // the loop is now in a poll that would wait a minute for a record

    drain.startDrain();

    done.get(30, TimeUnit.SECONDS);
    assertThat(drain.state()).isEqualTo(DrainState.DRAINING);
  }

  @Test
  void resultsSentWhileProcessingAreAcknowledgedBeforeTheProducerClosesAfterTheConsumerLeft()
      throws Exception {
    String in = broker.newTopic("in", 1);
    String out = broker.newTopic("out", 1);
    String group = "g-" + UUID.randomUUID();
    DrainCoordinator drain = coordinator(Duration.ofMillis(100), Duration.ofSeconds(20));
    AtomicInteger sent = new AtomicInteger();
    AtomicInteger acked = new AtomicInteger();
    CompletableFuture<Void> consumerClosed = new CompletableFuture<>();
    ObservedProducer observed = new ObservedProducer(acked, consumerClosed);
    Producer<String, String> producer = KafkaDrain.producer(drain, "results", observed);
    KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(broker.consumerProps(group)) {
          @Override
          public void close(CloseOptions options) {
            super.close(options);
            consumerClosed.complete(null);
          }
        };
    consumer.subscribe(List.of(in));
    CountDownLatch k2Started = new CountDownLatch(1);
    broker.send(in, 0, keyValues(5));
    var unusedLoop =
        run(
            drain,
            consumer,
            r -> {
              if (r.key().equals("k2")) {
                k2Started.countDown();
                await(gate);
              }
              sent.incrementAndGet();
              // Not awaited: the record's commit, and so the drain, wait for the acknowledgement.
              var unused =
                  producer.send(
                      new ProducerRecord<>(out, r.key(), r.key() + ":done"),
                      (metadata, e) -> {
                        if (e == null) {
                          acked.incrementAndGet();
                        }
                      });
            });
    await(k2Started);
    drain.startDrain();
    gate.countDown();

    DrainStatus status = drain.whenDrained().get(30, TimeUnit.SECONDS);

    assertThat(status.forced()).isFalse();
    // Every result of the records processed (at least k0 to k2) was acknowledged before the
    // producer was closed, and the consumer had left its group by then.
    int results = sent.get();
    assertThat(results).isGreaterThanOrEqualTo(3);
    assertThat(observed.ackedAtClose).isEqualTo(results);
    assertThat(observed.consumerClosedAtClose).isTrue();
    assertThatThrownBy(() -> producer.send(new ProducerRecord<>(out, "late", "x")))
        .isInstanceOf(DrainedException.class)
        .hasMessageContaining("results");
    Member reader = member("reader-" + UUID.randomUUID(), out);
    assertThat(reader.awaitKeys(results)).containsExactlyElementsOf(keys(0, results));
  }

  @Test
  void aForcedDrainCommitsWhatFinishedAndTheReportNamesWhatTheGroupWillProcessAgain()
      throws Exception {
    String topic = broker.newTopic("in", 1);
    String group = "g-" + UUID.randomUUID();
    DrainCoordinator drain = coordinator(Duration.ofMillis(100), Duration.ofMillis(1500));
    KafkaConsumer<String, String> consumer = broker.consumer(group);
    consumer.subscribe(List.of(topic));
    CountDownLatch k2Started = new CountDownLatch(1);
    broker.send(topic, 0, keyValues(5));
    try (LogCapture log = new LogCapture()) {
      CompletableFuture<Long> loopDone =
          KafkaDrainTestSupport.runLoop(
              KafkaDrain.consumer(drain, consumer).forcedStep(FORCED_STEP),
              r -> {
                if (r.key().equals("k2")) {
                  k2Started.countDown();
                  await(gate); // blocks past the deadline
                }
              });
      await(k2Started);
      drain.startDrain();

      DrainStatus status = drain.whenDrained().get(30, TimeUnit.SECONDS);

      assertThat(status.forced()).isTrue();
      assertThat(loopDone).isNotDone(); // its handler still blocks
      String report = awaitForcedReport(log, group);
      assertThat(broker.committed(group, new TopicPartition(topic, 0))).isEqualTo(2);
      assertThat(report)
          .contains("committed " + topic + "-0 up to offset 2")
          .contains(topic + "-0@2 (processing for ")
          .contains(topic + "-0@3 (not started)")
          .contains(topic + "-0@4 (not started)");
    }
    Member next = member(group, topic);
    assertThat(next.awaitKeys(3)).containsExactly("k2", "k3", "k4");
  }

  @Test
  void aHandlerThatThrowsDoesNotLoseItsRecordWhichIsProcessedAgainInOrder() throws Exception {
    String topic = broker.newTopic("in", 1);
    String group = "g-" + UUID.randomUUID();
    DrainCoordinator drain = coordinator(Duration.ofMillis(100), Duration.ofSeconds(20));
    KafkaConsumer<String, String> consumer = broker.consumer(group);
    consumer.subscribe(List.of(topic));
    List<String> processed = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch allDone = new CountDownLatch(1);
    AtomicBoolean failedOnce = new AtomicBoolean();
    broker.send(topic, 0, keyValues(4));
    CompletableFuture<Long> done;
    try (LogCapture log = new LogCapture()) {
      done =
          KafkaDrainTestSupport.runLoop(
              KafkaDrain.consumer(drain, consumer).retryBackoff(Duration.ofMillis(50)),
              r -> {
                if (r.key().equals("k1") && failedOnce.compareAndSet(false, true)) {
                  throw new IllegalStateException("first attempt fails");
                }
                processed.add(r.key());
                if (r.key().equals("k3")) {
                  allDone.countDown();
                }
              });
      await(allDone);
      assertThat(log.text()).contains("processing kafka " + topic + "-0@1 failed");
    }
    drain.startDrain();
    done.get(30, TimeUnit.SECONDS);

    assertThat(processed).containsExactly("k0", "k1", "k2", "k3");
    assertThat(broker.committed(group, new TopicPartition(topic, 0))).isEqualTo(4);
  }

  @Test
  void processingOnATrackedExecutorIsAwaitedBeforeTheCommitThatCoversIt() throws Exception {
    String topic = broker.newTopic("in", 1);
    String group = "g-" + UUID.randomUUID();
    DrainCoordinator drain = coordinator(Duration.ofMillis(100), Duration.ofSeconds(20));
    ExecutorService pool = drain.trackExecutorService(Executors.newFixedThreadPool(5));
    cleanup.push(pool::shutdownNow);
    KafkaConsumer<String, String> consumer = broker.consumer(group);
    consumer.subscribe(List.of(topic));
    CountDownLatch started = new CountDownLatch(1);
    List<String> finished = Collections.synchronizedList(new ArrayList<>());
    broker.send(topic, 0, keyValues(5));
    CompletableFuture<Long> done = new CompletableFuture<>();
    Thread loop =
        new Thread(
            () -> {
              KafkaDrain.consumer(drain, consumer)
                  .processAsync(
                      r ->
                          CompletableFuture.runAsync(
                              () -> {
                                started.countDown();
                                await(gate);
                                finished.add(r.key());
                              },
                              pool));
              done.complete(System.nanoTime());
            });
    loop.start();
    await(started);
    drain.startDrain();
    gate.countDown();

    done.get(30, TimeUnit.SECONDS);

    // Every task of the batch in hand ran to its end after the drain started, and only then was
    // the batch committed: a commit that did not wait would have found them unfinished.
    int n = finished.size();
    assertThat(n).isPositive();
    assertThat(finished).containsExactlyInAnyOrderElementsOf(keys(0, n));
    assertThat(broker.committed(group, new TopicPartition(topic, 0))).isEqualTo(n);
    assertThat(drain.awaitDrained(Duration.ofSeconds(10))).isTrue();
    assertThat(drain.status().forced()).isFalse();
  }

  @Test
  void aForcedDrainCommitsTheExecutorTasksThatFinishedBeforeTheFirstThatDidNot() throws Exception {
    String topic = broker.newTopic("in", 1);
    String group = "g-" + UUID.randomUUID();
    DrainCoordinator drain = coordinator(Duration.ofMillis(100), Duration.ofMillis(1500));
    ExecutorService pool = drain.trackExecutorService(Executors.newFixedThreadPool(5));
    cleanup.push(pool::shutdownNow);
    KafkaConsumer<String, String> consumer = broker.consumer(group);
    consumer.subscribe(List.of(topic));
    CountDownLatch othersDone = new CountDownLatch(4);
    broker.send(topic, 0, keyValues(5));
    try (LogCapture log = new LogCapture()) {
      Thread loop =
          new Thread(
              () ->
                  KafkaDrain.consumer(drain, consumer)
                      .forcedStep(FORCED_STEP)
                      .processAsync(
                          r ->
                              CompletableFuture.runAsync(
                                  () -> {
                                    if (r.key().equals("k1")) {
                                      await(gate); // blocks past the deadline
                                    } else {
                                      othersDone.countDown();
                                    }
                                  },
                                  pool)));
      loop.setDaemon(true);
      loop.start();
      await(othersDone);
      drain.startDrain();

      assertThat(drain.whenDrained().get(30, TimeUnit.SECONDS).forced()).isTrue();

      // k0 finished and is committed; k2 to k4 finished too, but after k1, which did not.
      String report = awaitForcedReport(log, group);
      assertThat(broker.committed(group, new TopicPartition(topic, 0))).isEqualTo(1);
      assertThat(report)
          .contains("committed " + topic + "-0 up to offset 1")
          .contains(topic + "-0@1 (processing for ")
          .contains(topic + "-0@2 (finished after an earlier record that did not)");
    }
    Member next = member(group, topic);
    assertThat(next.awaitKeys(4)).containsExactly("k1", "k2", "k3", "k4");
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Each step of the forced close in the forced-drain tests. Its 80 ms default fits the JVM hook's
   * wait, but a broker on a loaded 2-core machine does not always answer a commit in 80 ms (seen:
   * "Timeout of 80ms expired before successfully committing offsets"), and these tests are about
   * what is committed and reported, not about how fast.
   */
  private static final Duration FORCED_STEP = Duration.ofSeconds(10);

  /**
   * Waits for the forced close's WARN report and returns the log by then. DRAINED's future does not
   * wait for it: the core completes it once its listeners returned or 250 ms after DRAINED,
   * whichever comes first, and the forced close is such a listener.
   */
  private static String awaitForcedReport(LogCapture log, String group) throws Exception {
    return log.awaitLineContaining(
        "forced drain of Kafka consumer group " + group + ": committed", Duration.ofSeconds(30));
  }

  private DrainCoordinator coordinator(Duration propagationDelay, Duration deadline) {
    DrainCoordinator c =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(false)
            .propagationDelay(propagationDelay)
            .deadline(deadline)
            .build();
    cleanup.push(c);
    return c;
  }

  private Member member(String group, String topic) {
    Member m = Member.start(broker, group, topic);
    cleanup.push(m);
    return m;
  }

  private static CompletableFuture<Long> run(
      DrainCoordinator drain,
      KafkaConsumer<String, String> consumer,
      KafkaDrain.RecordHandler<String, String> handler) {
    return KafkaDrainTestSupport.runLoop(KafkaDrain.consumer(drain, consumer), handler);
  }

  private static List<String> keys(int from, int to) {
    return KafkaBroker.keys("k", from, to);
  }

  private static String[] keyValues(int n) {
    return KafkaBroker.keyValues("k", n, "0");
  }

  private static ConsumerRebalanceListener onAssigned(CountDownLatch latch) {
    return new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty()) {
          latch.countDown();
        }
      }
    };
  }

  static void await(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new AssertionError("not reached within 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * A real producer that notes, when the drain closes it, how many sends had been acknowledged and
   * whether the consumer had been closed; it lingers 2 s, so that the sends stay pending well after
   * their handlers returned.
   */
  private static final class ObservedProducer extends KafkaProducer<String, String> {
    private final AtomicInteger acked;
    private final CompletableFuture<Void> consumerClosed;
    volatile int ackedAtClose = -1;
    volatile boolean consumerClosedAtClose;

    ObservedProducer(AtomicInteger acked, CompletableFuture<Void> consumerClosed) {
      super(props());
      this.acked = acked;
      this.consumerClosed = consumerClosed;
    }

    private static Properties props() {
      Properties p = new Properties();
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
      p.put(ProducerConfig.LINGER_MS_CONFIG, 2000); // longer than the consumer takes to leave
      p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
      p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
      return p;
    }

    @Override
    public void close(Duration timeout) {
      if (ackedAtClose < 0) {
        ackedAtClose = acked.get();
        consumerClosedAtClose = consumerClosed.isDone();
      }
      super.close(timeout);
    }
  }
}

package io.drain4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * A commit that fails (the group coordinator moving during a broker's rolling restart) must not
 * make the loop skip the records it had to process again. Kafka's {@link MockConsumer} stands in
 * for the broker here, a narrow seam: the failure it injects is one a real broker gives only by
 * chance.
 */
class CommitFailureTest {

  @Test
  void aRecordWhoseHandlerFailedIsProcessedAgainEvenWhenTheCommitAfterItFails() throws Exception {
    DrainCoordinator drain =
        DrainCoordinator.builder().statusEnabled(false).shutdownHook(false).build();
    TopicPartition p0 = new TopicPartition("t", 0);
    TopicPartition p1 = new TopicPartition("t", 1);
    AtomicInteger commits = new AtomicInteger();
    Map<TopicPartition, OffsetAndMetadata> committed =
        new java.util.concurrent.ConcurrentHashMap<>();
    List<ConsumerRecord<String, String>> log =
        List.of(
            new ConsumerRecord<>("t", 0, 0, "k", "a"),
            new ConsumerRecord<>("t", 0, 1, "k", "b"),
            new ConsumerRecord<>("t", 1, 0, "k", "c"));
    MockConsumer<String, String> consumer =
        new MockConsumer<>("earliest") {
          @Override
          public synchronized void commitSync(
              Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
            if (commits.incrementAndGet() == 1) {
              throw new TimeoutException("the group coordinator is not available");
            }
            super.commitSync(offsets, timeout);
            committed.putAll(offsets);
          }

          @Override
          public synchronized void seek(TopicPartition partition, OffsetAndMetadata offset) {
            super.seek(partition, offset);
            // A broker serves a partition again from any offset; MockConsumer forgets what it
            // handed out, so the log is offered again from the seek on.
            for (ConsumerRecord<String, String> r : log) {
              if (r.partition() == partition.partition() && r.offset() >= offset.offset()) {
                addRecord(r);
              }
            }
          }
        };
    consumer.assign(List.of(p0, p1));
    consumer.updateBeginningOffsets(Map.of(p0, 0L, p1, 0L));
    for (ConsumerRecord<String, String> r : log) {
      consumer.addRecord(r);
    }
    AtomicInteger attemptsOfFirst = new AtomicInteger();
    CountDownLatch retried = new CountDownLatch(1);
    var loop =
        KafkaDrainTestSupport.runLoop(
            KafkaDrain.consumer(drain, consumer).retryBackoff(Duration.ofMillis(10)),
            r -> {
              if (r.partition() == 0 && r.offset() == 0) {
                if (attemptsOfFirst.getAndIncrement() == 0) {
                  throw new IllegalStateException("the first attempt fails");
                }
                retried.countDown();
              }
            });
    try {
      // Before the fix the failed commit also skipped the rewind: p0 went on at offset 2, and
      // p0@0 (failed) and p0@1 (never processed) were committed by the next commit.
      assertThat(retried.await(10, TimeUnit.SECONDS))
          .as("p0@0 failed once and is processed again")
          .isTrue();
    } finally {
      drain.startDrain();
      loop.get(10, TimeUnit.SECONDS);
      drain.close();
    }
    // Both records of p0 were processed, then committed, by the drain's commit at the latest.
    assertThat(committed.get(p0).offset()).isEqualTo(2L);
  }
}

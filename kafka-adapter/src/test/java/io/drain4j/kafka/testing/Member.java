package io.drain4j.kafka.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Another member of a consumer group, polling on a thread of its own: records what it receives and
 * when partitions were assigned to it. It never commits.
 */
public final class Member implements AutoCloseable {
  private final KafkaConsumer<String, String> consumer;
  private final List<String> keys = new ArrayList<>();
  private final CountDownLatch joined = new CountDownLatch(1);
  private final CompletableFuture<Long> firstPartitionNanos = new CompletableFuture<>();
  private final Thread thread;

  private Member(KafkaBroker broker, String group, String topic) {
    consumer = broker.consumer(group);
    consumer.subscribe(
        List.of(topic),
        new ConsumerRebalanceListener() {
          @Override
          public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

          @Override
          public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            joined.countDown();
            if (!partitions.isEmpty()) {
              firstPartitionNanos.complete(System.nanoTime());
            }
          }
        });
    thread = new Thread(this::run, "member-" + group);
  }

  /**
   * Starts a member of {@code group} subscribed to {@code topic}.
   *
   * @param broker the broker
   * @param group the group
   * @param topic the topic
   * @return the running member
   */
  public static Member start(KafkaBroker broker, String group, String topic) {
    Member m = new Member(broker, group, topic);
    m.thread.start();
    return m;
  }

  private void run() {
    try {
      while (true) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
          synchronized (keys) {
            keys.add(r.key());
            keys.notifyAll();
          }
        }
      }
    } catch (WakeupException e) {
      // closed by the test
    } finally {
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
  }

  /**
   * Waits until the member completed its first rebalance (with or without partitions).
   *
   * @throws InterruptedException when interrupted
   */
  public void awaitJoined() throws InterruptedException {
    if (!joined.await(30, TimeUnit.SECONDS)) {
      throw new AssertionError("the member did not join its group within 30 s");
    }
  }

  /**
   * When the first partition was assigned to this member.
   *
   * @return the {@link System#nanoTime()} of the assignment, completed once
   */
  public CompletableFuture<Long> firstPartition() {
    return firstPartitionNanos;
  }

  /**
   * Waits until the member received {@code count} records, then a little longer for any extra one
   * that is already on its way, and answers the keys it received.
   *
   * @param count how many records to wait for
   * @return the keys received, in order
   * @throws InterruptedException when interrupted
   */
  public List<String> awaitKeys(int count) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    synchronized (keys) {
      while (keys.size() < count && System.nanoTime() < end) {
        keys.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
      }
      // A record processed twice would come right after the others, in the same fetch or the
      // next one: give it one more poll interval to show up.
      long extra = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
      while (keys.size() == count && System.nanoTime() < extra) {
        keys.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(extra - System.nanoTime())));
      }
      return new ArrayList<>(keys);
    }
  }

  @Override
  public void close() {
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package io.drain4j.kafka;

import io.drain4j.InFlight;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/** A record the loop received, tracked as an inbound unit until it is committed. */
final class PendingRecord<K, V> {
  private static final int WAITING = 0;
  private static final int RUNNING = 1;
  private static final int DONE = 2;
  private static final int FAILED = 3;

  final ConsumerRecord<K, V> record;
  final TopicPartition partition;
  final String name;
  InFlight unit;

  /** Written by the thread that processes the record, read by the forced close. */
  private volatile int state = WAITING;

  private volatile long startNanos;

  PendingRecord(ConsumerRecord<K, V> record) {
    this.record = record;
    this.partition = new TopicPartition(record.topic(), record.partition());
    this.name = "kafka " + partition + "@" + record.offset();
  }

  void start() {
    startNanos = System.nanoTime();
    state = RUNNING;
  }

  void finish() {
    state = DONE;
  }

  void fail() {
    state = FAILED;
  }

  boolean isDone() {
    return state == DONE;
  }

  /** Why the record is not committed, for the reports. */
  String why() {
    return switch (state) {
      case RUNNING ->
          "processing for " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos) + " ms";
      case FAILED -> "failed";
      case DONE -> "finished after an earlier record that did not";
      default -> "not started";
    };
  }
}

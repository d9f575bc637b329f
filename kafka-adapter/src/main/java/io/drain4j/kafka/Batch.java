package io.drain4j.kafka;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainedException;
import io.drain4j.UnitKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The records of one poll, in the order the consumer returned them (offset order per partition).
 */
final class Batch<K, V> {
  final List<PendingRecord<K, V>> records;
  private final Set<TopicPartition> failed = ConcurrentHashMap.newKeySet();

  private Batch(List<PendingRecord<K, V>> records) {
    this.records = records;
  }

  /**
   * Enters one inbound unit per record. Answers {@code null}, with no unit left behind, when the
   * coordinator is drained already (a forced drain).
   */
  static <K, V> Batch<K, V> admit(DrainCoordinator coordinator, ConsumerRecords<K, V> polled) {
    List<PendingRecord<K, V>> records = new ArrayList<>(polled.count());
    Batch<K, V> batch = new Batch<>(records);
    try {
      for (ConsumerRecord<K, V> r : polled) {
        PendingRecord<K, V> p = new PendingRecord<>(r);
        p.unit = coordinator.enter(UnitKind.INBOUND, p.name);
        records.add(p);
      }
    } catch (DrainedException e) {
      batch.exitUnits();
      return null;
    }
    return batch;
  }

  boolean hasFailed(TopicPartition partition) {
    return failed.contains(partition);
  }

  void markFailed(TopicPartition partition) {
    failed.add(partition);
  }

  void exitUnits() {
    for (PendingRecord<K, V> r : records) {
      if (r.unit != null) {
        r.unit.exit();
      }
    }
  }

  List<String> names() {
    return records.stream().map(r -> r.name).collect(Collectors.toList());
  }

  /** What to commit and what to rewind to, from the records' states now. */
  Plan plan() {
    Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
    Map<TopicPartition, OffsetAndMetadata> rewind = new LinkedHashMap<>();
    List<String> redelivered = new ArrayList<>();
    for (PendingRecord<K, V> r : records) {
      Optional<Integer> epoch = r.record.leaderEpoch();
      if (rewind.containsKey(r.partition)) {
        redelivered.add(r.name + " (" + r.why() + ")");
      } else if (r.isDone()) {
        offsets.put(r.partition, new OffsetAndMetadata(r.record.offset() + 1, epoch, ""));
      } else {
        rewind.put(r.partition, new OffsetAndMetadata(r.record.offset(), epoch, ""));
        redelivered.add(r.name + " (" + r.why() + ")");
      }
    }
    return new Plan(offsets, rewind, redelivered);
  }

  /** Offsets as {@code topic-0 up to offset 12}, for the reports. */
  static String describe(Map<TopicPartition, OffsetAndMetadata> offsets) {
    return offsets.entrySet().stream()
        .map(e -> e.getKey() + " up to offset " + e.getValue().offset())
        .collect(Collectors.joining(", "));
  }

  /** The outcome of a batch: offsets to commit, positions to rewind to, records not committed. */
  static final class Plan {
    static final Plan NONE = new Plan(Map.of(), Map.of(), List.of());

    final Map<TopicPartition, OffsetAndMetadata> offsets;
    final Map<TopicPartition, OffsetAndMetadata> rewind;
    final List<String> redelivered;

    Plan(
        Map<TopicPartition, OffsetAndMetadata> offsets,
        Map<TopicPartition, OffsetAndMetadata> rewind,
        List<String> redelivered) {
      this.offsets = offsets;
      this.rewind = rewind;
      this.redelivered = redelivered;
    }
  }
}

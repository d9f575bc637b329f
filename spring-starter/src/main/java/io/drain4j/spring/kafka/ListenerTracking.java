package io.drain4j.spring.kafka;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainedException;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.springframework.kafka.listener.BatchInterceptor;
import org.springframework.kafka.listener.RecordInterceptor;

/**
 * Tracks each listener invocation as an inbound unit, from the container's interceptor call before
 * the listener to the one after it, on the container's consumer thread.
 */
final class ListenerTracking<K, V> implements RecordInterceptor<K, V>, BatchInterceptor<K, V> {
  private final DrainCoordinator coordinator;

  /**
   * The invocation in progress on this consumer thread; static because a consumer thread belongs to
   * one container, whichever factory made it.
   */
  private static final ThreadLocal<InFlight> CURRENT = new ThreadLocal<>();

  ListenerTracking(DrainCoordinator coordinator) {
    this.coordinator = coordinator;
  }

  @Override
  public ConsumerRecord<K, V> intercept(ConsumerRecord<K, V> record, Consumer<K, V> consumer) {
    begin("kafka " + record.topic() + "-" + record.partition() + "@" + record.offset());
    return record;
  }

  @Override
  public void afterRecord(ConsumerRecord<K, V> record, Consumer<K, V> consumer) {
    end();
  }

  @Override
  public ConsumerRecords<K, V> intercept(ConsumerRecords<K, V> records, Consumer<K, V> consumer) {
    begin("kafka batch of " + records.count() + " records");
    return records;
  }

  @Override
  public void success(ConsumerRecords<K, V> records, Consumer<K, V> consumer) {
    end();
  }

  @Override
  public void failure(ConsumerRecords<K, V> records, Exception exception, Consumer<K, V> consumer) {
    end();
  }

  @Override
  public void clearThreadState(Consumer<?, ?> consumer) {
    end(); // the consumer thread ends: nothing it began may hold the drain
  }

  private void begin(String name) {
    end(); // a previous invocation whose end was skipped (another interceptor returned null)
    try {
      CURRENT.set(coordinator.enter(UnitKind.INBOUND, name));
    } catch (DrainedException e) {
      // Drained (forced): the record is processed anyway, untracked; the container stops soon.
    }
  }

  private void end() {
    InFlight unit = CURRENT.get();
    if (unit != null) {
      CURRENT.remove();
      unit.exit();
    }
  }
}

package io.drain4j.kafka;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainedException;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.metrics.KafkaMetric;

/**
 * A producer whose sends are outbound units until their callback ran, registered with the
 * coordinator so that the drain closes it only after the work in flight reached zero. A send made
 * while a consumer loop's record is in process on the calling thread belongs to that record: the
 * record is committed only once the send is acknowledged, and fails if the send does.
 */
final class TrackedProducer<K, V> implements Producer<K, V> {
  private final DrainCoordinator coordinator;
  private final String name;
  private final Producer<K, V> delegate;
  private final Duration closeTimeout;
  private volatile DrainCoordinator.Registration registration;
  private volatile boolean closedByDrain;

  private TrackedProducer(
      DrainCoordinator coordinator, String name, Producer<K, V> delegate, Duration closeTimeout) {
    this.coordinator = coordinator;
    this.name = name;
    this.delegate = delegate;
    this.closeTimeout = closeTimeout;
  }

  static <K, V> TrackedProducer<K, V> register(
      DrainCoordinator coordinator, String name, Producer<K, V> delegate, Duration closeTimeout) {
    TrackedProducer<K, V> p = new TrackedProducer<>(coordinator, name, delegate, closeTimeout);
    p.registration = coordinator.registerOutboundClient("kafka producer " + name, p::closeByDrain);
    return p;
  }

  /** Called by the drain once the work in flight reached zero (or at the deadline). */
  private void closeByDrain() {
    closedByDrain = true;
    // close(timeout) sends what is still buffered and waits for it, bounded.
    delegate.close(closeTimeout);
  }

  @Override
  public Future<RecordMetadata> send(ProducerRecord<K, V> record) {
    return send(record, null);
  }

  @Override
  public Future<RecordMetadata> send(ProducerRecord<K, V> record, Callback callback) {
    if (closedByDrain) {
      throw new DrainedException(
          "drain4j: Kafka producer " + name + " was closed by the drain; send refused");
    }
    InFlight unit = coordinator.enter(UnitKind.OUTBOUND, "kafka send " + record.topic());
    PendingRecord<?, ?> owner = PendingRecord.inProcess();
    Send tracked = new Send(unit, callback, owner != null && owner.hold() ? owner : null);
    try {
      return delegate.send(record, tracked);
    } catch (RuntimeException | Error e) {
      tracked.notSent(); // no callback will come: the unit must not hold the drain, nor the record
      throw e;
    }
  }

  /**
   * The callback of one send: ends its outbound unit, and completes it for the record in process
   * when it was made (whose commit waits for it), after the application's callback.
   */
  private static final class Send implements Callback {
    private final InFlight unit;
    private final Callback callback;
    private final PendingRecord<?, ?> owner;

    /** A send is completed once, by its callback or by the exception {@code send} threw. */
    private final AtomicBoolean completed = new AtomicBoolean();

    Send(InFlight unit, Callback callback, PendingRecord<?, ?> owner) {
      this.unit = unit;
      this.callback = callback;
      this.owner = owner;
    }

    @Override
    public void onCompletion(RecordMetadata metadata, Exception exception) {
      if (!completed.compareAndSet(false, true)) {
        return;
      }
      // The callback's own sends (a retry, a dead letter) belong to the same record.
      PendingRecord<?, ?> outer = owner == null ? null : PendingRecord.enter(owner);
      try {
        if (callback != null) {
          callback.onCompletion(metadata, exception);
        }
      } finally {
        if (owner != null) {
          PendingRecord.leave(outer);
          owner.completed(exception);
        }
        unit.exit(); // after the application's callback, which may still send or record
      }
    }

    void notSent() {
      if (!completed.compareAndSet(false, true)) {
        return;
      }
      try {
        if (owner != null) {
          owner.completed(null); // the handler got the exception: what it does with it decides
        }
      } finally {
        unit.exit();
      }
    }
  }

  @Override
  public void flush() {
    delegate.flush();
  }

  @Override
  public List<PartitionInfo> partitionsFor(String topic) {
    return delegate.partitionsFor(topic);
  }

  @Override
  public Map<MetricName, ? extends Metric> metrics() {
    return delegate.metrics();
  }

  @Override
  public Uuid clientInstanceId(Duration timeout) {
    return delegate.clientInstanceId(timeout);
  }

  @Override
  public void registerMetricForSubscription(KafkaMetric metric) {
    delegate.registerMetricForSubscription(metric);
  }

  @Override
  public void unregisterMetricFromSubscription(KafkaMetric metric) {
    delegate.unregisterMetricFromSubscription(metric);
  }

  @Override
  public void initTransactions() {
    delegate.initTransactions();
  }

  @Override
  public void beginTransaction() {
    delegate.beginTransaction();
  }

  @Override
  public void sendOffsetsToTransaction(
      Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata groupMetadata) {
    delegate.sendOffsetsToTransaction(offsets, groupMetadata);
  }

  @Override
  public void commitTransaction() {
    delegate.commitTransaction();
  }

  @Override
  public void abortTransaction() {
    delegate.abortTransaction();
  }

  /** Closes the producer now and withdraws its registration. */
  @Override
  public void close() {
    withdraw();
    delegate.close();
  }

  /** Closes the producer now, waiting at most {@code timeout}, and withdraws its registration. */
  @Override
  public void close(Duration timeout) {
    withdraw();
    delegate.close(timeout);
  }

  private void withdraw() {
    DrainCoordinator.Registration r = registration;
    if (r != null) {
      registration = null;
      r.close();
    }
  }

  @Override
  public String toString() {
    return "TrackedProducer[" + name + "]";
  }
}

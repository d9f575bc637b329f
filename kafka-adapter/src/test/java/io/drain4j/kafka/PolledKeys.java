package io.drain4j.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * A consumer interceptor (Kafka's own hook, configured by class name) that notes the keys every
 * poll handed to the application, per client id: what a consumer "holds".
 */
public final class PolledKeys implements ConsumerInterceptor<String, String> {
  private static final Map<String, List<String>> KEYS = new ConcurrentHashMap<>();

  private String client = "";

  /** Created by the consumer. */
  public PolledKeys() {}

  static List<String> of(String client) {
    List<String> keys = KEYS.getOrDefault(client, List.of());
    synchronized (keys) {
      return new ArrayList<>(keys);
    }
  }

  @Override
  public void configure(Map<String, ?> configs) {
    client = String.valueOf(configs.get(ConsumerConfig.CLIENT_ID_CONFIG));
  }

  @Override
  public ConsumerRecords<String, String> onConsume(ConsumerRecords<String, String> records) {
    List<String> keys = KEYS.computeIfAbsent(client, c -> new ArrayList<>());
    synchronized (keys) {
      for (ConsumerRecord<String, String> r : records) {
        keys.add(r.key());
      }
    }
    return records;
  }

  @Override
  public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}

  @Override
  public void close() {}
}

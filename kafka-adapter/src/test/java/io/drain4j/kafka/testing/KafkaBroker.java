package io.drain4j.kafka.testing;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real Kafka broker in KRaft mode (one combined broker and controller node), started inside the
 * test JVM with Kafka's own test kit, plus the client settings the tests share. One per test class.
 */
public final class KafkaBroker implements AutoCloseable {
  /** The heartbeat interval the tests' consumers use, so that a rebalance is noticed quickly. */
  public static final Duration HEARTBEAT = Duration.ofMillis(250);

  private final KafkaClusterTestKit cluster;

  private KafkaBroker(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  /**
   * Formats and starts a one-node KRaft cluster and waits until its broker is ready.
   *
   * @return the running broker
   * @throws Exception when the broker does not start
   */
  public static KafkaBroker start() throws Exception {
    KafkaClusterTestKit cluster =
        new KafkaClusterTestKit.Builder(
                new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build())
            // A new group rebalances at once instead of waiting 3 s for more members.
            .setConfigProp("group.initial.rebalance.delay.ms", "0")
            .setConfigProp("offsets.topic.replication.factor", "1")
            .setConfigProp("offsets.topic.num.partitions", "1")
            .setConfigProp("transaction.state.log.replication.factor", "1")
            .setConfigProp("transaction.state.log.min.isr", "1")
            .setConfigProp("num.partitions", "1")
            .setConfigProp("group.consumer.heartbeat.interval.ms", "500")
            .setConfigProp("group.consumer.min.heartbeat.interval.ms", "250")
            .build();
    try {
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
    } catch (Exception | Error e) {
      new KafkaBroker(cluster).close();
      throw e;
    }
    return new KafkaBroker(cluster);
  }

  /**
   * The broker's bootstrap address, such as {@code localhost:40123}.
   *
   * @return never {@code null}
   */
  public String bootstrap() {
    return cluster.bootstrapServers();
  }

  /**
   * Creates a topic with a fresh name and waits until it exists.
   *
   * @param prefix the start of the name
   * @param partitions the number of partitions
   * @return the topic's name
   * @throws Exception when the topic cannot be created
   */
  public String newTopic(String prefix, int partitions) throws Exception {
    String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    createTopic(name, partitions);
    return name;
  }

  /**
   * Creates a topic and waits until it exists.
   *
   * @param name the topic's name
   * @param partitions the number of partitions
   * @throws Exception when the topic cannot be created
   */
  public void createTopic(String name, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap()))) {
      admin
          .createTopics(List.of(new NewTopic(name, partitions, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
  }

  /**
   * Settings of a consumer of {@code group} with manual commits and a short heartbeat.
   *
   * @param group the group id
   * @return new, mutable properties
   */
  public Properties consumerProps(String group) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) HEARTBEAT.toMillis());
    // Sticky: a member that joins does not take the partitions of one that is working.
    p.put(
        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
        CooperativeStickyAssignor.class.getName());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    return p;
  }

  /**
   * A new string consumer of {@code group}.
   *
   * @param group the group id
   * @return the consumer, not subscribed
   */
  public KafkaConsumer<String, String> consumer(String group) {
    return new KafkaConsumer<>(consumerProps(group));
  }

  /**
   * A new string producer that waits for the broker's acknowledgement.
   *
   * @return the producer
   */
  public KafkaProducer<String, String> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    return new KafkaProducer<>(p);
  }

  /**
   * Sends records to one partition of a topic and waits for their acknowledgement.
   *
   * @param topic the topic
   * @param partition the partition
   * @param keyValues keys and values, alternating
   * @throws Exception when a send fails
   */
  public void send(String topic, int partition, String... keyValues) throws Exception {
    try (KafkaProducer<String, String> producer = producer()) {
      for (int i = 0; i < keyValues.length; i += 2) {
        producer
            .send(new ProducerRecord<>(topic, partition, keyValues[i], keyValues[i + 1]))
            .get(30, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * The group's committed offset of one partition.
   *
   * @param group the group id
   * @param partition the partition
   * @return the committed offset, or -1 when none
   * @throws Exception when the broker cannot be asked
   */
  public long committed(String group, TopicPartition partition) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap()))) {
      var offsets =
          admin
              .listConsumerGroupOffsets(group)
              .partitionsToOffsetAndMetadata()
              .get(30, TimeUnit.SECONDS);
      var meta = offsets.get(partition);
      return meta == null ? -1 : meta.offset();
    }
  }

  /**
   * Keys {@code prefix + from} to {@code prefix + (to - 1)}, in order.
   *
   * @param prefix the keys' prefix, such as {@code k}
   * @param from the first number
   * @param to one past the last number
   * @return the keys
   */
  public static List<String> keys(String prefix, int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> prefix + i).collect(Collectors.toList());
  }

  /**
   * Keys {@code prefix + 0} to {@code prefix + (n - 1)}, each followed by {@code value}, for {@link
   * #send}.
   *
   * @param prefix the keys' prefix
   * @param n how many records
   * @param value every record's value
   * @return keys and values, alternating
   */
  public static String[] keyValues(String prefix, int n, String value) {
    return keys(prefix, 0, n).stream().flatMap(k -> Stream.of(k, value)).toArray(String[]::new);
  }

  @Override
  public void close() {
    try {
      cluster.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      throw new IllegalStateException("the test broker did not stop cleanly", e);
    }
  }
}

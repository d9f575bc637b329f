package io.drain4j.samples.kafka;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainListener;
import io.drain4j.DrainStatus;
import io.drain4j.kafka.KafkaDrain;
import io.drain4j.samples.support.DemoEnv;
import io.drain4j.samples.support.DemoExit;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Runs the demo: {@code java -jar kafka-demo.jar}. Consumes {@value #IN} in group {@value #GROUP}
 * (value: milliseconds of work), works that long per record on a pool of {@value #WORKERS} tracked
 * threads, produces {@code <key>:done} to {@value #OUT} through a tracked producer, waits for its
 * acknowledgement, and commits. Environment: {@code KAFKA_BOOTSTRAP} (default {@code
 * localhost:9092}) and the {@code DRAIN4J_*} keys; the status endpoint is on. {@code
 * DRAIN4J_ENABLED=false} runs the same work without drain4j, in the poll loop of Kafka's own
 * shutdown recipe (the mesh simulator's "today" baseline).
 *
 * <p>On SIGTERM the coordinator drains: the consumer stops fetching at once, the records in hand
 * finish, their results are acknowledged, their offsets committed, the consumer leaves the group,
 * then the producer closes, DRAINED is reported and the process exits (within 1 s of DRAINED).
 */
public final class KafkaDemo {
  static final String IN = "demo.in";
  static final String OUT = "demo.out";
  static final String GROUP = "kafka-demo";
  static final int WORKERS = 8;

  private KafkaDemo() {}

  /**
   * Starts the demo and returns when its consumer has been closed by the drain.
   *
   * @param args ignored
   * @throws InterruptedException when interrupted while waiting for the exit
   */
  public static void main(String[] args) throws InterruptedException {
    Map<String, String> env = System.getenv();
    String bootstrap = env.getOrDefault("KAFKA_BOOTSTRAP", "localhost:9092");
    DrainCoordinator drain;
    try {
      if (!DemoEnv.of(env).drainEnabled()) {
        runToday(bootstrap);
        return;
      }
      drain = DrainCoordinator.fromEnvironment();
    } catch (IllegalArgumentException e) { // DrainConfigException included
      System.err.println("kafka-demo: " + e.getMessage());
      System.exit(2);
      return;
    }
    drain.addListener(
        new DrainListener() {
          @Override
          public void onDrained(DrainStatus drained) {
            System.out.println("kafka-demo drained " + drained.toJson());
          }
        });
    DemoExit exit = DemoExit.install(drain, "kafka-demo");

    Producer<String, String> producer =
        KafkaDrain.producer(drain, OUT, new KafkaProducer<>(producerProps(bootstrap)));
    ExecutorService workers = drain.trackExecutorService(Executors.newFixedThreadPool(WORKERS));
    KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(bootstrap));
    consumer.subscribe(List.of(IN), new AssignmentLog());
    InetSocketAddress status = drain.statusAddress();
    System.out.println(
        "kafka-demo consuming "
            + IN
            + " at "
            + bootstrap
            + ", drain4j status "
            + (status == null ? "off" : status.getHostString() + ":" + status.getPort()));

    KafkaDrain.consumer(drain, consumer)
        .processAsync(record -> CompletableFuture.runAsync(() -> work(record, producer), workers));

    workers.shutdown();
    // The coordinator stays open: its status endpoint answers until the process exits, whatever
    // started the drain. The JVM exits at SIGTERM once the shutdown hooks have returned.
    System.out.println("kafka-demo consumer closed; the status endpoint answers until exit");
    exit.awaitExit();
  }

  /**
   * {@code DRAIN4J_ENABLED=false}: the same work without drain4j, in the poll loop that Kafka's
   * {@code KafkaConsumer} Javadoc recommends for a clean shutdown: a JVM shutdown hook sets a flag,
   * wakes the consumer up and waits for the loop, which commits each batch once it is worked and
   * closes the consumer (leaving the group) when it ends. It is the baseline of the mesh
   * simulator's "today" rows: on its own it finishes the batch in hand, but nothing keeps the
   * sidecar up for that work, its results, the commit and the leave-group, so in a mesh they fail
   * when the sidecar goes first, and the group works the records again.
   */
  private static void runToday(String bootstrap) {
    ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
    KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(bootstrap));
    KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(bootstrap));
    AtomicBoolean closing = new AtomicBoolean();
    Thread loop = Thread.currentThread();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  closing.set(true);
                  consumer.wakeup();
                  try {
                    loop.join();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "kafka-demo-shutdown"));
    consumer.subscribe(List.of(IN), new AssignmentLog());
    System.out.println("kafka-demo consuming " + IN + " at " + bootstrap + ", drain4j disabled");
    try {
      while (!closing.get()) {
        List<CompletableFuture<Void>> batch = new ArrayList<>();
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          batch.add(CompletableFuture.runAsync(() -> work(record, producer), workers));
        }
        CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).join();
        consumer.commitSync();
      }
    } catch (WakeupException e) {
      if (!closing.get()) {
        throw e;
      }
    } finally {
      consumer.close();
      producer.close();
      workers.shutdown();
    }
    System.out.println("kafka-demo consumer closed");
  }

  /** Works the record's milliseconds, then sends its result and waits for the acknowledgement. */
  private static void work(ConsumerRecord<String, String> record, Producer<String, String> out) {
    System.out.println("kafka-demo started " + record.key());
    try {
      Thread.sleep(millis(record.value()));
      out.send(new ProducerRecord<>(OUT, record.key(), record.key() + ":done"))
          .get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while working on " + record.key(), e);
    } catch (Exception e) {
      // The record is not committed and will be processed again: at-least-once.
      throw new IllegalStateException("sending the result of " + record.key() + " failed", e);
    }
    System.out.println("kafka-demo done " + record.key());
  }

  private static long millis(String value) {
    try {
      return Math.max(0, Long.parseLong(value == null ? "0" : value.trim()));
    } catch (NumberFormatException e) {
      System.out.println("kafka-demo: value " + value + " is not a number of ms; no work");
      return 0;
    }
  }

  static Properties consumerProps(String bootstrap) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // A batch is worked in parallel and committed as one: as many records as workers.
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, WORKERS);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    return p;
  }

  static Properties producerProps(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    return p;
  }

  /** Logs the partitions the group hands to this consumer (tests and operators read it). */
  private static final class AssignmentLog implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      System.out.println("kafka-demo partitions assigned " + partitions);
    }
  }
}

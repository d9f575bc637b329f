package io.drain4j.meshsim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Runs the Kafka scenario for one sidecar configuration: a KRaft broker outside the pod, the
 * kafka-demo in the pod reaching it through its egress sidecar (TCP), a second member of the group
 * in the host network, long records in flight at the deletion, then the count of records processed
 * twice, results lost, and how long the pod's partitions sat without a consumer.
 */
final class KafkaRun {

  static final String IN = "demo.in";
  static final String OUT = "demo.out";
  static final String GROUP = "kafka-demo";
  static final int PARTITIONS = 4;

  /**
   * Long records, all on the pod's partitions (one batch of the demo's 8 workers): in flight at the
   * deletion, past the classic sidecar's 5 s drain.
   */
  static final int LONG_RECORDS = 8;

  static final Duration LONG_WORK = Duration.ofSeconds(9);
  static final Duration LONG_AT = Duration.ofSeconds(-2);

  /** Past the deletion: the session timeout (45 s) of a consumer that vanished, and some. */
  static final Duration BOUND = Duration.ofSeconds(80);

  private static final AtomicInteger NETWORKS = new AtomicInteger(100);

  private KafkaRun() {}

  static KafkaResult run(Path jar, Scenario scenario, ScenarioRun.Env env) {
    Timeline timeline = new Timeline();
    String tag = "[kafka-demo / " + scenario.label() + "] ";
    PodNetwork network = null;
    try {
      if (!env.netns()) {
        throw new IllegalStateException("the Kafka scenario needs network namespaces (root)");
      }
      network = PodNetwork.Netns.create(NETWORKS);
      Path dir = env.logs().resolve("kafka-demo").resolve(scenario.id() + "-" + scenario.slug());
      String host = network.upstreamAddress().getHostAddress();
      try (KafkaBroker broker =
          KafkaBroker.start(
              host,
              network.upstreamPort(),
              "127.0.0.1:" + network.egressPort(),
              dir.resolve("broker"))) {
        String bootstrap = broker.hostBootstrap();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
          admin
              .createTopics(
                  List.of(new NewTopic(IN, PARTITIONS, (short) 1), new NewTopic(OUT, 1, (short) 1)))
              .all()
              .get(60, TimeUnit.SECONDS);
        }
        Pod.Spec spec =
            new Pod.Spec(
                "kafka-demo",
                jar,
                scenario,
                env.timing(),
                network,
                network.upstreamPort(),
                env.haproxy(),
                env.useWget(),
                dir);
        try (Pod pod = Pod.start(spec, timeline);
            Standby standby = new Standby(bootstrap);
            KafkaProducer<String, String> producer = producer(bootstrap)) {
          env.progress().accept(tag + "pod ready");
          standby.start();
          Set<Integer> standbyFirst = standby.awaitFirstAssignment(Duration.ofSeconds(60));
          Set<Integer> podPartitions = new HashSet<>();
          for (int p = 0; p < PARTITIONS; p++) {
            if (!standbyFirst.contains(p)) {
              podPartitions.add(p);
            }
          }
          long t0 = System.nanoTime() + Duration.ofSeconds(4).toNanos();
          List<String> keys = new ArrayList<>();
          parkUntil(t0 + LONG_AT.toNanos());
          // Only to the pod's partitions: the second member stays idle and polling, so that it
          // takes the pod's partitions as soon as the group offers them.
          List<Integer> targets = List.copyOf(new java.util.TreeSet<>(podPartitions));
          List<Future<?>> sent = new ArrayList<>();
          for (int i = 0; i < LONG_RECORDS; i++) {
            String key = "long-" + i;
            keys.add(key);
            sent.add(
                producer.send(
                    new ProducerRecord<>(
                        IN,
                        targets.get(i % targets.size()),
                        key,
                        Long.toString(LONG_WORK.toMillis()))));
          }
          for (Future<?> f : sent) {
            f.get(30, TimeUnit.SECONDS);
          }
          timeline.record(
              "clients", LONG_RECORDS + " records of " + LONG_WORK.toSeconds() + " s sent");
          parkUntil(t0);
          Kubelet kubelet = new Kubelet(pod, env.timing(), timeline, () -> {});
          boolean gone = kubelet.deletePod(t0);
          // Until the second member has had the pod's partitions long enough to work again on
          // every record they still held, or the bound.
          long bound = t0 + BOUND.toNanos();
          Map<String, Integer> results = Map.of();
          while (System.nanoTime() < bound) {
            long handedOver = standby.assignedAt(podPartitions, t0);
            if (handedOver != 0
                && System.nanoTime() > handedOver + LONG_WORK.plusSeconds(3).toNanos()) {
              results = readResults(bootstrap);
              if (keys.stream().allMatch(results::containsKey)) {
                break;
              }
            }
            LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
          }
          results = readResults(bootstrap);
          Set<String> started = startedByPod(dir.resolve("app.log"), "kafka-demo started ");
          Set<String> delivered = startedByPod(dir.resolve("app.log"), "kafka-demo done ");
          List<String> details = new ArrayList<>();
          int twice = 0;
          int lost = 0;
          int podLost = 0;
          for (String key : keys) {
            boolean again = started.contains(key) && standby.processed(key);
            int n = results.getOrDefault(key, 0);
            if (again || n > 1) {
              twice++;
              details.add(
                  key
                      + ": worked on by the pod and "
                      + (again ? "again by the second member" : n + " results"));
            }
            if (started.contains(key) && !delivered.contains(key)) {
              podLost++;
              details.add(key + ": the pod worked on it and never delivered its result");
            }
            if (n == 0) {
              lost++;
              details.add(key + ": no result in " + OUT);
            }
          }
          long appExit = pod.app().exited().getNow(0L);
          long agentKill = pod.agentKillNanos();
          long consumerGone =
              appExit == 0 ? agentKill : agentKill == 0 ? appExit : Math.min(appExit, agentKill);
          long handover = standby.assignedAt(podPartitions, t0);
          Duration unassigned =
              handover == 0 || consumerGone == 0
                  ? null
                  : Duration.ofNanos(Math.max(0, handover - consumerGone));
          long sidecarExit = pod.sidecar() == null ? 0 : pod.sidecar().exited().getNow(0L);
          long podGone = gone ? Math.max(appExit, sidecarExit) : 0;
          String sigkill =
              pod.containers().stream().anyMatch(c -> c.killedBy() != null)
                  ? "kubelet"
                  : agentKill != 0
                      ? String.format(java.util.Locale.ROOT, "envoy %+.1fs", (agentKill - t0) / 1e9)
                      : "no";
          KafkaResult r =
              new KafkaResult(
                  scenario,
                  keys.size(),
                  (int) keys.stream().filter(started::contains).count(),
                  twice,
                  podLost,
                  lost,
                  unassigned,
                  podGone == 0 ? null : Duration.ofNanos(podGone - t0),
                  sigkill,
                  details,
                  null);
          env.progress().accept(tag + "done: " + String.join(", ", r.cells()));
          return r;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return failed(scenario, "interrupted");
    } catch (Exception e) {
      String message = e.getMessage() == null ? e.toString() : e.getMessage();
      env.progress().accept(tag + "FAILED: " + message);
      return failed(scenario, message);
    } finally {
      if (network != null) {
        network.close();
      }
    }
  }

  private static KafkaResult failed(Scenario scenario, String error) {
    return new KafkaResult(scenario, 0, 0, 0, 0, 0, null, null, "-", List.of(), error);
  }

  private static void parkUntil(long nanos) {
    for (long left = nanos - System.nanoTime(); left > 0; left = nanos - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
  }

  /**
   * The keys of the pod's log lines that start with {@code prefix}: {@code kafka-demo started KEY}
   * (work begun) or {@code kafka-demo done KEY} (result acknowledged).
   */
  static Set<String> startedByPod(Path log, String prefix) throws IOException {
    Set<String> started = new HashSet<>();
    if (Files.isRegularFile(log)) {
      for (String line : Files.readAllLines(log)) {
        int at = line.indexOf(prefix);
        if (at >= 0) {
          started.add(line.substring(at + prefix.length()).strip());
        }
      }
    }
    return started;
  }

  /** Every result in {@code demo.out}: how many per key. */
  private static Map<String, Integer> readResults(String bootstrap) {
    Map<String, Integer> counts = new HashMap<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps(bootstrap, null))) {
      TopicPartition tp = new TopicPartition(OUT, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp)).get(tp);
      while (c.position(tp) < end) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
          counts.merge(r.key(), 1, Integer::sum);
        }
      }
    }
    return counts;
  }

  static Properties consumerProps(String bootstrap, String group) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    if (group != null) {
      p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    }
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 8);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    return p;
  }

  private static KafkaProducer<String, String> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    return new KafkaProducer<>(p);
  }

  /**
   * The second member of the group, in the host network: works as the demo does (the record's
   * milliseconds, then {@code <key>:done} to {@code demo.out}, acknowledged, then a synchronous
   * commit per batch), and notes when it was given which partitions.
   */
  static final class Standby implements AutoCloseable {
    private final String bootstrap;
    private final Map<Integer, Long> assignedAt = new ConcurrentHashMap<>();
    private final Set<String> processed = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.CompletableFuture<Set<Integer>> first =
        new java.util.concurrent.CompletableFuture<>();
    private final ExecutorService workers = Executors.newFixedThreadPool(8);
    private volatile boolean running = true;
    private Thread loop;

    Standby(String bootstrap) {
      this.bootstrap = bootstrap;
    }

    void start() {
      loop = new Thread(this::run, "kafka-standby");
      loop.setDaemon(true);
      loop.start();
    }

    Set<Integer> awaitFirstAssignment(Duration bound) throws Exception {
      return first.get(bound.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean processed(String key) {
      return processed.contains(key);
    }

    /**
     * The latest first assignment after {@code since} among {@code partitions}; 0 if one is
     * missing.
     */
    long assignedAt(Set<Integer> partitions, long since) {
      long latest = 0;
      for (int p : partitions) {
        Long at = assignedAt.get(p);
        if (at == null || at < since) {
          return 0;
        }
        latest = Math.max(latest, at);
      }
      return latest;
    }

    private void run() {
      try (KafkaConsumer<String, String> consumer =
              new KafkaConsumer<>(consumerProps(bootstrap, GROUP));
          KafkaProducer<String, String> out = producer(bootstrap)) {
        consumer.subscribe(
            List.of(IN),
            new ConsumerRebalanceListener() {
              @Override
              public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

              @Override
              public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                long now = System.nanoTime();
                Set<Integer> set = new HashSet<>();
                for (TopicPartition tp : partitions) {
                  assignedAt.put(tp.partition(), now);
                  set.add(tp.partition());
                }
                if (!set.isEmpty()) {
                  first.complete(set);
                }
              }
            });
        while (running) {
          ConsumerRecords<String, String> batch = consumer.poll(Duration.ofMillis(200));
          List<Future<?>> work = new ArrayList<>();
          for (ConsumerRecord<String, String> r : batch) {
            work.add(
                workers.submit(
                    () -> {
                      Thread.sleep(Long.parseLong(r.value()));
                      out.send(new ProducerRecord<>(OUT, r.key(), r.key() + ":done"))
                          .get(30, TimeUnit.SECONDS);
                      processed.add(r.key());
                      return null;
                    }));
          }
          for (Future<?> f : work) {
            f.get();
          }
          if (!batch.isEmpty()) {
            consumer.commitSync();
          }
        }
      } catch (Exception e) {
        if (running) {
          first.completeExceptionally(e);
        }
      }
    }

    @Override
    public void close() {
      running = false;
      workers.shutdownNow();
      if (loop != null) {
        try {
          loop.join(5000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}

package io.drain4j.meshsim;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.Uuid;

/**
 * A one-node KRaft broker (combined broker and controller) in the simulator's host network, run as
 * a child process from Kafka's own server jars ({@code kafka.Kafka}, formatted first with {@code
 * kafka.tools.StorageTool}), outside every pod. It has two client listeners: {@code POD}, which
 * advertises the pod's egress sidecar ({@code 127.0.0.1:15001}) so that the demo reaches the broker
 * only through its sidecar, and {@code HOST} for the simulator's own clients.
 */
final class KafkaBroker implements AutoCloseable {

  private static final Duration START = Duration.ofSeconds(90);

  private final Process process;
  private final String hostBootstrap;

  private KafkaBroker(Process process, String hostBootstrap) {
    this.process = process;
    this.hostBootstrap = hostBootstrap;
  }

  /** The server properties: pure, for the tests. */
  static String properties(String host, int podPort, String podAdvertised, Path logDir) {
    int hostPort = podPort + 1;
    int controllerPort = podPort + 2;
    return String.join(
        "\n",
        "process.roles=broker,controller",
        "node.id=1",
        "controller.quorum.voters=1@" + host + ":" + controllerPort,
        "listeners=POD://"
            + host
            + ":"
            + podPort
            + ",HOST://"
            + host
            + ":"
            + hostPort
            + ",CONTROLLER://"
            + host
            + ":"
            + controllerPort,
        "advertised.listeners=POD://" + podAdvertised + ",HOST://" + host + ":" + hostPort,
        "listener.security.protocol.map=POD:PLAINTEXT,HOST:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "inter.broker.listener.name=HOST",
        "controller.listener.names=CONTROLLER",
        "log.dirs=" + logDir,
        "num.partitions=4",
        "offsets.topic.replication.factor=1",
        "offsets.topic.num.partitions=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        // A group rebalances as soon as a member joins or leaves, without the 3 s wait.
        "group.initial.rebalance.delay.ms=0",
        "");
  }

  /**
   * Formats and starts the broker, and returns once its HOST listener accepts connections.
   *
   * @param podPort the POD listener's port on {@code host}; HOST and CONTROLLER use the next two
   * @param podAdvertised what the POD listener advertises: the egress as the pod sees it
   */
  static KafkaBroker start(String host, int podPort, String podAdvertised, Path dir)
      throws IOException, InterruptedException {
    Path libs = brokerLibs();
    Files.createDirectories(dir);
    Path props = dir.resolve("broker.properties");
    Files.writeString(props, properties(host, podPort, podAdvertised, dir.resolve("kafka-logs")));
    String classpath = libs.resolve("*") + java.io.File.pathSeparator + selfJar();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> format =
        List.of(
            java,
            "-cp",
            classpath,
            "kafka.tools.StorageTool",
            "format",
            "-t",
            Uuid.randomUuid().toString(),
            "-c",
            props.toString());
    Exec.Result formatted = Exec.run(Duration.ofSeconds(90), format);
    if (!formatted.ok()) {
      throw new IllegalStateException("kafka storage format failed: " + formatted.output());
    }
    List<String> command = new ArrayList<>(List.of("setsid", java, "-Xmx512m", "-XX:+UseSerialGC"));
    command.addAll(List.of("-cp", classpath, "kafka.Kafka", props.toString()));
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("broker.log").toFile())
            .start();
    process.getOutputStream().close();
    Reaper.INSTANCE.registerGroup(process.pid());
    KafkaBroker broker = new KafkaBroker(process, host + ":" + (podPort + 1));
    long deadline = System.nanoTime() + START.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the Kafka broker exited; see " + dir.resolve("broker.log"));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(host, podPort + 1), 500);
        return broker;
      } catch (IOException e) {
        Thread.sleep(200);
      }
    }
    broker.close();
    throw new IllegalStateException(
        "the Kafka broker did not start; see " + dir.resolve("broker.log"));
  }

  /** The HOST listener, for the simulator's clients. */
  String hostBootstrap() {
    return hostBootstrap;
  }

  @Override
  public void close() {
    ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
    Reaper.killGroup(process.pid());
    Reaper.INSTANCE.unregisterGroup(process.pid());
  }

  private static Path selfJar() {
    try {
      return Path.of(KafkaBroker.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Kafka's server jars: {@code target/kafka-broker/} next to the simulator's jar. */
  private static Path brokerLibs() {
    Path self = selfJar();
    Path dir = self.getParent() == null ? null : self.getParent().resolve("kafka-broker");
    if (dir == null || !Files.isDirectory(dir)) {
      throw new IllegalStateException(
          "Kafka's server jars are missing (" + dir + "); build mesh-sim with mvn package");
    }
    return dir;
  }
}

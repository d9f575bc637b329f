package io.drain4j.meshsim;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The pod: the application container (a demo jar) and the sidecar container (the pilot-agent
 * stand-in with its two HAProxy proxies), in the pod's network.
 */
final class Pod implements AutoCloseable {

  /**
   * What a pod runs.
   *
   * @param demo the demo's name
   * @param jar the demo's runnable jar
   * @param scenario the sidecar configuration
   * @param timing the durations
   * @param network the pod's network
   * @param upstreamPort where the upstream listens
   * @param haproxy the HAProxy binary
   * @param useWget whether the drain4j hook uses wget (no curl on this host)
   * @param dir the pod's working and log directory
   */
  record Spec(
      String demo,
      Path jar,
      Scenario scenario,
      Timing timing,
      PodNetwork network,
      int upstreamPort,
      Path haproxy,
      boolean useWget,
      Path dir) {}

  private static final Duration SIDECAR_START = Duration.ofSeconds(15);
  private static final Duration APP_START = Duration.ofSeconds(150);

  private final Spec spec;
  private final Timeline timeline;
  private final List<Process> hooks = new CopyOnWriteArrayList<>();
  private final CompletableFuture<String> agentStarted = new CompletableFuture<>();
  private final CompletableFuture<Void> agentOutputEnded = new CompletableFuture<>();
  private volatile long agentKillNanos;
  private Container sidecar;
  private Container app;
  private Process nodeProxy;

  private Pod(Spec spec, Timeline timeline) {
    this.spec = spec;
    this.timeline = timeline;
  }

  /**
   * Starts the sidecar, then the application (as Istio's {@code holdApplicationUntilProxyStarts}
   * does), and returns once a request through the ingress and a call through the egress work.
   *
   * @throws IllegalStateException when something does not start, with the log to read
   */
  static Pod start(Spec spec, Timeline timeline) throws IOException, InterruptedException {
    Pod pod = new Pod(spec, timeline);
    try {
      pod.writeFiles();
      if (spec.scenario().hasSidecar()) {
        pod.startSidecar();
      } else {
        pod.startNodeProxy();
      }
      pod.startApp();
      return pod;
    } catch (IOException | InterruptedException | RuntimeException e) {
      pod.close();
      throw e;
    }
  }

  Container app() {
    return app;
  }

  /** The sidecar container, {@code null} in ambient mode. */
  Container sidecar() {
    return sidecar;
  }

  List<Container> containers() {
    return sidecar == null ? List.of(app) : List.of(app, sidecar);
  }

  /** When the agent SIGKILLed its proxies after its drain, 0 if it did not. */
  long agentKillNanos() {
    return agentKillNanos;
  }

  Spec spec() {
    return spec;
  }

  /** What the demo speaks. */
  DemoKind kind() {
    return DemoKind.of(spec.demo());
  }

  private void writeFiles() throws IOException {
    Path dir = spec.dir();
    Files.createDirectories(dir.resolve("bin"));
    Path errors = Files.createDirectories(dir.resolve("errors"));
    for (String proxy : List.of("ingress", "egress", "ztunnel")) {
      for (int status : new int[] {502, 503, 504}) {
        Files.writeString(
            errors.resolve(proxy + "-" + status + ".http"), HaproxyConfig.errorPage(proxy, status));
      }
    }
    PodNetwork net = spec.network();
    if (!spec.scenario().hasSidecar()) {
      Files.writeString(
          dir.resolve("node-proxy.cfg"),
          HaproxyConfig.nodeProxy(
              net.upstreamAddress().getHostAddress(),
              net.ingressPort(),
              net.podAddress(),
              net.appPort(),
              net.egressPort(),
              net.upstreamAddress().getHostAddress(),
              spec.upstreamPort(),
              errors,
              kind().h2()));
      check(dir.resolve("node-proxy.cfg"));
      return;
    }
    Duration drain = spec.timing().ingressGraceFor(spec.scenario());
    Files.writeString(
        dir.resolve("ingress.cfg"),
        HaproxyConfig.ingress(
            net.ingressBind(), net.ingressPort(), net.appPort(), drain, errors, kind().h2()));
    Files.writeString(
        dir.resolve("egress.cfg"),
        kind() == DemoKind.KAFKA
            ? HaproxyConfig.egressTcp(
                net.egressPort(), net.upstreamAddress().getHostAddress(), spec.upstreamPort())
            : HaproxyConfig.egress(
                net.egressPort(),
                net.upstreamAddress().getHostAddress(),
                spec.upstreamPort(),
                errors,
                kind().h2()));
    Files.writeString(
        dir.resolve("agent.cfg"), HaproxyConfig.agent(net.agentBind(), net.agentPort()));
    // Named links, so that the processes are called envoy and pilot-agent everywhere,
    // /proc/<pid>/comm included.
    for (String name : List.of("envoy", "pilot-agent")) {
      Path link = dir.resolve("bin").resolve(name);
      Files.deleteIfExists(link);
      Files.createSymbolicLink(link, spec.haproxy());
    }
    try (var in = Pod.class.getResourceAsStream("pilot-agent.sh")) {
      if (in == null) {
        throw new IllegalStateException("pilot-agent.sh is missing from the simulator's jar");
      }
      Files.write(dir.resolve("pilot-agent.sh"), in.readAllBytes());
    }
    Path hookBin = Files.createDirectories(dir.resolve("hookbin"));
    try (var in = Pod.class.getResourceAsStream("pilot-agent-request.sh")) {
      if (in == null) {
        throw new IllegalStateException(
            "pilot-agent-request.sh is missing from the simulator's jar");
      }
      Path request = hookBin.resolve("pilot-agent");
      Files.write(request, in.readAllBytes());
      if (!request.toFile().setExecutable(true)) {
        throw new IOException("cannot make " + request + " executable");
      }
    }
    for (String cfg : List.of("ingress.cfg", "egress.cfg", "agent.cfg")) {
      check(dir.resolve(cfg));
    }
  }

  private void check(Path cfg) throws IOException {
    Exec.Result check =
        Exec.run(
            Duration.ofSeconds(20),
            List.of(spec.haproxy().toString(), "-c", "-q", "-f", cfg.toString()));
    if (!check.ok()) {
      throw new IllegalStateException("HAProxy rejects " + cfg + ": " + check.output().strip());
    }
  }

  /**
   * Starts the node proxy of ambient mode in the host's network: not a container of the pod, so the
   * kubelet never stops it; it goes with the run.
   */
  private void startNodeProxy() throws IOException, InterruptedException {
    Path dir = spec.dir();
    Process process =
        new ProcessBuilder(
                List.of(
                    "setsid",
                    spec.haproxy().toString(),
                    "-f",
                    dir.resolve("node-proxy.cfg").toString()))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("node-proxy.log").toFile())
            .start();
    process.getOutputStream().close();
    Reaper.INSTANCE.registerGroup(process.pid());
    nodeProxy = process;
    awaitListening(clientTarget(), "the node proxy", null);
  }

  /** Where the clients send their requests: the ingress sidecar, or the node proxy. */
  InetSocketAddress clientTarget() {
    PodNetwork net = spec.network();
    return spec.scenario().hasSidecar()
        ? net.ingress()
        : new InetSocketAddress(net.upstreamAddress(), net.ingressPort());
  }

  private void startSidecar() throws IOException, InterruptedException {
    Path dir = spec.dir();
    String drainSeconds =
        String.format(
            java.util.Locale.ROOT,
            "%.3f",
            spec.timing().drainFor(spec.scenario()).toMillis() / 1000.0);
    List<String> command =
        spec.network()
            .inPod(
                List.of(
                    "setsid",
                    "bash",
                    "-c",
                    "exec -a pilot-agent bash \"$0\" \"$@\"",
                    dir.resolve("pilot-agent.sh").toString(),
                    dir.toString(),
                    drainSeconds));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    String hook =
        spec.scenario()
            .hook()
            .command(
                spec.network().statusPort(),
                spec.useWget(),
                dir.resolve("hookbin").resolve("pilot-agent").toString(),
                spec.timing()
                    .appPropagationDelay()
                    .plus(spec.timing().appDeadline())
                    .plusSeconds(1));
    sidecar = new Container("istio-proxy", process, hook, timeline);
    Thread reader = new Thread(() -> readAgent(process), "agent-output-" + process.pid());
    reader.setDaemon(true);
    reader.start();
    try {
      agentStarted.get(SIDECAR_START.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(
          "the sidecar did not start; see " + dir.resolve("istio-proxy.log"), e);
    }
    awaitListening(spec.network().ingress(), "the ingress sidecar", sidecar);
    awaitListening(spec.network().agent(), "pilot-agent's listener", sidecar);
  }

  /** Copies the agent's output to its log, and turns its lines into timeline events. */
  private void readAgent(Process process) {
    Path log = spec.dir().resolve("istio-proxy.log");
    try (BufferedReader in =
            new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        long now = System.nanoTime();
        out.write(line);
        out.write('\n');
        out.flush();
        if (line.startsWith("started ")) {
          agentStarted.complete(line);
        } else if (line.startsWith("drain requested:")) {
          timeline.recordAt(
              now,
              "istio-proxy",
              "pilot-agent: POST /drain: ingress soft-stop until SIGTERM, egress kept");
        } else if (line.startsWith("sigterm after drain:")) {
          agentKillNanos = now;
          timeline.recordAt(
              now, "istio-proxy", "pilot-agent: SIGTERM, already drained: SIGKILL envoy at once");
        } else if (line.startsWith("sigterm:")) {
          timeline.recordAt(
              now,
              "istio-proxy",
              "pilot-agent: ingress soft-stop (grace "
                  + seconds(spec.timing().drainFor(spec.scenario()))
                  + "), egress kept");
        } else if (line.startsWith("drain over:")) {
          agentKillNanos = now;
          timeline.recordAt(now, "istio-proxy", "pilot-agent: drain over, SIGKILL envoy");
        } else {
          timeline.recordAt(now, "istio-proxy", "pilot-agent: " + line);
        }
      }
    } catch (IOException e) {
      agentStarted.completeExceptionally(e);
    } finally {
      agentStarted.completeExceptionally(new IOException("the agent exited"));
      agentOutputEnded.complete(null);
    }
  }

  /**
   * Waits until the agent's last line has been read: its output ends when the sidecar has exited,
   * but its reader may lag behind on a loaded machine.
   */
  void awaitAgentOutput(Duration bound) throws InterruptedException {
    if (sidecar == null) {
      return;
    }
    try {
      agentOutputEnded.get(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      // Measured without the agent's last lines; the timeline shows what was read.
    }
  }

  private void startApp() throws IOException, InterruptedException {
    PodNetwork net = spec.network();
    Timing timing = spec.timing();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command =
        net.inPod(
            List.of(
                "setsid",
                java,
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Xmx384m",
                "-jar",
                spec.jar().toString()));
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    env.keySet()
        .removeIf(
            k ->
                k.startsWith("DRAIN4J_")
                    || k.equals("PORT")
                    || k.equals("UPSTREAM_URL")
                    || k.equals("UPSTREAM_TARGET")
                    || k.startsWith("JAVA_TOOL")
                    || k.startsWith("JDK_JAVA"));
    env.put("PORT", Integer.toString(net.appPort()));
    String egress =
        (spec.scenario().hasSidecar() ? "127.0.0.1" : net.upstreamAddress().getHostAddress())
            + ":"
            + net.egressPort();
    if (kind() == DemoKind.KAFKA) {
      // The broker advertises the egress: the demo reaches Kafka only through its sidecar.
      env.put("KAFKA_BOOTSTRAP", egress);
    }
    // HTTP demos take a base URL, grpc-demo a host:port (DESIGN §8).
    env.put(
        kind() == DemoKind.GRPC ? "UPSTREAM_TARGET" : "UPSTREAM_URL",
        kind() == DemoKind.GRPC ? egress : "http://" + egress);
    env.put("DRAIN4J_PROPAGATION_DELAY", timing.appPropagationDelay().toMillis() + "ms");
    env.put("DRAIN4J_DEADLINE", timing.appDeadline().toMillis() + "ms");
    // As the manifests do: the pod's terminationGracePeriodSeconds, for drain4j's budget check.
    env.put("DRAIN4J_TERMINATION_GRACE_PERIOD", timing.gracePeriod().toMillis() + "ms");
    env.put("DRAIN4J_ENABLED", Boolean.toString(spec.scenario().drain4jInApp()));
    if (spec.scenario().quiet()) {
      env.put("DRAIN4J_QUIET_PERIOD", timing.quietPeriod().toMillis() + "ms");
      env.put("DRAIN4J_MIN_PROPAGATION_DELAY", timing.minPropagationDelay().toMillis() + "ms");
    }
    env.put("DRAIN4J_STATUS_ENABLED", Boolean.toString(spec.scenario().statusEndpoint()));
    env.put("DRAIN4J_STATUS_ADDRESS", "127.0.0.1");
    env.put("DRAIN4J_STATUS_PORT", Integer.toString(net.statusPort()));
    Path log = spec.dir().resolve("app.log");
    builder.redirectErrorStream(true).redirectOutput(log.toFile());
    Process process = builder.start();
    process.getOutputStream().close();
    app = new Container("app", process, null, timeline);

    InetSocketAddress ingress = clientTarget();
    if (kind() == DemoKind.KAFKA) {
      awaitLog(log, "partitions assigned", APP_START);
      return;
    }
    Client client = Client.of(kind(), ingress);
    awaitOk(client, Endpoint.WORK, APP_START, log);
    awaitOk(client, Endpoint.CALL, Duration.ofSeconds(30), log);
  }

  /** Fails when the application (or the sidecar) died while the application started. */
  private void checkStarting(Path log) {
    if (!app.alive()) {
      throw new IllegalStateException(
          spec.demo()
              + " exited with status "
              + app.exitCode()
              + " while starting; see "
              + log
              + tail(log));
    }
    if (sidecar != null && !sidecar.alive()) {
      throw new IllegalStateException(
          "the sidecar died while the application started; see "
              + spec.dir().resolve("istio-proxy.log"));
    }
  }

  /** A consumer's readiness: its log says that the group gave it partitions. */
  private void awaitLog(Path log, String line, Duration bound) throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (System.nanoTime() < deadline) {
      checkStarting(log);
      try {
        if (Files.readString(log).contains(line)) {
          return;
        }
      } catch (IOException e) {
        // not written yet
      }
      Thread.sleep(150);
    }
    throw new IllegalStateException(
        spec.demo()
            + " logged no '"
            + line
            + "' within "
            + bound.toSeconds()
            + " s; see "
            + log
            + tail(log));
  }

  /** A readiness probe: polls until the answer is right, like the kubelet's probes. */
  private void awaitOk(Client client, Endpoint endpoint, Duration bound, Path log)
      throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    String last = "none";
    while (System.nanoTime() < deadline) {
      checkStarting(log);
      Outcome.Classified answer = client.send(endpoint, 0, Duration.ofSeconds(10));
      if (answer.outcome() == Outcome.OK) {
        return;
      }
      last = answer.reason();
      Thread.sleep(150);
    }
    throw new IllegalStateException(
        spec.demo()
            + " did not answer "
            + endpoint.label()
            + " within "
            + bound.toSeconds()
            + " s (last: "
            + last
            + "); see "
            + log
            + tail(log));
  }

  private static void awaitListening(InetSocketAddress address, String what, Container owner)
      throws InterruptedException {
    long deadline = System.nanoTime() + SIDECAR_START.toNanos();
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(address, 1000);
        return;
      } catch (IOException e) {
        if (owner != null && !owner.alive()) {
          break;
        }
        Thread.sleep(50);
      }
    }
    throw new IllegalStateException(what + " is not listening on " + address);
  }

  /**
   * Starts the container's preStop hook inside the pod ({@code /bin/sh -c}), as the kubelet's exec
   * handler does.
   */
  Process startHook(Container container) throws IOException {
    Path log = spec.dir().resolve(container.name() + "-prestop.log");
    Process hook =
        new ProcessBuilder(
                spec.network().inPod(List.of("setsid", "/bin/sh", "-c", container.hookCommand())))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    hook.getOutputStream().close();
    Reaper.INSTANCE.registerGroup(hook.pid());
    hooks.add(hook);
    return hook;
  }

  /** Ends a hook that is still running, with everything it started. */
  static void killHook(Process hook) {
    Reaper.killGroup(hook.pid());
  }

  /** Kills whatever of the pod still runs. */
  @Override
  public void close() {
    for (Process hook : hooks) {
      killHook(hook);
    }
    if (nodeProxy != null) {
      Reaper.killGroup(nodeProxy.pid());
    }
    for (Container c : new Container[] {app, sidecar}) {
      if (c != null) {
        Reaper.killGroup(c.pid());
        try {
          c.process().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      List<String> last =
          new ArrayList<>(lines.subList(Math.max(0, lines.size() - 15), lines.size()));
      return last.isEmpty() ? "" : "\n  | " + String.join("\n  | ", last);
    } catch (IOException | UncheckedIOException e) {
      return "";
    }
  }
}

package io.drain4j.meshsim;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Phaser;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The mesh pod-termination simulator. For every demo and scenario (a mesh mode: classic sidecar,
 * native sidecar or ambient; the application today or with drain4j), it starts a pod (the demo
 * application with an ingress and an egress HAProxy sidecar driven by a pilot-agent stand-in, or a
 * node proxy outside the pod in ambient mode, in a network namespace of its own when run as root),
 * sends it a mix of short and long requests, deletes it as the kubelet does, and reports what was
 * lost and how long it all took.
 *
 * <p>Run {@code java -jar samples/mesh-sim/target/mesh-sim.jar --help} for the options. The exit
 * status is non-zero when a drain4j row lost a request or a call.
 */
public final class MeshSim {

  /** The demos of DESIGN §8, in report order; other {@code *-demo} jars follow. */
  static final List<String> KNOWN_DEMOS =
      List.of("servlet-demo", "netty-demo", "spring-demo", "grpc-demo");

  private static final PrintStream OUT = System.out;

  private MeshSim() {}

  /**
   * Runs the simulator and exits with its status.
   *
   * @param args the command line; see {@code --help}
   */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String... args) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("mesh-sim: " + e.getMessage());
      System.err.println(Options.USAGE);
      return 2;
    }
    if (options.help()) {
      OUT.print(Options.USAGE);
      return 0;
    }
    try {
      return simulate(options);
    } catch (SetupException e) {
      System.err.println("mesh-sim: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      System.err.println("mesh-sim: " + e);
      return 2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      System.err.println("mesh-sim: interrupted");
      return 1;
    }
  }

  private static int simulate(Options options)
      throws SetupException, IOException, InterruptedException {
    Timing timing = Timing.standard().scaled(options.scale()).validate();
    Path samples = options.samples() != null ? options.samples() : locateSamples();
    Map<String, Path> found = discoverDemos(samples, options.demos());
    Map<String, Path> demos = found;
    if (options.demos().isEmpty() && !options.defaultDemos().isEmpty()) {
      Map<String, Path> story = new LinkedHashMap<>();
      options.defaultDemos().stream()
          .filter(found::containsKey)
          .forEach(d -> story.put(d, found.get(d)));
      if (!story.isEmpty()) {
        demos = story;
      }
    }

    Tools.Found tools = Tools.prepare(!options.loopback(), options.install(), MeshSim::say);
    List<String> notes = new ArrayList<>();
    List<Scenario> scenarios = new ArrayList<>();
    for (Scenario s : options.scenarios()) {
      if (!tools.netns() && s.needsOwnNetwork()) {
        notes.add(
            "Scenario "
                + s.label()
                + " skipped: without a network namespace of its own"
                + " (root) netstat would see every socket of the host, not the pod's.");
      } else {
        scenarios.add(s);
      }
    }
    if (scenarios.isEmpty()) {
      throw new SetupException("no scenario left to run: " + String.join(" ", notes));
    }
    if (tools.useWget()) {
      notes.add("curl is not installed: the drain4j hook uses its wget form.");
    }
    String network =
        tools.netns()
            ? "one network namespace per pod (ip netns + veth; in-pod tools see only the pod's"
                + " sockets)"
            : "LOOPBACK FALLBACK: no network namespaces ("
                + (options.loopback() ? "--loopback" : "not root")
                + "), every pod on 127.0.0.1 with ports of its own";
    Path reportPath =
        options.report() != null
            ? options.report()
            : samples.resolve("mesh-sim").resolve("target").resolve("mesh-report.md");
    Path logs =
        options.logs() != null
            ? options.logs()
            : samples.resolve("mesh-sim").resolve("target").resolve("mesh-logs");
    if (options.logs() == null) {
      deleteTree(logs);
    }
    Files.createDirectories(logs);
    if (tools.netns()) {
      PodNetwork.Netns.removeStale();
    }

    say(
        "mesh-sim: "
            + demos.size()
            + " demo(s) ["
            + String.join(", ", demos.keySet())
            + "] x "
            + scenarios.size()
            + " scenario(s), mode "
            + options.mode()
            + ", "
            + tools.haproxyVersion()
            + ", up to "
            + options.parallel()
            + " at once");
    say("mesh-sim: " + network);
    notes.forEach(n -> say("mesh-sim: " + n));
    String started =
        LocalDateTime.now(ZoneId.systemDefault())
            .format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"));

    ScenarioRun.Env env =
        new ScenarioRun.Env(
            timing, tools.netns(), tools.haproxy(), tools.useWget(), logs, MeshSim::say);
    if (demos.containsKey("kafka-demo")) {
      return kafka(demos.get("kafka-demo"), scenarios, env, options.parallel());
    }
    List<ScenarioResult> results =
        runAll(
            demos,
            demo -> scenarios.stream().filter(options.scenariosFor(demo)::contains).toList(),
            env,
            options.parallel());

    OUT.println();
    OUT.print(Report.table(results));
    OUT.println();
    OUT.println("Phase timelines (seconds from the pod's deletion; " + Report.LEGEND + "):");
    for (ScenarioResult r : results) {
      OUT.println();
      OUT.println(
          r.demo() + " / " + r.scenario().label() + ": " + Report.describe(r.scenario(), timing));
      OUT.print(Report.chart(r));
    }
    Report.Header header =
        new Report.Header(options.mode(), network, tools.haproxyVersion(), timing, started, notes);
    Path parent = reportPath.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(reportPath, Report.markdown(header, results), StandardCharsets.UTF_8);
    OUT.println();
    OUT.println(Report.verdict(results));
    OUT.println("Report: " + reportPath.toAbsolutePath() + "   logs: " + logs.toAbsolutePath());
    // One closing line that CI can read: a run passes when it ran and, for drain4j's scenario,
    // lost nothing.
    long failed =
        results.stream().filter(r -> r.error() != null || (r.mustBeClean() && !r.clean())).count();
    OUT.println("mesh-sim: " + (results.size() - failed) + " passed, " + failed + " failed");
    return Report.passed(results) ? 0 : 1;
  }

  /**
   * Runs every demo and its scenarios in batches of {@code parallel} runs: the runs of a batch
   * start their pods together and delete them together once all are ready.
   */
  private static List<ScenarioResult> runAll(
      Map<String, Path> demos,
      Function<String, List<Scenario>> scenarios,
      ScenarioRun.Env env,
      int parallel)
      throws InterruptedException {
    record Job(String demo, Path jar, Scenario scenario) {}
    List<Job> jobs = new ArrayList<>();
    demos.forEach(
        (demo, jar) -> scenarios.apply(demo).forEach(s -> jobs.add(new Job(demo, jar, s))));
    ExecutorService pool =
        Executors.newFixedThreadPool(
            parallel,
            r -> {
              Thread t = new Thread(r, "scenario");
              t.setDaemon(true);
              return t;
            });
    try {
      List<ScenarioResult> results = new ArrayList<>();
      for (int from = 0; from < jobs.size(); from += parallel) {
        List<Job> batch = jobs.subList(from, Math.min(jobs.size(), from + parallel));
        Phaser gate = new Phaser(batch.size());
        List<Future<ScenarioResult>> futures = new ArrayList<>();
        for (Job job : batch) {
          futures.add(
              pool.submit(() -> ScenarioRun.run(job.demo(), job.jar(), job.scenario(), env, gate)));
        }
        for (Future<ScenarioResult> f : futures) {
          try {
            // Each run bounds its own steps (start, deletion, requests); no extra bound here.
            results.add(f.get());
          } catch (ExecutionException e) {
            throw new IllegalStateException("a scenario run crashed", e.getCause());
          }
        }
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The Kafka scenario ({@code --demo kafka-demo}): one broker and pod per sidecar configuration,
   * the ambient rows left out (the node proxy stand-in speaks HTTP only).
   */
  private static int kafka(Path jar, List<Scenario> scenarios, ScenarioRun.Env env, int parallel)
      throws InterruptedException {
    // The simulator's own Kafka clients: warnings only (slf4j-simple), the table stays readable.
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
    List<Scenario> chosen =
        scenarios.stream().filter(s -> s.mode() != Scenario.Mode.AMBIENT).toList();
    ExecutorService pool =
        Executors.newFixedThreadPool(Math.max(1, Math.min(parallel, chosen.size())));
    try {
      List<Future<KafkaResult>> futures = new ArrayList<>();
      for (Scenario s : chosen) {
        futures.add(pool.submit(() -> KafkaRun.run(jar, s, env)));
      }
      List<KafkaResult> results = new ArrayList<>();
      for (Future<KafkaResult> f : futures) {
        try {
          results.add(f.get());
        } catch (ExecutionException e) {
          throw new IllegalStateException("a Kafka run crashed", e.getCause());
        }
      }
      OUT.println();
      OUT.print(KafkaResult.markdown(results));
      for (KafkaResult r : results) {
        OUT.println();
        OUT.println(r.scenario().label() + (r.error() != null ? ": " + r.error() : ""));
        r.details().forEach(d -> OUT.println("  " + d));
      }
      long failed =
          results.stream()
              .filter(r -> r.error() != null || (r.scenario().drain4jRow() && !r.clean()))
              .count();
      OUT.println("mesh-sim: " + (results.size() - failed) + " passed, " + failed + " failed");
      return failed == 0 ? 0 : 1;
    } finally {
      pool.shutdownNow();
    }
  }

  /** Prints a progress line; lines of parallel runs never interleave. */
  static synchronized void say(String line) {
    OUT.println(line);
    OUT.flush();
  }

  /**
   * The demo jars to run: {@code samples/<name>/target/<name>.jar} for each {@code *-demo}
   * directory, the known demos first.
   *
   * @param wanted the demos asked for, empty for all found
   * @throws SetupException when a wanted demo has no jar, or none has
   */
  static Map<String, Path> discoverDemos(Path samples, List<String> wanted)
      throws SetupException, IOException {
    Map<String, Path> found = new LinkedHashMap<>();
    List<String> names = new ArrayList<>(KNOWN_DEMOS);
    if (Files.isDirectory(samples)) {
      try (Stream<Path> dirs = Files.list(samples)) {
        dirs.map(p -> p.getFileName().toString())
            .filter(n -> n.endsWith("-demo"))
            .filter(n -> !names.contains(n))
            .sorted(Comparator.naturalOrder())
            .forEach(names::add);
      }
    }
    for (String name : names) {
      Path jar = samples.resolve(name).resolve("target").resolve(name + ".jar");
      if (Files.isRegularFile(jar)) {
        found.put(name, jar.toAbsolutePath());
      }
    }
    String build = "build them first: mvn -B -q install -DskipTests (or bash demo.sh)";
    if (wanted.isEmpty()) {
      // The Kafka demo takes no requests: it runs only when named (--demo kafka-demo).
      found.keySet().removeIf(n -> DemoKind.of(n) == DemoKind.KAFKA);
      if (found.isEmpty()) {
        throw new SetupException(
            "no demo jar under " + samples.toAbsolutePath() + "/*-demo/target/; " + build);
      }
      return found;
    }
    Map<String, Path> chosen = new LinkedHashMap<>();
    for (String name : wanted) {
      Path jar = found.get(name);
      if (jar == null) {
        throw new SetupException(
            "no jar for demo '"
                + name
                + "' (looked for "
                + samples.toAbsolutePath().resolve(name).resolve("target").resolve(name + ".jar")
                + "; found: "
                + (found.isEmpty() ? "none" : String.join(", ", found.keySet()))
                + "); "
                + build);
      }
      chosen.put(name, jar);
    }
    return chosen;
  }

  /**
   * The samples directory: three levels above this jar ({@code samples/mesh-sim/target}), else
   * {@code ./samples}, else the working directory if it holds {@code mesh-sim}.
   */
  static Path locateSamples() throws SetupException {
    try {
      Path code =
          Path.of(MeshSim.class.getProtectionDomain().getCodeSource().getLocation().toURI())
              .toAbsolutePath();
      // .../samples/mesh-sim/target/mesh-sim.jar or .../samples/mesh-sim/target/classes
      Path candidate = code.getParent() == null ? null : code.getParent().getParent();
      candidate = candidate == null ? null : candidate.getParent();
      if (candidate != null && Files.isDirectory(candidate.resolve("mesh-sim"))) {
        return candidate;
      }
    } catch (URISyntaxException | SecurityException | NullPointerException e) {
      // fall through to the working directory
    }
    Path cwd = Path.of("").toAbsolutePath();
    for (Path candidate :
        List.of(cwd.resolve("samples"), cwd, cwd.getParent() == null ? cwd : cwd.getParent())) {
      if (Files.isDirectory(candidate.resolve("mesh-sim"))) {
        return candidate;
      }
    }
    throw new SetupException("cannot find the samples directory; pass --samples DIR");
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}

package io.drain4j.meshsim;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The command line.
 *
 * @param scale the factor applied to every duration (1 by default, 0.5 with {@code --quick})
 * @param quick whether {@code --quick} was given
 * @param demos the demos to run, empty for the run's default (see {@link #defaultDemos()})
 * @param scenarios the scenarios to run, in order
 * @param report where the Markdown report goes, {@code null} for the default
 * @param samples the samples directory, {@code null} to find it from the jar's location
 * @param logs where the pods' files and logs go, {@code null} for the default
 * @param parallel how many scenario runs may run at once
 * @param loopback whether to use the loopback fallback even as root
 * @param install whether missing packages may be installed with apt-get
 * @param all whether {@code --all} asked for the full matrix
 * @param help whether only the usage was asked for
 */
record Options(
    double scale,
    boolean quick,
    List<String> demos,
    List<Scenario> scenarios,
    Path report,
    Path samples,
    Path logs,
    int parallel,
    boolean loopback,
    boolean install,
    boolean all,
    boolean help) {

  /** The demos of the default run, those that matter most: Spring Boot and plain Jetty. */
  static final List<String> STORY_DEMOS = List.of("spring-demo", "servlet-demo");

  static final String USAGE =
      """
      usage: java -jar mesh-sim.jar [options]

      Terminates a pod around each drain4j demo application in each mesh mode (classic and
      native Istio sidecars of real HAProxy processes, ambient with a node proxy), today
      (DRAIN4J_ENABLED=false) and with drain4j, and reports what was lost.

      The default run (about 3 minutes) tells the story: scenarios 1t 4 4q 5t 5q 6t 6q for
      spring-demo and servlet-demo.

        --all               the full matrix: every scenario, every demo jar found (with
                            --quick: at half scale)
        --quick             the CI run: scenarios 1t 4 4q 5q 6q for every HTTP demo jar and
                            4q 5q 6q for grpc-demo, every duration halved (same ratios),
                            about 1.5 minutes + 15 s
        --scale X           every duration multiplied by X (0.1 to 4); default 1
        --demo NAME         only this demo (servlet-demo, netty-demo, spring-demo,
                            grpc-demo: gRPC through h2c sidecars); repeatable, or
                            comma-separated
        --scenario ID       only this scenario; repeatable or comma-separated. Classic sidecar:
                            1t today-istio-default, 3t today-netstat, 1 istio-default,
                            2 long-drain, 3 netstat, 3b netstat-no-agent, 4 drain4j,
                            4d drain4j-distroless, 4f drain4j-fast-exit, 4q drain4j-quiet;
                            native sidecar:
                            5t native-today, 5 native-drain4j, 5q native-drain4j-quiet;
                            ambient: 6t ambient-today, 6 ambient-drain4j, 6q ambient-drain4j-quiet
        --report PATH       the Markdown report; default samples/mesh-sim/target/mesh-report.md
        --logs DIR          the pods' configurations and logs; default
                            samples/mesh-sim/target/mesh-logs (emptied first)
        --samples DIR       the samples directory; default: found from the jar's location
        --parallel N        scenario runs at once (1 to 16); default 5
        --loopback          no network namespaces even as root (ports on 127.0.0.1 instead)
        --no-install        never install missing packages, only say what to install
        --help              this text

      Exit status: 0 when every drain4j row (4 4d 4f 4q 5 5q 6 6q) lost nothing for every demo,
      1 when one lost something or a run failed, 2 when the machine cannot run the simulator.
      """;

  /**
   * Parses the arguments.
   *
   * @throws IllegalArgumentException naming the bad argument
   */
  static Options parse(String... args) {
    double scale = 1;
    boolean quick = false;
    boolean scaleGiven = false;
    Set<String> demos = new LinkedHashSet<>();
    Set<Scenario> scenarios = new LinkedHashSet<>();
    Path report = null;
    Path samples = null;
    Path logs = null;
    int parallel = 5;
    boolean loopback = false;
    boolean install = true;
    boolean all = false;
    boolean help = false;
    List<String> list = new ArrayList<>(Arrays.asList(args));
    for (int i = 0; i < list.size(); i++) {
      String arg = list.get(i);
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        value = arg.substring(eq + 1);
        arg = arg.substring(0, eq);
      }
      switch (arg) {
        case "--quick" -> quick = true;
        case "--all" -> all = true;
        case "--loopback" -> loopback = true;
        case "--no-install" -> install = false;
        case "--help", "-h" -> help = true;
        case "--scale", "--demo", "--scenario", "--report", "--logs", "--samples", "--parallel" -> {
          if (value == null) {
            if (i + 1 >= list.size()) {
              throw new IllegalArgumentException(arg + " needs a value");
            }
            value = list.get(++i);
          }
          switch (arg) {
            case "--scale" -> {
              scale = number(arg, value);
              scaleGiven = true;
            }
            case "--demo" ->
                Arrays.stream(value.split(","))
                    .map(String::trim)
                    .filter(s -> !s.isEmpty())
                    .forEach(demos::add);
            case "--scenario" ->
                Arrays.stream(value.split(","))
                    .map(String::trim)
                    .filter(s -> !s.isEmpty())
                    .map(Scenario::parse)
                    .forEach(scenarios::add);
            case "--report" -> report = Path.of(value);
            case "--logs" -> logs = Path.of(value);
            case "--samples" -> samples = Path.of(value);
            case "--parallel" -> {
              double n = number(arg, value);
              if (n != Math.rint(n) || n < 1 || n > 16) {
                throw new IllegalArgumentException(
                    "--parallel " + value + " must be a whole number from 1 to 16");
              }
              parallel = (int) n;
            }
            default -> throw new IllegalStateException(arg);
          }
        }
        default ->
            throw new IllegalArgumentException(
                "unknown argument '" + list.get(i) + "'; see --help");
      }
    }
    if (quick && scaleGiven) {
      throw new IllegalArgumentException("--quick and --scale exclude each other");
    }
    if (quick) {
      scale = Timing.QUICK_SCALE;
    }
    if (!(scale >= 0.1 && scale <= 4)) {
      throw new IllegalArgumentException("--scale " + scale + " is out of range: 0.1 to 4");
    }
    List<Scenario> chosen =
        !scenarios.isEmpty()
            ? scenarios.stream().sorted().toList()
            : all ? List.of(Scenario.values()) : quick ? Scenario.QUICK : Scenario.STORY;
    return new Options(
        scale,
        quick,
        List.copyOf(demos),
        chosen,
        report,
        samples,
        logs,
        parallel,
        loopback,
        install,
        all,
        help);
  }

  /**
   * The demos to run when none was named: the story's demos in the default run (those of them that
   * were built), every demo jar found with {@code --all}, {@code --quick} or {@code --scenario}.
   */
  List<String> defaultDemos() {
    return all || quick || scenariosGiven() ? List.of() : STORY_DEMOS;
  }

  /**
   * The scenarios to run for {@code demo}: {@link #scenarios()}, except in the plain {@code
   * --quick} run (no demo or scenario named), where the gRPC demo runs only {@link
   * Scenario#QUICK_GRPC}, so that it adds one batch of runs to CI.
   */
  List<Scenario> scenariosFor(String demo) {
    if (quick
        && !all
        && demos.isEmpty()
        && DemoKind.of(demo) == DemoKind.GRPC
        && scenarios.equals(Scenario.QUICK)) {
      return Scenario.QUICK_GRPC;
    }
    return scenarios;
  }

  private boolean scenariosGiven() {
    return !scenarios.equals(Scenario.STORY);
  }

  private static double number(String arg, String value) {
    try {
      return Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(arg + " " + value + " is not a number");
    }
  }

  String mode() {
    String base = quick ? "quick" : scale == 1 ? "default" : "scale " + scale;
    return all ? base + ", full matrix" : base;
  }
}

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
 * @param demos the demos to run, empty for every demo jar found
 * @param scenarios the scenarios to run, in order
 * @param report where the Markdown report goes, {@code null} for the default
 * @param samples the samples directory, {@code null} to find it from the jar's location
 * @param logs where the pods' files and logs go, {@code null} for the default
 * @param parallel how many scenario runs may run at once
 * @param loopback whether to use the loopback fallback even as root
 * @param install whether missing packages may be installed with apt-get
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
    boolean help) {

  static final String USAGE =
      """
      usage: java -jar mesh-sim.jar [options]

      Terminates a pod with real HAProxy sidecars around each drain4j demo application, in
      each sidecar configuration, and reports what was lost.

        --quick             every duration halved (same ratios): the CI run, about 1.5 minutes
        --scale X           every duration multiplied by X (0.1 to 4); default 1
        --demo NAME         only this demo (servlet-demo, netty-demo, spring-demo); repeatable,
                            or comma-separated; default: every samples/*-demo/target/*-demo.jar
        --scenario ID       only this scenario: 1 istio-default, 2 long-drain, 3 netstat,
                            3b netstat-no-agent, 4 drain4j; repeatable or comma-separated
        --report PATH       the Markdown report; default samples/mesh-sim/target/mesh-report.md
        --logs DIR          the pods' configurations and logs; default
                            samples/mesh-sim/target/mesh-logs (emptied first)
        --samples DIR       the samples directory; default: found from the jar's location
        --parallel N        scenario runs at once (1 to 16); default 5
        --loopback          no network namespaces even as root (ports on 127.0.0.1 instead)
        --no-install        never install missing packages, only say what to install
        --help              this text

      Exit status: 0 when the drain4j scenario lost nothing for every demo, 1 when it lost
      something or a run failed, 2 when the machine cannot run the simulator.
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
        scenarios.isEmpty() ? List.of(Scenario.values()) : scenarios.stream().sorted().toList();
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
        help);
  }

  private static double number(String arg, String value) {
    try {
      return Double.parseDouble(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(arg + " " + value + " is not a number");
    }
  }

  String mode() {
    return quick ? "quick" : scale == 1 ? "default" : "scale " + scale;
  }
}

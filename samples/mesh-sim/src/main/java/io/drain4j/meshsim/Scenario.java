package io.drain4j.meshsim;

import java.util.List;
import java.util.Locale;

/**
 * The pod configurations compared by the simulator: a mesh mode (classic sidecar, native sidecar,
 * ambient), the sidecar's preStop hook, and what the application runs (drain4j or only its
 * framework's own graceful shutdown).
 */
enum Scenario {
  /** Today, Istio's default: no drain4j in the application, no sidecar hook, a 5 s drain. */
  TODAY_ISTIO_DEFAULT(
      "1t",
      "today-istio-default",
      "TODAY: no drain4j, no sidecar hook, Istio's default drain",
      Mode.CLASSIC,
      SidecarHook.NONE,
      App.TODAY),
  /** Today with the seed's netstat loop on the sidecar, no drain4j in the application. */
  TODAY_NETSTAT(
      "3t",
      "today-netstat",
      "TODAY: no drain4j, the seed's netstat preStop loop",
      Mode.CLASSIC,
      SidecarHook.NETSTAT,
      App.TODAY),
  /** drain4j inside the application, Istio's default sidecar: no hook, a 5 s drain. */
  ISTIO_DEFAULT(
      "1",
      "istio-default",
      "drain4j in the app, no sidecar hook, Istio's default drain",
      Mode.CLASSIC,
      SidecarHook.NONE,
      App.DRAIN4J_NO_ENDPOINT),
  /** The seed's solution 1: the drain raised above the longest request. */
  LONG_DRAIN(
      "2",
      "long-drain",
      "drain4j in the app, no hook, drain raised above the longest request",
      Mode.CLASSIC,
      SidecarHook.NONE,
      App.DRAIN4J_NO_ENDPOINT),
  /** The seed's solution 2: the netstat preStop loop, verbatim. */
  NETSTAT(
      "3",
      "netstat",
      "drain4j in the app, the seed's netstat preStop loop",
      Mode.CLASSIC,
      SidecarHook.NETSTAT,
      App.DRAIN4J_NO_ENDPOINT),
  /** Solution 2 with pilot-agent's own listener excluded as well. */
  NETSTAT_NO_AGENT(
      "3b",
      "netstat-no-agent",
      "drain4j in the app, netstat loop that also excludes pilot-agent",
      Mode.CLASSIC,
      SidecarHook.NETSTAT_NO_AGENT,
      App.DRAIN4J_NO_ENDPOINT),
  /** drain4j's sidecar preStop hook of DESIGN §5; the agent then drains idle for 5 s. */
  DRAIN4J(
      "4",
      "drain4j",
      "drain4j hook: POST /drain, then GET /drain/await",
      Mode.CLASSIC,
      SidecarHook.DRAIN4J,
      App.DRAIN4J),
  /**
   * Istio's distroless proxy (no shell): the hook is {@code pilot-agent wait} on {@code
   * /drain/await}, and the agent then drains for a 1 s {@code terminationDrainDuration}.
   */
  DRAIN4J_DISTROLESS(
      "4d",
      "drain4j-distroless",
      "distroless proxy: pilot-agent wait on /drain/await, terminationDrainDuration cut to a fifth",
      Mode.CLASSIC,
      SidecarHook.DRAIN4J_DISTROLESS,
      App.DRAIN4J),
  /** drain4j's hook, then pilot-agent's own {@code /drain}: the agent exits at its SIGTERM. */
  DRAIN4J_FAST_EXIT(
      "4f",
      "drain4j-fast-exit",
      "drain4j hook, then pilot-agent request POST drain: no idle drain after DRAINED",
      Mode.CLASSIC,
      SidecarHook.DRAIN4J_FAST_EXIT,
      App.DRAIN4J),
  /** As 4f, with drain4j's quiet period. */
  DRAIN4J_QUIET(
      "4q",
      "drain4j-quiet",
      "as 4f, with DRAIN4J_QUIET_PERIOD and DRAIN4J_MIN_PROPAGATION_DELAY",
      Mode.CLASSIC,
      SidecarHook.DRAIN4J_FAST_EXIT,
      App.DRAIN4J_QUIET),
  /** Today with a native sidecar: Istio's own preStop drain, no drain4j in the application. */
  NATIVE_TODAY(
      "5t",
      "native-today",
      "TODAY: native sidecar (Istio's preStop POST drain), no drain4j",
      Mode.NATIVE,
      SidecarHook.ISTIO_NATIVE_DRAIN,
      App.TODAY),
  /** A native sidecar with drain4j in the application; no drain4j hook is needed. */
  NATIVE_DRAIN4J(
      "5",
      "native-drain4j",
      "native sidecar (Istio's preStop POST drain), drain4j in the app",
      Mode.NATIVE,
      SidecarHook.ISTIO_NATIVE_DRAIN,
      App.DRAIN4J),
  /** As 5, with drain4j's quiet period. */
  NATIVE_QUIET(
      "5q",
      "native-drain4j-quiet",
      "as 5, with the quiet period",
      Mode.NATIVE,
      SidecarHook.ISTIO_NATIVE_DRAIN,
      App.DRAIN4J_QUIET),
  /** Today in ambient mode: a node proxy outside the pod, no drain4j in the application. */
  AMBIENT_TODAY(
      "6t",
      "ambient-today",
      "TODAY: ambient, node proxy (ztunnel stand-in), no drain4j",
      Mode.AMBIENT,
      SidecarHook.NONE,
      App.TODAY),
  /** Ambient with drain4j in the application. */
  AMBIENT_DRAIN4J(
      "6",
      "ambient-drain4j",
      "ambient, node proxy (ztunnel stand-in), drain4j in the app",
      Mode.AMBIENT,
      SidecarHook.NONE,
      App.DRAIN4J),
  /** As 6, with drain4j's quiet period. */
  AMBIENT_QUIET(
      "6q",
      "ambient-drain4j-quiet",
      "as 6, with the quiet period",
      Mode.AMBIENT,
      SidecarHook.NONE,
      App.DRAIN4J_QUIET);

  /** How traffic reaches the pod and how its proxy ends. */
  enum Mode {
    /** A regular sidecar container: SIGTERM at the deletion, or when its preStop hook ends. */
    CLASSIC("classic sidecar"),
    /**
     * A native sidecar (an init container with {@code restartPolicy: Always}, Kubernetes 1.29+):
     * its preStop runs at the deletion, its SIGTERM comes only once the application has exited.
     */
    NATIVE("native sidecar"),
    /** No sidecar: a node proxy outside the pod (ztunnel) carries the pod's traffic. */
    AMBIENT("ambient");

    private final String label;

    Mode(String label) {
      this.label = label;
    }

    String label() {
      return label;
    }
  }

  /** What the application container runs. */
  enum App {
    /** {@code DRAIN4J_ENABLED=false}: the framework's own graceful shutdown only. */
    TODAY,
    /** drain4j inside, its status endpoint off (nothing reads it). */
    DRAIN4J_NO_ENDPOINT,
    /** drain4j inside with its status endpoint. */
    DRAIN4J,
    /** drain4j inside with its status endpoint and a quiet period. */
    DRAIN4J_QUIET
  }

  /** The scenarios of the default run: today against drain4j, per mesh mode. */
  static final List<Scenario> STORY =
      List.of(
          TODAY_ISTIO_DEFAULT,
          DRAIN4J,
          DRAIN4J_QUIET,
          NATIVE_TODAY,
          NATIVE_QUIET,
          AMBIENT_TODAY,
          AMBIENT_QUIET);

  /**
   * The scenarios of {@code --quick} (CI): the drain4j rows that must lose nothing, one baseline.
   */
  static final List<Scenario> QUICK =
      List.of(TODAY_ISTIO_DEFAULT, DRAIN4J, DRAIN4J_QUIET, NATIVE_QUIET, AMBIENT_QUIET);

  /**
   * The scenarios of {@code --quick} for the gRPC demo: drain4j's row of each mesh mode, one batch
   * of runs (about 25 s at half scale on the 2-core machine) on top of the HTTP demos'.
   */
  static final List<Scenario> QUICK_GRPC = List.of(DRAIN4J_QUIET, NATIVE_QUIET, AMBIENT_QUIET);

  private final String id;
  private final String slug;
  private final String description;
  private final Mode mode;
  private final SidecarHook hook;
  private final App app;

  Scenario(String id, String slug, String description, Mode mode, SidecarHook hook, App app) {
    this.id = id;
    this.slug = slug;
    this.description = description;
    this.mode = mode;
    this.hook = hook;
    this.app = app;
  }

  String id() {
    return id;
  }

  String slug() {
    return slug;
  }

  /** For example {@code 3b netstat-no-agent}. */
  String label() {
    return id + " " + slug;
  }

  String description() {
    return description;
  }

  Mode mode() {
    return mode;
  }

  SidecarHook hook() {
    return hook;
  }

  App app() {
    return app;
  }

  /** Whether the pod has a sidecar container (all but ambient). */
  boolean hasSidecar() {
    return mode != Mode.AMBIENT;
  }

  boolean raisedDrain() {
    return this == LONG_DRAIN;
  }

  /** Whether the application runs drain4j ({@code DRAIN4J_ENABLED} not false). */
  boolean drain4jInApp() {
    return app != App.TODAY;
  }

  /** Whether the application runs with a quiet period. */
  boolean quiet() {
    return app == App.DRAIN4J_QUIET;
  }

  /** Whether this is a "today" row: the application without drain4j, as users run it now. */
  boolean today() {
    return app == App.TODAY;
  }

  /**
   * Whether this row is drain4j as its guide configures it for the mesh mode: the rows that must
   * lose nothing for the run to pass.
   */
  boolean drain4jRow() {
    return app == App.DRAIN4J || app == App.DRAIN4J_QUIET;
  }

  /**
   * Whether the application serves drain4j's status endpoint. Only the drain4j rows do; elsewhere
   * the application stands for one without drain4j's endpoint, so that netstat sees only the
   * listeners such an application has.
   */
  boolean statusEndpoint() {
    return drain4jRow();
  }

  /**
   * Whether the agent's drain is started through its own {@code /drain} (Istio's native-sidecar
   * preStop, or drain4j's hook at DRAINED): the ingress then drains until the agent's SIGTERM, at
   * which the agent exits at once.
   */
  boolean drainNow() {
    return hook == SidecarHook.ISTIO_NATIVE_DRAIN || hook == SidecarHook.DRAIN4J_FAST_EXIT;
  }

  /** Whether the scenario means anything without a network namespace of its own. */
  boolean needsOwnNetwork() {
    return hook == SidecarHook.NETSTAT || hook == SidecarHook.NETSTAT_NO_AGENT;
  }

  /**
   * The scenario named by {@code text}: its id ({@code 3b}) or its name ({@code netstat}).
   *
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   */
  static Scenario parse(String text) {
    String wanted = text.trim().toLowerCase(Locale.ROOT);
    for (Scenario s : values()) {
      if (s.id.equals(wanted) || s.slug.equals(wanted)) {
        return s;
      }
    }
    StringBuilder known = new StringBuilder();
    for (Scenario s : values()) {
      known
          .append(known.length() == 0 ? "" : ", ")
          .append(s.id)
          .append(" (")
          .append(s.slug)
          .append(')');
    }
    throw new IllegalArgumentException("unknown scenario '" + text + "'; known: " + known);
  }
}

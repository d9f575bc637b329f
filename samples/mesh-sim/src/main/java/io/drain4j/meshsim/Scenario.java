package io.drain4j.meshsim;

import java.util.Locale;

/** The sidecar configurations compared by the simulator (issue 6, scenarios 1 to 4). */
enum Scenario {
  /** Istio's default: no preStop hook on the sidecar, a 5 s drain. */
  ISTIO_DEFAULT(
      "1", "istio-default", "no sidecar hook, Istio's default drain", SidecarHook.NONE, false),
  /** The seed's solution 1: the drain raised above the longest request. */
  LONG_DRAIN(
      "2", "long-drain", "no hook, drain raised above the longest request", SidecarHook.NONE, true),
  /** The seed's solution 2: the netstat preStop loop, verbatim. */
  NETSTAT("3", "netstat", "the seed's netstat preStop loop", SidecarHook.NETSTAT, false),
  /** Solution 2 with pilot-agent's own listener excluded as well. */
  NETSTAT_NO_AGENT(
      "3b",
      "netstat-no-agent",
      "netstat loop that also excludes pilot-agent",
      SidecarHook.NETSTAT_NO_AGENT,
      false),
  /** drain4j's sidecar preStop hook of DESIGN §5. */
  DRAIN4J(
      "4",
      "drain4j",
      "drain4j hook: POST /drain, then GET /drain/await",
      SidecarHook.DRAIN4J,
      false);

  private final String id;
  private final String slug;
  private final String description;
  private final SidecarHook hook;
  private final boolean raisedDrain;

  Scenario(String id, String slug, String description, SidecarHook hook, boolean raisedDrain) {
    this.id = id;
    this.slug = slug;
    this.description = description;
    this.hook = hook;
    this.raisedDrain = raisedDrain;
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

  SidecarHook hook() {
    return hook;
  }

  boolean raisedDrain() {
    return raisedDrain;
  }

  /**
   * Whether the application serves drain4j's status endpoint. Only the drain4j hook reads it;
   * elsewhere the application stands for one without drain4j's endpoint, so that netstat sees only
   * the listeners such an application has.
   */
  boolean statusEndpoint() {
    return hook == SidecarHook.DRAIN4J;
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

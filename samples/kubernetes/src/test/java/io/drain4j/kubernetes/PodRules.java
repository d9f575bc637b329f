package io.drain4j.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Lifecycle;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The rules a pod running a drain4j application next to a sidecar must follow, checked on the
 * parsed manifests. Each rule names what goes wrong in the cluster when it is broken.
 *
 * <p>The budget rules use the drain's bound, {@code DRAIN4J_PROPAGATION_DELAY + DRAIN4J_DEADLINE}.
 * The deadline already counts from the start of the drain, so the delay is headroom on top of it:
 * for the JVM's exit after DRAINED, and for a kubelet that starts the hook or delivers SIGTERM
 * late.
 */
final class PodRules {

  /** Istio's default {@code terminationDrainDuration}, also ASM's default drain duration. */
  static final Duration ISTIO_DEFAULT_TERMINATION_DRAIN = Duration.ofSeconds(5);

  static final String ISTIO_PROXY_CONFIG = "proxy.istio.io/config";
  static final String ISTIO_PROXY = "istio-proxy";
  static final String ISTIO_NATIVE_SIDECAR = "sidecar.istio.io/nativeSidecar";
  static final String ISTIO_DATAPLANE_MODE = "istio.io/dataplane-mode";
  static final String GRACE_ENV = "DRAIN4J_TERMINATION_GRACE_PERIOD";
  static final String LINKERD_INJECT = "linkerd.io/inject";
  static final String LINKERD_WAIT = "config.alpha.linkerd.io/proxy-wait-before-exit-seconds";
  static final String LINKERD_GRACE = "config.linkerd.io/shutdown-grace-period";
  static final List<String> LINKERD_NATIVE_ANNOTATIONS =
      List.of(
          "config.alpha.linkerd.io/proxy-enable-native-sidecar",
          "config.beta.linkerd.io/proxy-enable-native-sidecar");

  private PodRules() {}

  /**
   * Checks the Deployments and Services of one manifest file.
   *
   * @param resources the file's resources
   * @param mesh how the sidecar is kept alive
   * @param namespaceLifecycle for {@link Mesh#ASM}: the sidecar lifecycle set for the namespace;
   *     {@code null} otherwise
   * @return one line per problem; empty when the manifest follows every rule
   */
  static List<String> check(List<HasMetadata> resources, Mesh mesh, Lifecycle namespaceLifecycle) {
    List<String> problems = new ArrayList<>();
    List<Deployment> deployments =
        resources.stream()
            .filter(Deployment.class::isInstance)
            .map(Deployment.class::cast)
            .toList();
    if (deployments.isEmpty()) {
      problems.add("no Deployment to check");
    }
    for (Deployment d : deployments) {
      checkDeployment(d, mesh, namespaceLifecycle, problems);
    }
    resources.stream()
        .filter(Service.class::isInstance)
        .map(Service.class::cast)
        .forEach(s -> checkService(s, deployments, problems));
    return problems;
  }

  private static void checkDeployment(
      Deployment d, Mesh mesh, Lifecycle namespaceLifecycle, List<String> problems) {
    String name = "Deployment " + d.getMetadata().getName();
    PodTemplateSpec template = d.getSpec().getTemplate();
    PodSpec spec = template.getSpec();
    Map<String, String> annotations = annotations(template.getMetadata());
    List<Container> containers = orEmpty(spec.getContainers());
    List<Container> initContainers = orEmpty(spec.getInitContainers());

    // The application is the container that configures drain4j; the others are checked as its
    // neighbours (their preStop hooks) below.
    Map<Boolean, List<Container>> byRole =
        containers.stream()
            .collect(
                Collectors.partitioningBy(
                    c ->
                        orEmpty(c.getEnv()).stream()
                            .anyMatch(v -> v.getName().startsWith("DRAIN4J_"))));
    List<Container> apps = byRole.get(true);
    List<Container> others = byRole.get(false);
    if (apps.size() != 1) {
      problems.add(
          name
              + ": expected exactly one container setting DRAIN4J_* variables (the"
              + " application), found "
              + apps.stream().map(Container::getName).toList());
      return;
    }
    Container app = apps.get(0);
    String appWhere = name + " container " + app.getName();

    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar v : orEmpty(app.getEnv())) {
      if (v.getName().startsWith("DRAIN4J_") && v.getValue() == null) {
        problems.add(
            appWhere
                + ": set "
                + v.getName()
                + " inline (value:), so that the hooks"
                + " and the budget can be checked against it");
      } else if (v.getValue() != null) {
        env.put(v.getName(), v.getValue());
      }
    }
    Drain4jSettings s;
    try {
      s = Drain4jSettings.fromEnvironment(env);
    } catch (IllegalArgumentException e) {
      problems.add(appWhere + ": " + e.getMessage());
      return;
    }
    checkSettings(appWhere, s, problems);

    if (app.getLifecycle() != null && app.getLifecycle().getPreStop() != null) {
      problems.add(
          appWhere
              + ": the application needs no preStop hook: SIGTERM starts the"
              + " drain, and a hook only delays that and eats into the grace period");
    }
    checkReadiness(appWhere, app, s, problems);
    for (Container c : concat(initContainers, others).toList()) {
      LifecycleHandler preStop = preStop(c);
      String where = name + " container " + c.getName();
      if (preStop != null && mesh == Mesh.ISTIO_DISTROLESS && c.getName().equals(ISTIO_PROXY)) {
        PreStopHook.distrolessProblem(where, preStop, s.statusPort(), s.drainBound())
            .ifPresent(problems::add);
      } else if (preStop != null) {
        PreStopHook.problem(where, preStop, s.statusPort()).ifPresent(problems::add);
      }
    }

    Long graceSeconds = spec.getTerminationGracePeriodSeconds();
    if (graceSeconds == null) {
      problems.add(
          name
              + ": set terminationGracePeriodSeconds explicitly (Kubernetes' default"
              + " is 30), so that the budget can be read off the manifest");
      return;
    }
    Budget budget = new Budget(name, s, Duration.ofSeconds(graceSeconds), problems);
    budget.drainFitsTheGracePeriod();
    checkGracePeriodPassedIn(appWhere, env, graceSeconds, problems);

    switch (mesh) {
      case ISTIO -> {
        Optional<Container> proxy = named(containers, ISTIO_PROXY);
        if (proxy.isEmpty() || preStop(proxy.get()) == null) {
          problems.add(
              name
                  + ": no istio-proxy container with the drain4j preStop hook: the"
                  + " sidecar would begin its drain on SIGTERM at once and be killed after"
                  + " terminationDrainDuration, whatever the application still runs");
        }
        istioTerminationDrain(name, annotations, problems)
            .ifPresent(tdd -> budget.sidecarDrainFits("terminationDrainDuration", tdd));
      }
      case ISTIO_DISTROLESS -> {
        if (!"distroless".equals(istioImageType(annotations))) {
          problems.add(
              name
                  + ": set image.imageType: distroless in "
                  + ISTIO_PROXY_CONFIG
                  + ", or check this manifest as ISTIO");
        }
        Optional<Container> proxy = named(containers, ISTIO_PROXY);
        if (proxy.isEmpty() || preStop(proxy.get()) == null) {
          problems.add(
              name
                  + ": no istio-proxy container with the pilot-agent wait preStop hook: the"
                  + " sidecar would begin its drain on SIGTERM at once");
        }
        // The hook may end at its own timeout (propagation delay + deadline + 1 s) before the
        // agent drains for terminationDrainDuration.
        istioTerminationDrain(name, annotations, problems)
            .ifPresent(
                tdd ->
                    budget.sidecarDrainFits(
                        "1s (the hook's margin) + terminationDrainDuration", tdd.plusSeconds(1)));
      }
      case ISTIO_NATIVE -> {
        if (!"true".equals(annotations.get(ISTIO_NATIVE_SIDECAR))) {
          problems.add(
              name
                  + ": set "
                  + ISTIO_NATIVE_SIDECAR
                  + ": \"true\" (Istio 1.24+; the default from"
                  + " 1.28 on Kubernetes 1.33+), or the sidecar is a regular container that gets"
                  + " SIGTERM with the application");
        }
        forbidProxyOverride(name, containers, "a native sidecar needs no hook of ours", problems);
      }
      case ISTIO_AMBIENT -> {
        if (!"ambient".equals(labels(template.getMetadata()).get(ISTIO_DATAPLANE_MODE))) {
          problems.add(
              name
                  + ": label the pod (or its namespace) "
                  + ISTIO_DATAPLANE_MODE
                  + ": ambient; this check reads the pod template");
        }
        if ("true".equals(labels(template.getMetadata()).get("sidecar.istio.io/inject"))
            || "true".equals(annotations.get("sidecar.istio.io/inject"))) {
          problems.add(name + ": ambient pods get no sidecar: drop sidecar.istio.io/inject");
        }
        forbidProxyOverride(name, containers, "ambient mode has no sidecar", problems);
      }
      case ASM -> {
        checkAsmLifecycle(name, namespaceLifecycle, s, problems);
        istioTerminationDrain(name, annotations, problems)
            .ifPresent(tdd -> budget.sidecarDrainFits("the sidecar's drain duration", tdd));
      }
      case NATIVE_SIDECAR -> {
        List<Container> sidecars =
            initContainers.stream().filter(c -> "Always".equals(c.getRestartPolicy())).toList();
        if (sidecars.isEmpty()) {
          problems.add(
              name
                  + ": no native sidecar (an init container with restartPolicy:"
                  + " Always); a regular sidecar gets SIGTERM at the same time as the application");
        } else if (sidecars.stream().allMatch(c -> preStop(c) == null)) {
          problems.add(
              name
                  + ": no native sidecar carries the drain4j preStop hook, which holds"
                  + " the proxy where the kubelet does not order termination (Kubernetes 1.28)");
        }
      }
      case LINKERD -> {
        requireLinkerdInjection(name, annotations, problems);
        if (linkerdNative(annotations)) {
          problems.add(
              name
                  + ": native sidecar annotations set; check this manifest as"
                  + " LINKERD_NATIVE");
        }
        Optional<Duration> wait = linkerdWait(name, annotations, problems);
        if (wait.isEmpty() && !annotations.containsKey(LINKERD_WAIT)) {
          problems.add(
              name
                  + ": set "
                  + LINKERD_WAIT
                  + ": on SIGTERM linkerd-proxy refuses new"
                  + " connections, inbound and outbound, so it must outlive the application's drain");
        }
        Optional<Duration> grace = linkerdGrace(name, annotations, problems);
        wait.ifPresent(w -> budget.waitCoversTheDrain(LINKERD_WAIT, w));
        if (wait.isPresent() && grace.isPresent()) {
          budget.fits(
              LINKERD_WAIT
                  + " "
                  + Durations.format(wait.get())
                  + " + "
                  + LINKERD_GRACE
                  + " "
                  + Durations.format(grace.get()),
              wait.get().plus(grace.get()));
        }
      }
      case LINKERD_NATIVE -> {
        requireLinkerdInjection(name, annotations, problems);
        if (!linkerdNative(annotations)) {
          problems.add(
              name
                  + ": set "
                  + LINKERD_NATIVE_ANNOTATIONS.get(0)
                  + " (Linkerd up to"
                  + " 2.18) or "
                  + LINKERD_NATIVE_ANNOTATIONS.get(1)
                  + " (2.19 on) to \"true\"");
        }
        if (annotations.containsKey(LINKERD_WAIT)) {
          problems.add(
              name
                  + ": "
                  + LINKERD_WAIT
                  + " must not be used with native sidecars"
                  + " (Linkerd's documentation): the kubelet already stops the proxy last");
        }
        linkerdGrace(name, annotations, problems)
            .ifPresent(g -> budget.sidecarDrainFits(LINKERD_GRACE, g));
      }
      default -> throw new IllegalStateException("unhandled mesh " + mesh);
    }
  }

  private static void checkSettings(String where, Drain4jSettings s, List<String> problems) {
    for (String required : List.of("DRAIN4J_PROPAGATION_DELAY", "DRAIN4J_DEADLINE")) {
      if (!s.explicit().contains(required)) {
        problems.add(
            where
                + ": set "
                + required
                + " explicitly: the timing budget depends on"
                + " it, and a default that changes would break it silently");
      }
    }
    if (!s.statusEnabled()) {
      problems.add(
          where
              + ": DRAIN4J_STATUS_ENABLED=false, but the sidecar's hook and the"
              + " readiness probe need the status endpoint");
    }
    if (!s.shutdownHook()) {
      problems.add(
          where
              + ": DRAIN4J_SHUTDOWN_HOOK=false: SIGTERM would not start the drain"
              + " (only a framework with its own shutdown sequence, such as Spring, turns it off)");
    }
    if (s.statusPort() == 0) {
      problems.add(
          where
              + ": DRAIN4J_STATUS_PORT=0 picks a random port; the hook and the probe"
              + " need a fixed one");
    }
    if (!s.reachableOnLoopback()) {
      problems.add(
          where
              + ": DRAIN4J_STATUS_ADDRESS="
              + s.statusAddress()
              + ", but the hook"
              + " calls 127.0.0.1 (and POST /drain is accepted only from 127.0.0.1 or ::1)");
    }
  }

  private static void checkReadiness(
      String where, Container app, Drain4jSettings s, List<String> problems) {
    Probe probe = app.getReadinessProbe();
    if (probe == null) {
      problems.add(
          where
              + ": no readinessProbe on GET /ready of the status endpoint, which"
              + " fails as soon as the drain starts");
      return;
    }
    if (probe.getHttpGet() != null) {
      HTTPGetAction get = probe.getHttpGet();
      if (!"/ready".equals(get.getPath())) {
        problems.add(where + ": readinessProbe path is " + get.getPath() + ", not /ready");
      }
      Integer port = containerPort(app, get.getPort());
      if (port == null || port != s.statusPort()) {
        problems.add(
            where
                + ": readinessProbe port "
                + (get.getPort() == null ? null : get.getPort().getValue())
                + " is not the status port "
                + s.statusPort());
      }
      if (!s.isWildcard()) {
        problems.add(
            where
                + ": an httpGet readinessProbe connects to the pod IP, but the status"
                + " endpoint binds "
                + s.statusAddress()
                + ": use an exec probe (curl or wget to"
                + " 127.0.0.1) or set DRAIN4J_STATUS_ADDRESS=0.0.0.0 (POST /drain stays refused"
                + " from anywhere but loopback)");
      }
    } else if (probe.getExec() != null) {
      String url = "http://127.0.0.1:" + s.statusPort() + "/ready";
      List<String> command = orEmpty(probe.getExec().getCommand());
      if (!command.contains(url)) {
        problems.add(where + ": the exec readinessProbe must request " + url + ", was " + command);
      }
    } else {
      problems.add(
          where
              + ": readinessProbe must request GET /ready of the status endpoint"
              + " (exec or httpGet)");
    }
  }

  private static void checkAsmLifecycle(
      String name, Lifecycle lifecycle, Drain4jSettings s, List<String> problems) {
    if (lifecycle == null) {
      problems.add(name + ": no sidecar lifecycle given for the ASM namespace");
      return;
    }
    LifecycleHandler postStart = lifecycle.getPostStart();
    if (postStart == null
        || postStart.getExec() == null
        || !List.of("pilot-agent", "wait").equals(postStart.getExec().getCommand())) {
      problems.add(
          "ASM sidecar lifecycle: keep postStart [pilot-agent, wait]: the console's"
              + " lifecycle replaces the sidecar's whole lifecycle, and without it the application"
              + " may start before its proxy is ready");
    }
    if (lifecycle.getPreStop() == null) {
      problems.add("ASM sidecar lifecycle: no preStop hook; the sidecar would stop at once");
    } else {
      PreStopHook.problem("ASM sidecar lifecycle", lifecycle.getPreStop(), s.statusPort())
          .ifPresent(problems::add);
    }
  }

  /** The sidecar's {@code terminationDrainDuration}: from the annotation, else Istio's default. */
  private static Optional<Duration> istioTerminationDrain(
      String name, Map<String, String> annotations, List<String> problems) {
    String yaml = annotations.get(ISTIO_PROXY_CONFIG);
    if (yaml == null) {
      return Optional.of(ISTIO_DEFAULT_TERMINATION_DRAIN);
    }
    try {
      Map<String, Object> config = ManifestReader.readYamlMap(ISTIO_PROXY_CONFIG, yaml);
      if (config.get("proxyMetadata") instanceof Map<?, ?> metadata
          && "true"
              .equalsIgnoreCase(String.valueOf(metadata.get("EXIT_ON_ZERO_ACTIVE_CONNECTIONS")))) {
        problems.add(
            name
                + ": EXIT_ON_ZERO_ACTIVE_CONNECTIONS makes the proxy wait for its"
                + " active connections to reach zero, which clients' idle keep-alive connections can"
                + " delay to the grace period; with the drain4j hook it is not needed, and the budget"
                + " can no longer be checked");
      }
      Object value = config.get("terminationDrainDuration");
      return Optional.of(
          value == null
              ? ISTIO_DEFAULT_TERMINATION_DRAIN
              : Durations.protobuf("terminationDrainDuration", String.valueOf(value)));
    } catch (IllegalArgumentException e) {
      problems.add(name + ": " + e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * DRAIN4J_TERMINATION_GRACE_PERIOD must carry the pod's terminationGracePeriodSeconds, so that
   * drain4j warns at start-up when propagation delay + deadline + 2 s does not fit.
   */
  private static void checkGracePeriodPassedIn(
      String appWhere, Map<String, String> env, long graceSeconds, List<String> problems) {
    String value = env.get(GRACE_ENV);
    if (value == null) {
      problems.add(
          appWhere
              + ": set "
              + GRACE_ENV
              + " to the pod's terminationGracePeriodSeconds ("
              + graceSeconds
              + "s), so that drain4j warns at start-up when its budget does not fit");
      return;
    }
    try {
      Duration passed = Durations.go(GRACE_ENV, value.trim());
      if (!passed.equals(Duration.ofSeconds(graceSeconds))) {
        problems.add(
            appWhere
                + ": "
                + GRACE_ENV
                + "="
                + value
                + " differs from terminationGracePeriodSeconds "
                + graceSeconds
                + ": drain4j would check its budget against the wrong grace period");
      }
    } catch (IllegalArgumentException e) {
      problems.add(appWhere + ": " + e.getMessage());
    }
  }

  /** ProxyConfig's {@code image.imageType} from the pod's annotation, {@code null} if unset. */
  private static String istioImageType(Map<String, String> annotations) {
    String yaml = annotations.get(ISTIO_PROXY_CONFIG);
    if (yaml == null) {
      return null;
    }
    Map<String, Object> config = ManifestReader.readYamlMap(ISTIO_PROXY_CONFIG, yaml);
    return config.get("image") instanceof Map<?, ?> image
        ? String.valueOf(image.get("imageType"))
        : null;
  }

  private static void forbidProxyOverride(
      String name, List<Container> containers, String why, List<String> problems) {
    if (named(containers, ISTIO_PROXY).isPresent()) {
      problems.add(name + ": remove the istio-proxy container: " + why);
    }
  }

  private static void requireLinkerdInjection(
      String name, Map<String, String> annotations, List<String> problems) {
    if (!"enabled".equals(annotations.get(LINKERD_INJECT))) {
      problems.add(name + ": " + LINKERD_INJECT + " is not \"enabled\" on the pod template");
    }
  }

  private static boolean linkerdNative(Map<String, String> annotations) {
    return LINKERD_NATIVE_ANNOTATIONS.stream()
        .anyMatch(a -> "true".equalsIgnoreCase(annotations.get(a)));
  }

  private static Optional<Duration> linkerdWait(
      String name, Map<String, String> annotations, List<String> problems) {
    String value = annotations.get(LINKERD_WAIT);
    if (value == null) {
      return Optional.empty();
    }
    try {
      long seconds = Long.parseLong(value.trim());
      if (seconds >= 0) {
        return Optional.of(Duration.ofSeconds(seconds));
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    problems.add(name + ": " + LINKERD_WAIT + " '" + value + "' is not a whole number of seconds");
    return Optional.empty();
  }

  private static Optional<Duration> linkerdGrace(
      String name, Map<String, String> annotations, List<String> problems) {
    String value = annotations.get(LINKERD_GRACE);
    if (value == null) {
      problems.add(
          name
              + ": set "
              + LINKERD_GRACE
              + " explicitly, so that the proxy's own"
              + " shutdown fits the grace period");
      return Optional.empty();
    }
    try {
      return Optional.of(Durations.go(LINKERD_GRACE, value));
    } catch (IllegalArgumentException e) {
      problems.add(name + ": " + e.getMessage());
      return Optional.empty();
    }
  }

  private static void checkService(
      Service service, List<Deployment> deployments, List<String> problems) {
    String name = "Service " + service.getMetadata().getName();
    Map<String, String> selector = service.getSpec().getSelector();
    if (selector == null || selector.isEmpty()) {
      problems.add(name + ": no selector");
      return;
    }
    Optional<PodSpec> pod =
        deployments.stream()
            .filter(
                d ->
                    labels(d.getSpec().getTemplate().getMetadata())
                        .entrySet()
                        .containsAll(selector.entrySet()))
            .map(d -> d.getSpec().getTemplate().getSpec())
            .findFirst();
    if (pod.isEmpty()) {
      problems.add(name + ": selector " + selector + " selects no pod of this manifest");
      return;
    }
    List<ContainerPort> ports =
        concat(orEmpty(pod.get().getInitContainers()), orEmpty(pod.get().getContainers()))
            .flatMap(c -> orEmpty(c.getPorts()).stream())
            .toList();
    for (ServicePort port : orEmpty(service.getSpec().getPorts())) {
      IntOrString target = port.getTargetPort();
      boolean found =
          ports.stream()
              .anyMatch(
                  p ->
                      target == null
                          ? p.getContainerPort().equals(port.getPort())
                          : target.getStrVal() != null
                              ? target.getStrVal().equals(p.getName())
                              : target.getIntVal().equals(p.getContainerPort()));
      if (!found) {
        problems.add(
            name
                + ": targetPort "
                + (target == null ? port.getPort() : target.getValue())
                + " is no container port of the selected pod");
      }
    }
  }

  /** A probe's port as a number: a number as is, a name through the container's ports. */
  private static Integer containerPort(Container c, IntOrString port) {
    if (port == null) {
      return null;
    }
    if (port.getIntVal() != null) {
      return port.getIntVal();
    }
    return orEmpty(c.getPorts()).stream()
        .filter(p -> port.getStrVal().equals(p.getName()))
        .map(ContainerPort::getContainerPort)
        .findFirst()
        .orElse(null);
  }

  private static LifecycleHandler preStop(Container c) {
    return c.getLifecycle() == null ? null : c.getLifecycle().getPreStop();
  }

  private static Optional<Container> named(List<Container> containers, String name) {
    return containers.stream().filter(c -> name.equals(c.getName())).findFirst();
  }

  private static Map<String, String> annotations(ObjectMeta meta) {
    return meta == null || meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();
  }

  private static Map<String, String> labels(ObjectMeta meta) {
    return meta == null || meta.getLabels() == null ? Map.of() : meta.getLabels();
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static <T> Stream<T> concat(List<T> a, List<T> b) {
    return Stream.concat(a.stream(), b.stream());
  }

  /** The timing rules of one pod, each reported with the numbers that break it. */
  private static final class Budget {
    private final String name;
    private final Drain4jSettings settings;
    private final Duration grace;
    private final List<String> problems;

    Budget(String name, Drain4jSettings settings, Duration grace, List<String> problems) {
      this.name = name;
      this.settings = settings;
      this.grace = grace;
      this.problems = problems;
    }

    private String drainText() {
      return "DRAIN4J_PROPAGATION_DELAY "
          + Durations.format(settings.propagationDelay())
          + " + DRAIN4J_DEADLINE "
          + Durations.format(settings.deadline());
    }

    /** propagation delay + deadline < terminationGracePeriodSeconds. */
    void drainFitsTheGracePeriod() {
      Duration drain = settings.drainBound();
      if (drain.compareTo(grace) >= 0) {
        problems.add(
            name
                + ": "
                + drainText()
                + " = "
                + Durations.format(drain)
                + " is not less than terminationGracePeriodSeconds "
                + grace.toSeconds()
                + ": the kubelet would SIGKILL the pod before drain4j's deadline");
      }
    }

    /** The sidecar drains after the application: both must end within the grace period. */
    void sidecarDrainFits(String what, Duration sidecarDrain) {
      fits(
          drainText() + " + " + what + " " + Durations.format(sidecarDrain),
          settings.drainBound().plus(sidecarDrain));
    }

    void fits(String sum, Duration total) {
      if (total.compareTo(grace) > 0) {
        problems.add(
            name
                + ": "
                + sum
                + " = "
                + Durations.format(total)
                + " exceeds terminationGracePeriodSeconds "
                + grace.toSeconds()
                + ": the sidecar would be SIGKILLed before it ends");
      }
    }

    /** A fixed wait that holds the proxy must last at least as long as the drain may. */
    void waitCoversTheDrain(String what, Duration wait) {
      Duration drain = settings.drainBound();
      if (wait.compareTo(drain) < 0) {
        problems.add(
            name
                + ": "
                + what
                + " "
                + Durations.format(wait)
                + " is shorter than "
                + drainText()
                + " = "
                + Durations.format(drain)
                + ": the proxy would refuse the"
                + " application's new connections while it still drains");
      }
    }
  }
}

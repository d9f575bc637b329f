package io.drain4j.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Lifecycle;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rules reject broken manifests: each test breaks one shipped manifest in one way and expects
 * the problem that names it.
 */
class ManifestRulesTest {

  private static final String ISTIO = "istio/deployment.yaml";
  private static final String ASM = "asm/deployment.yaml";
  private static final String NATIVE = "native-sidecar/deployment.yaml";
  private static final String LINKERD = "linkerd/deployment.yaml";
  private static final String LINKERD_NATIVE = "linkerd/deployment-native.yaml";
  private static final String DISTROLESS = "istio/deployment-distroless.yaml";
  private static final String ISTIO_NATIVE = "istio/deployment-native.yaml";
  private static final String ISTIO_AMBIENT = "istio/deployment-ambient.yaml";

  @Test
  void whenTheAppServesAnotherPortThenTheHookAndTheProbeAreReportedWithBothPorts() {
    List<String> problems =
        check(
            ISTIO,
            Mesh.ISTIO,
            "- name: DRAIN4J_STATUS_PORT\n              value: \"9401\"",
            "- name: DRAIN4J_STATUS_PORT\n              value: \"9500\"");

    assertThat(problems)
        .anySatisfy(
            p ->
                assertThat(p)
                    .contains("container istio-proxy", "port(s) [9401]", "serves it on 9500"));
    assertThat(problems)
        .anySatisfy(p -> assertThat(p).contains("readinessProbe", "http://127.0.0.1:9500/ready"));
  }

  @Test
  void whenTheGracePeriodIsShorterThanTheDrainThenTheBudgetFails() {
    List<String> problems =
        check(
            ISTIO,
            Mesh.ISTIO,
            "terminationGracePeriodSeconds: 60",
            "terminationGracePeriodSeconds: 45");

    assertThat(problems)
        .anySatisfy(
            p ->
                assertThat(p)
                    .contains(
                        "DRAIN4J_PROPAGATION_DELAY 5s + DRAIN4J_DEADLINE 40s = 45s is not less than"
                            + " terminationGracePeriodSeconds 45"));
  }

  @Test
  void whenTheGracePeriodLeavesNoRoomForTheSidecarsOwnDrainThenTheIstioBudgetFails() {
    List<String> problems =
        check(
            ISTIO,
            Mesh.ISTIO,
            "terminationGracePeriodSeconds: 60",
            "terminationGracePeriodSeconds: 48");

    assertThat(problems)
        .anySatisfy(
            p ->
                assertThat(p)
                    .contains(
                        "+ terminationDrainDuration 5s = 50s exceeds terminationGracePeriodSeconds"
                            + " 48"));
  }

  @Test
  void whenTerminationDrainDurationIsRaisedThenItCountsInTheBudget() {
    List<String> problems =
        check(ISTIO, Mesh.ISTIO, "terminationDrainDuration: 5s", "terminationDrainDuration: 30s");

    assertThat(problems)
        .singleElement()
        .asString()
        .contains("terminationDrainDuration 30s = 75s exceeds terminationGracePeriodSeconds 60");
  }

  @Test
  void whenTerminationDrainDurationIsMalformedThenItIsReported() {
    List<String> problems =
        check(
            ISTIO,
            Mesh.ISTIO,
            "terminationDrainDuration: 5s",
            "terminationDrainDuration: five seconds");

    assertThat(problems)
        .singleElement()
        .asString()
        .contains("terminationDrainDuration 'five seconds' is not a protobuf duration");
  }

  @Test
  void whenExitOnZeroActiveConnectionsIsSetThenTheIstioManifestIsRejected() {
    List<String> problems =
        check(
            ISTIO,
            Mesh.ISTIO,
            "holdApplicationUntilProxyStarts: true",
            """
            holdApplicationUntilProxyStarts: true
                      proxyMetadata:
                        EXIT_ON_ZERO_ACTIVE_CONNECTIONS: "true\"""");

    assertThat(problems).singleElement().asString().contains("EXIT_ON_ZERO_ACTIVE_CONNECTIONS");
  }

  @Test
  void whenTheDeadlineIsMalformedThenTheProblemNamesTheVariableAsTheManifestWritesIt() {
    List<String> problems = check(ISTIO, Mesh.ISTIO, "value: 40s", "value: 40 seconds");

    assertThat(problems)
        .singleElement()
        .asString()
        .contains("DRAIN4J_DEADLINE", "40 seconds")
        .doesNotContain("drain4j.deadline");
  }

  @Test
  void whenTheDeadlineIsNotLargerThanTheDelayThenTheManifestIsRejectedAsDrain4jWould() {
    List<String> problems = check(ISTIO, Mesh.ISTIO, "value: 40s", "value: 5s");

    assertThat(problems)
        .singleElement()
        .asString()
        .contains("drain4j would refuse", "DRAIN4J_DEADLINE", "DRAIN4J_PROPAGATION_DELAY");
  }

  @Test
  void whenTheDelayAndDeadlineAreLeftToTheirDefaultsThenTheCheckAsksForThem() {
    String text =
        replaceOnce(
            ManifestReader.resource(ISTIO),
            "            - name: DRAIN4J_PROPAGATION_DELAY\n              value: 5s\n",
            "");
    text =
        replaceOnce(text, "            - name: DRAIN4J_DEADLINE\n              value: 40s\n", "");

    List<String> problems = PodRules.check(ManifestReader.readYaml(ISTIO, text), Mesh.ISTIO, null);

    assertThat(problems).anySatisfy(p -> assertThat(p).contains("set DRAIN4J_PROPAGATION_DELAY"));
    assertThat(problems).anySatisfy(p -> assertThat(p).contains("set DRAIN4J_DEADLINE"));
  }

  @Test
  void whenADrain4jVariableIsMisspeltThenItIsReported() {
    List<String> problems =
        check(ISTIO, Mesh.ISTIO, "name: DRAIN4J_DEADLINE", "name: DRAIN4J_DEADLNE");

    assertThat(problems)
        .anySatisfy(p -> assertThat(p).contains("DRAIN4J_DEADLNE is not a drain4j variable"));
  }

  @Test
  void whenAFieldIsMisspeltThenReadingFailsWithItsPath() {
    String text = replaceOnce(ManifestReader.resource(ISTIO), "preStop:", "preStopp:");

    assertThatThrownBy(() -> ManifestReader.readYaml(ISTIO, text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("spec.template.spec.containers[1].lifecycle.preStopp");
  }

  @Test
  void whenAKeyIsDuplicatedThenReadingFails() {
    String text =
        replaceOnce(
            ManifestReader.resource(ISTIO),
            "terminationGracePeriodSeconds: 60",
            "terminationGracePeriodSeconds: 60\n      terminationGracePeriodSeconds: 10");

    assertThatThrownBy(() -> ManifestReader.readYaml(ISTIO, text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("terminationGracePeriodSeconds");
  }

  @Test
  void whenTheKindIsNotOneTheManifestsUseThenReadingFails() {
    String text =
        replaceOnce(ManifestReader.resource(ISTIO), "kind: Deployment", "kind: Deploymnet");

    assertThatThrownBy(() -> ManifestReader.readYaml(ISTIO, text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("apps/v1/Deploymnet");
  }

  @Test
  void whenTheSidecarStillRunsTheNetstatLoopThenTheHookIsRejected() {
    String netstat =
        "while [ $(netstat -plunt | grep tcp | grep -v envoy | wc -l | xargs) -ne 0 ]; do sleep 1; done";
    List<String> problems =
        check(
            ISTIO,
            Mesh.ISTIO,
            "- curl -s -X POST http://127.0.0.1:9401/drain; curl -s -m 3600"
                + " http://127.0.0.1:9401/drain/await; pilot-agent request --debug-port=15020 POST"
                + " drain; exit 0",
            "- \"" + netstat + "\"");

    assertThat(problems)
        .singleElement()
        .asString()
        .contains("container istio-proxy: preStop is not the drain4j hook", "netstat");
  }

  @Test
  void whenTheHookDropsExitZeroThenItIsRejected() {
    List<String> problems = check(ISTIO, Mesh.ISTIO, "POST drain; exit 0", "POST drain");

    assertThat(problems).singleElement().asString().contains("is not the drain4j hook");
  }

  @Test
  void whenTheIstioProxyContainerIsMissingThenTheSidecarIsReportedUnheld() {
    String text = ManifestReader.resource(ISTIO);
    text = text.substring(0, text.indexOf("        # Not a second proxy"));

    List<String> problems = PodRules.check(ManifestReader.readYaml(ISTIO, text), Mesh.ISTIO, null);

    assertThat(problems).singleElement().asString().contains("no istio-proxy container");
  }

  @Test
  void whenTheApplicationHasAPreStopSleepThenItIsRejected() {
    List<String> problems =
        check(
            ISTIO,
            Mesh.ISTIO,
            "          readinessProbe:\n            exec:",
            "          lifecycle:\n            preStop:\n              sleep:\n                seconds: 10\n"
                + "          readinessProbe:\n            exec:");

    assertThat(problems)
        .singleElement()
        .asString()
        .contains("container app: the application needs no preStop hook");
  }

  @Test
  void whenAnHttpGetProbeTargetsALoopbackOnlyEndpointThenItIsRejected() {
    List<String> problems =
        check(
            NATIVE,
            Mesh.NATIVE_SIDECAR,
            "            - name: DRAIN4J_STATUS_ADDRESS\n              value: 0.0.0.0\n",
            "");

    assertThat(problems)
        .singleElement()
        .asString()
        .contains("httpGet readinessProbe connects to the pod IP", "binds 127.0.0.1");
  }

  @Test
  void whenTheStatusAddressIsThePodIpThenTheLoopbackHookCannotReachIt() {
    List<String> problems = check(NATIVE, Mesh.NATIVE_SIDECAR, "value: 0.0.0.0", "value: 10.1.2.3");

    assertThat(problems)
        .anySatisfy(
            p ->
                assertThat(p)
                    .contains("DRAIN4J_STATUS_ADDRESS=10.1.2.3", "the hook calls 127.0.0.1"));
  }

  @Test
  void whenTheSidecarIsNotRestartableThenItIsNoNativeSidecar() {
    List<String> problems =
        check(NATIVE, Mesh.NATIVE_SIDECAR, "          restartPolicy: Always\n", "");

    assertThat(problems).singleElement().asString().contains("no native sidecar");
  }

  @Test
  void whenTheServiceTargetsAPortThePodDoesNotHaveThenItIsReported() {
    List<String> problems =
        check(NATIVE, Mesh.NATIVE_SIDECAR, "targetPort: proxy-http", "targetPort: proxy");

    assertThat(problems)
        .singleElement()
        .asString()
        .contains("Service servlet-demo: targetPort proxy is no container port");
  }

  @Test
  void whenTheAsmLifecycleDropsPilotAgentWaitThenItIsReported() {
    String json = ManifestReader.resource(ManifestsTest.ASM_LIFECYCLE);
    json = replaceOnce(json, "\"wait\"", "\"version\"");
    Lifecycle lifecycle = ManifestReader.readLifecycleJson("lifecycle.json", json);

    List<String> problems =
        PodRules.check(
            ManifestReader.readYaml(ASM, ManifestReader.resource(ASM)), Mesh.ASM, lifecycle);

    assertThat(problems).singleElement().asString().contains("keep postStart [pilot-agent, wait]");
  }

  @Test
  void whenTheAsmDeploymentMovesTheStatusPortThenTheNamespaceHookNoLongerMatches() {
    List<String> problems =
        PodRules.check(
            ManifestReader.readYaml(
                ASM,
                replaceOnce(ManifestReader.resource(ASM), "value: \"9401\"", "value: \"9402\"")),
            Mesh.ASM,
            ManifestsTest.asmLifecycle());

    assertThat(problems)
        .anySatisfy(
            p ->
                assertThat(p)
                    .contains("ASM sidecar lifecycle", "port(s) [9401]", "serves it on 9402"));
  }

  @Test
  void whenTheAsmLifecycleHasAnUnknownKeyThenReadingFails() {
    String json =
        replaceOnce(
            ManifestReader.resource(ManifestsTest.ASM_LIFECYCLE), "\"preStop\"", "\"preStep\"");

    assertThatThrownBy(() -> ManifestReader.readLifecycleJson("lifecycle.json", json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("preStep");
  }

  @Test
  void whenTheLinkerdWaitIsShorterThanTheDrainThenTheProxyWouldRefuseConnections() {
    List<String> problems =
        check(
            LINKERD,
            Mesh.LINKERD,
            "proxy-wait-before-exit-seconds: \"46\"",
            "proxy-wait-before-exit-seconds: \"30\"");

    assertThat(problems)
        .singleElement()
        .asString()
        .contains("30s is shorter than", "= 45s", "refuse");
  }

  @Test
  void whenTheLinkerdWaitAndGraceExceedTheGracePeriodThenTheBudgetFails() {
    List<String> problems =
        check(LINKERD, Mesh.LINKERD, "shutdown-grace-period: 10s", "shutdown-grace-period: 1m");

    assertThat(problems)
        .singleElement()
        .asString()
        .contains("46s + config.linkerd.io/shutdown-grace-period 60s = 106s exceeds");
  }

  @Test
  void whenTheLinkerdNativeManifestAlsoWaitsBeforeExitThenItIsRejected() {
    List<String> problems =
        check(
            LINKERD_NATIVE,
            Mesh.LINKERD_NATIVE,
            "linkerd.io/inject: enabled",
            "linkerd.io/inject: enabled\n"
                + "        config.alpha.linkerd.io/proxy-wait-before-exit-seconds: \"46\"");

    assertThat(problems)
        .singleElement()
        .asString()
        .contains("must not be used with native sidecars");
  }

  @Test
  void whenTheLinkerdNativeAnnotationsAreGoneThenTheyAreAskedFor() {
    String text =
        replaceOnce(
            ManifestReader.resource(LINKERD_NATIVE),
            "        config.alpha.linkerd.io/proxy-enable-native-sidecar: \"true\"\n",
            "");
    text =
        replaceOnce(
            text, "        config.beta.linkerd.io/proxy-enable-native-sidecar: \"true\"\n", "");

    List<String> problems =
        PodRules.check(ManifestReader.readYaml(LINKERD_NATIVE, text), Mesh.LINKERD_NATIVE, null);

    assertThat(problems).singleElement().asString().contains("proxy-enable-native-sidecar");
  }

  @Test
  void whenThePodsGracePeriodIsNotPassedInThenDrain4jCouldNotCheckItsBudget() {
    List<String> missing =
        check(
            ISTIO,
            Mesh.ISTIO,
            "- name: DRAIN4J_TERMINATION_GRACE_PERIOD\n              value: 60s",
            "- name: OTHER\n              value: x");
    List<String> wrong =
        check(
            ISTIO,
            Mesh.ISTIO,
            "- name: DRAIN4J_TERMINATION_GRACE_PERIOD\n              value: 60s",
            "- name: DRAIN4J_TERMINATION_GRACE_PERIOD\n              value: 30s");

    assertThat(missing)
        .singleElement()
        .asString()
        .contains("set DRAIN4J_TERMINATION_GRACE_PERIOD", "(60s)");
    assertThat(wrong)
        .singleElement()
        .asString()
        .contains(
            "DRAIN4J_TERMINATION_GRACE_PERIOD=30s differs from terminationGracePeriodSeconds 60");
  }

  @Test
  void whenTheDistrolessHookIsAShellCommandOrWaitsTooLittleThenItIsRejected() {
    List<String> shell =
        check(
            DISTROLESS,
            Mesh.ISTIO_DISTROLESS,
            "- pilot-agent\n                  - wait",
            "- /bin/sh\n                  - wait");
    List<String> short_ =
        check(DISTROLESS, Mesh.ISTIO_DISTROLESS, "--timeoutSeconds=46", "--timeoutSeconds=30");

    assertThat(shell).singleElement().asString().contains("has no shell", "/drain/await");
    assertThat(short_).singleElement().asString().contains("--timeoutSeconds=46");
  }

  @Test
  void whenTheDistrolessManifestForgetsTheImageTypeThenItIsAskedFor() {
    List<String> problems =
        check(
            DISTROLESS,
            Mesh.ISTIO_DISTROLESS,
            "            imageType: distroless",
            "            imageType: default");

    assertThat(problems).singleElement().asString().contains("image.imageType: distroless");
  }

  @Test
  void whenTheNativeIstioManifestLosesItsAnnotationOrOverridesTheProxyThenItIsRejected() {
    List<String> notNative =
        check(
            ISTIO_NATIVE,
            Mesh.ISTIO_NATIVE,
            "sidecar.istio.io/nativeSidecar: \"true\"",
            "sidecar.istio.io/nativeSidecar: \"false\"");
    List<String> override =
        check(
            ISTIO_NATIVE,
            Mesh.ISTIO_NATIVE,
            "      containers:\n",
            "      containers:\n        - name: istio-proxy\n          image: auto\n");

    assertThat(notNative).singleElement().asString().contains("nativeSidecar");
    assertThat(override).singleElement().asString().contains("remove the istio-proxy container");
  }

  @Test
  void whenTheAmbientManifestIsNotLabelledForAmbientOrInjectsASidecarThenItIsRejected() {
    List<String> problems =
        check(
            ISTIO_AMBIENT,
            Mesh.ISTIO_AMBIENT,
            "istio.io/dataplane-mode: ambient",
            "sidecar.istio.io/inject: \"true\"");

    assertThat(problems)
        .anySatisfy(p -> assertThat(p).contains("istio.io/dataplane-mode: ambient"))
        .anySatisfy(p -> assertThat(p).contains("drop sidecar.istio.io/inject"));
  }

  private static List<String> check(String path, Mesh mesh, String from, String to) {
    String text = replaceOnce(ManifestReader.resource(path), from, to);
    return PodRules.check(
        ManifestReader.readYaml(path, text),
        mesh,
        mesh == Mesh.ASM ? ManifestsTest.asmLifecycle() : null);
  }

  /** Replaces text that must occur exactly once, so that a test cannot silently break nothing. */
  private static String replaceOnce(String text, String from, String to) {
    int at = text.indexOf(from);
    assertThat(at).as("'%s' in the manifest", from).isNotNegative();
    assertThat(text.indexOf(from, at + 1)).as("'%s' only once in the manifest", from).isNegative();
    return text.substring(0, at) + to + text.substring(at + from.length());
  }
}

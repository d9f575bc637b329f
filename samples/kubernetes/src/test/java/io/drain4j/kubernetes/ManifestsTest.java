package io.drain4j.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Lifecycle;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every shipped manifest parses with the Kubernetes model and follows every rule. */
class ManifestsTest {

  static final String ASM_LIFECYCLE = "asm/sidecar-lifecycle.json";

  /** Each YAML manifest and how its sidecar is kept alive. */
  static final Map<String, Mesh> MANIFESTS =
      Map.of(
          "istio/deployment.yaml", Mesh.ISTIO,
          "istio/deployment-distroless.yaml", Mesh.ISTIO_DISTROLESS,
          "istio/deployment-native.yaml", Mesh.ISTIO_NATIVE,
          "istio/deployment-ambient.yaml", Mesh.ISTIO_AMBIENT,
          "asm/deployment.yaml", Mesh.ASM,
          "native-sidecar/deployment.yaml", Mesh.NATIVE_SIDECAR,
          "linkerd/deployment.yaml", Mesh.LINKERD,
          "linkerd/deployment-native.yaml", Mesh.LINKERD_NATIVE);

  static Stream<Arguments> manifests() {
    return MANIFESTS.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .map(e -> Arguments.of(e.getKey(), e.getValue()));
  }

  static List<HasMetadata> read(String path) {
    return ManifestReader.readYaml(path, ManifestReader.resource(path));
  }

  static Lifecycle asmLifecycle() {
    return ManifestReader.readLifecycleJson(ASM_LIFECYCLE, ManifestReader.resource(ASM_LIFECYCLE));
  }

  @ParameterizedTest(name = "{0} follows every rule for {1}")
  @MethodSource("manifests")
  void eachManifestFollowsEveryRuleOfItsMesh(String path, Mesh mesh) {
    List<HasMetadata> resources = read(path);

    List<String> problems =
        PodRules.check(resources, mesh, mesh == Mesh.ASM ? asmLifecycle() : null);

    assertThat(problems).as(path).isEmpty();
  }

  @Test
  void istioManifestHooksTheInjectedSidecarWithTheDesignsHookThenPilotAgentsOwnDrain() {
    Deployment deployment = deployment("istio/deployment.yaml");
    Container proxy = container(deployment, "istio-proxy");

    assertThat(proxy.getImage()).isEqualTo("auto");
    assertThat(proxy.getLifecycle().getPreStop().getExec().getCommand())
        .containsExactly(
            "/bin/sh",
            "-c",
            "curl -s -X POST http://127.0.0.1:9401/drain; "
                + "curl -s -m 3600 http://127.0.0.1:9401/drain/await; "
                + "pilot-agent request --debug-port=15020 POST drain; exit 0");
    assertThat(
            deployment
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getAnnotations()
                .get(PodRules.ISTIO_PROXY_CONFIG))
        .contains("terminationDrainDuration: 5s");
  }

  @Test
  void asmLifecycleHasTheConsolesShapeWithTheDrain4jHookInsteadOfNetstat() {
    Lifecycle lifecycle = asmLifecycle();

    assertThat(lifecycle.getPostStart().getExec().getCommand())
        .containsExactly("pilot-agent", "wait");
    assertThat(lifecycle.getPreStop().getExec().getCommand())
        .containsExactly("/bin/sh", "-c", PreStopHook.curl(9401));
    assertThat(String.join(" ", lifecycle.getPreStop().getExec().getCommand()))
        .doesNotContain("netstat");
  }

  @Test
  void nativeSidecarManifestDeclaresTheProxyAsARestartableInitContainerWithTheWgetHook() {
    Deployment deployment = deployment("native-sidecar/deployment.yaml");
    Container proxy = deployment.getSpec().getTemplate().getSpec().getInitContainers().get(0);

    assertThat(proxy.getRestartPolicy()).isEqualTo("Always");
    assertThat(proxy.getLifecycle().getPreStop().getExec().getCommand())
        .containsExactly("/bin/sh", "-c", PreStopHook.wget(9401));
  }

  @Test
  void theHookFormsAreTheOnesTheDesignWrites() {
    assertThat(PreStopHook.curl(9401))
        .isEqualTo(
            "curl -s -X POST http://127.0.0.1:9401/drain; "
                + "curl -s -m 3600 http://127.0.0.1:9401/drain/await; exit 0");
    assertThat(PreStopHook.curlFastExit(9401))
        .isEqualTo(
            "curl -s -X POST http://127.0.0.1:9401/drain; "
                + "curl -s -m 3600 http://127.0.0.1:9401/drain/await; "
                + "pilot-agent request --debug-port=15020 POST drain; exit 0");
    assertThat(PreStopHook.distroless(9401, java.time.Duration.ofMillis(45_500)))
        .containsExactly(
            "pilot-agent",
            "wait",
            "--url=http://127.0.0.1:9401/drain/await",
            "--requestTimeoutMillis=46000",
            "--periodMillis=200",
            "--timeoutSeconds=46");
    assertThat(PreStopHook.wget(9401))
        .isEqualTo(
            "wget -q -O- --post-data= http://127.0.0.1:9401/drain; "
                + "wget -q -O- http://127.0.0.1:9401/drain/await; exit 0");
  }

  @Test
  void everyManifestInTheModuleIsChecked() throws IOException {
    Path dir = Path.of(System.getProperty("manifests.dir", "."));
    TreeSet<String> onDisk = new TreeSet<>();
    for (String mesh : List.of("istio", "asm", "native-sidecar", "linkerd")) {
      try (Stream<Path> files = Files.walk(dir.resolve(mesh))) {
        files
            .filter(Files::isRegularFile)
            .map(f -> dir.relativize(f).toString().replace('\\', '/'))
            .forEach(onDisk::add);
      }
    }
    TreeSet<String> checked = new TreeSet<>(MANIFESTS.keySet());
    checked.add(ASM_LIFECYCLE);

    assertThat(onDisk).isEqualTo(checked);
  }

  private static Deployment deployment(String path) {
    return read(path).stream()
        .filter(Deployment.class::isInstance)
        .map(Deployment.class::cast)
        .findFirst()
        .orElseThrow();
  }

  private static Container container(Deployment d, String name) {
    return d.getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }
}

package io.drain4j.kubernetes;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs the hooks exactly as the manifests write them, with {@code /bin/sh} and the machine's curl
 * and wget, against a real drain4j status endpoint: the hook starts the drain, returns only once
 * the application is drained, and ends at once when nothing listens any more.
 */
class PreStopHookTest {

  static Stream<Arguments> hooks() {
    String wget = hook("native-sidecar/deployment.yaml", "proxy");
    Stream<Arguments> hooks =
        Stream.of(
            Arguments.of("curl", hook("istio/deployment.yaml", "istio-proxy")),
            Arguments.of("wget", wget),
            Arguments.of(
                "curl (ASM)",
                ManifestsTest.asmLifecycle().getPreStop().getExec().getCommand().get(2)));
    // The wget form is written for BusyBox, whose wget differs from GNU wget (the one on PATH
    // here); it runs as well wherever BusyBox is installed (Debian package busybox).
    return onPath("busybox")
        ? Stream.concat(
            hooks, Stream.of(Arguments.of("BusyBox wget", wget.replace("wget ", "busybox wget "))))
        : hooks;
  }

  private static boolean onPath(String program) {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .filter(dir -> !dir.isEmpty())
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
  }

  @ParameterizedTest(name = "the {0} hook starts the drain and returns once drained")
  @MethodSource("hooks")
  void whenTheHookRunsThenItStartsTheDrainAndReturnsOnlyOnceDrained(String form, String hook)
      throws Exception {
    try (DrainCoordinator coordinator =
        DrainCoordinator.builder()
            .propagationDelay(Duration.ZERO)
            .deadline(Duration.ofSeconds(30))
            .statusPort(0)
            .shutdownHook(false)
            .build()) {
      InFlight request = coordinator.enter(UnitKind.INBOUND, "GET /work?ms=60000");
      Process process = run(onPort(hook, coordinator.statusAddress().getPort()));
      try {
        coordinator.whenDraining().get(10, SECONDS);
        coordinator.whenQuiescing().get(10, SECONDS);
        // The unit is still in flight, so the long poll cannot have been answered DRAINED.
        assertThat(process.isAlive()).as("hook still waiting").isTrue();
        assertThat(coordinator.state()).isEqualTo(DrainState.QUIESCING);

        request.exit();

        assertThat(process.waitFor(10, SECONDS)).as("hook ended").isTrue();
        assertThat(process.exitValue()).isZero();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(output).contains("\"state\":\"DRAINED\",\"forced\":false");
      } finally {
        process.destroyForcibly();
      }
    }
  }

  @ParameterizedTest(name = "the {0} hook ends at once when the application is gone")
  @MethodSource("hooks")
  void whenNothingListensAnyMoreThenTheHookEndsAtOnceWithExitZero(String form, String hook)
      throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Process process = run(onPort(hook, port));
    try {
      assertThat(process.waitFor(10, SECONDS)).as("hook ended").isTrue();
      assertThat(process.exitValue()).isZero();
    } finally {
      process.destroyForcibly();
    }
  }

  private static String hook(String path, String container) {
    List<HasMetadata> resources = ManifestsTest.read(path);
    Deployment d =
        resources.stream()
            .filter(Deployment.class::isInstance)
            .map(Deployment.class::cast)
            .findFirst()
            .orElseThrow();
    return Stream.concat(
            d.getSpec().getTemplate().getSpec().getInitContainers().stream(),
            d.getSpec().getTemplate().getSpec().getContainers().stream())
        .filter(c -> c.getName().equals(container))
        .map(Container::getLifecycle)
        .map(l -> l.getPreStop().getExec().getCommand().get(2))
        .findFirst()
        .orElseThrow();
  }

  /** The manifests' hooks call the default port; the test's endpoint has a free one. */
  private static String onPort(String hook, int port) {
    assertThat(hook).contains("127.0.0.1:9401/");
    return hook.replace("127.0.0.1:9401/", "127.0.0.1:" + port + "/");
  }

  private static Process run(String script) throws IOException {
    return new ProcessBuilder("/bin/sh", "-c", script).redirectErrorStream(true).start();
  }
}

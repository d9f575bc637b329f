package io.drain4j.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * {@code /drain/await} stays bounded (DESIGN §5): abandoned polls free their places, the sidecar's
 * own poll always gets one, no wait outlives the remaining deadline plus a second, and the endpoint
 * keeps answering through a drain even when the application closes the coordinator.
 */
class DrainAwaitBoundsTest {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final int MAX = Limits.DEFAULT.maxWaiters();

  private final List<Socket> sockets = new ArrayList<>();
  private DrainCoordinator coordinator;
  private StatusEndpoint endpoint;

  private DrainCoordinator coordinator(Duration delay, Duration deadline) {
    coordinator =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(false)
            .propagationDelay(delay)
            .deadline(deadline)
            .build();
    endpoint =
        StatusEndpoint.start(
            coordinator, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    return coordinator;
  }

  @AfterEach
  void close() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
    if (endpoint != null) {
      endpoint.close();
    }
    if (coordinator != null) {
      coordinator.close();
    }
  }

  /** Opens a connection and sends a long poll on it, leaving the answer unread. */
  private Socket poll() throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), endpoint.address().getPort());
    s.setSoTimeout(RawHttp.READ_TIMEOUT_MS);
    OutputStream out = s.getOutputStream();
    out.write(
        "GET /drain/await?timeout=1h HTTP/1.1\r\nHost: x\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    sockets.add(s);
    return s;
  }

  private void parkAll() throws IOException {
    for (int i = 0; i < MAX; i++) {
      poll();
    }
    awaitValue(endpoint::parkedWaiters, MAX);
  }

  private static CompletableFuture<HttpResponse<String>> get(InetSocketAddress a, String path) {
    return CLIENT.sendAsync(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + path))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A bounded wait for a value that changes on other threads. */
  private static void awaitValue(IntSupplier value, int expected) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (value.getAsInt() != expected) {
      if (System.nanoTime() > end) {
        throw new AssertionError("expected " + expected + ", still " + value.getAsInt());
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void pollsWhoseClientsWentAwayFreeTheirPlacesAndTheHooksPollIsAnsweredAtDrained()
      throws Exception {
    DrainCoordinator c = coordinator(Duration.ofMillis(50), Duration.ofSeconds(60));
    InFlight unit = c.enter(UnitKind.INBOUND, "GET /slow");
    c.startDrain();
    parkAll();
    for (Socket s : sockets) {
      s.close(); // abandoned: curl killed, a pod's hook timed out
    }
    awaitValue(endpoint::parkedWaiters, 0);
    CompletableFuture<HttpResponse<String>> hook = get(endpoint.address(), "/drain/await");
    awaitValue(endpoint::parkedWaiters, 1);
    assertThat(hook).isNotDone();
    unit.exit();
    HttpResponse<String> answer = hook.get(20, TimeUnit.SECONDS);
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).contains("\"state\":\"DRAINED\"");
  }

  @Test
  void theHooksPollFromLoopbackGetsAPlaceAfterTheDrainStartedEvenWhenEveryPlaceIsHeld()
      throws Exception {
    DrainCoordinator c = coordinator(Duration.ofMillis(50), Duration.ofSeconds(60));
    InFlight unit = c.enter(UnitKind.INBOUND, "GET /slow");
    parkAll(); // polls made before the drain, still connected
    c.startDrain();
    CompletableFuture<HttpResponse<String>> hook = get(endpoint.address(), "/drain/await");
    // The oldest poll makes room: it is answered with the current status.
    InputStream oldest = sockets.get(0).getInputStream();
    RawHttp.Response evicted = RawHttp.read(oldest);
    assertThat(evicted.code()).isEqualTo(503);
    awaitValue(endpoint::parkedWaiters, MAX);
    assertThat(hook).isNotDone();
    unit.exit();
    assertThat(hook.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
  }

  @Test
  void noWaitOutlivesTheRemainingDeadlinePlusOneSecondWhateverTheTimeoutAsks() throws Exception {
    coordinator(Duration.ofMillis(500), Duration.ofSeconds(1));
    coordinator.enter(UnitKind.INBOUND, "GET /never");
    // In SERVING the whole deadline remains: capped at 2 s instead of an hour.
    HttpResponse<String> answer =
        get(endpoint.address(), "/drain/await?timeout=1h").get(20, TimeUnit.SECONDS);
    assertThat(answer.statusCode()).isEqualTo(503);
    assertThat(answer.body()).contains("\"state\":\"SERVING\"");
  }

  @Test
  void closingTheCoordinatorDuringADrainKeepsItsEndpointAnsweringUntilDrained() throws Exception {
    DrainCoordinator c =
        DrainCoordinator.builder()
            .statusPort(0)
            .shutdownHook(false)
            .propagationDelay(Duration.ofMillis(50))
            .deadline(Duration.ofSeconds(60))
            .build();
    coordinator = c;
    InetSocketAddress status = c.statusAddress();
    InFlight unit = c.enter(UnitKind.INBOUND, "GET /slow");
    c.startDrain();
    CompletableFuture<HttpResponse<String>> hook = get(status, "/drain/await");
    c.close(); // a WAR undeployed, a main() that ends: the sidecar still waits
    assertThat(get(status, "/drain").get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(503);
    assertThat(hook).isNotDone();
    unit.exit();
    assertThat(hook.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
  }
}

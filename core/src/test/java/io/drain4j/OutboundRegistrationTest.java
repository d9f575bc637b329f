package io.drain4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.jdkhttp.TrackedHttpClient;
import java.net.http.HttpClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Registrations of outbound clients can be undone, so closed clients are not held forever. */
class OutboundRegistrationTest {

  @Test
  void trackedHttpClientsClosedByTheApplicationAreNoLongerHeldByTheCoordinator() {
    ManualTimer timer = new ManualTimer();
    try (DrainCoordinator c =
        DrainCoordinator.builder().statusEnabled(false).shutdownHook(false).timer(timer).build()) {
      DefaultDrainCoordinator impl = (DefaultDrainCoordinator) c;
      TrackedHttpClient kept = TrackedHttpClient.newClient(c, "kept", HttpClient.newBuilder());
      for (int i = 0; i < 40; i++) {
        TrackedHttpClient client =
            TrackedHttpClient.wrap(c, "short-lived-" + i, HttpClient.newHttpClient());
        client.close();
      }
      assertThat(impl.outboundClientCount()).isEqualTo(1);
      c.startDrain();
      timer.advance(Duration.ofSeconds(5));
      assertThat(c.whenDrained().join().forced()).isFalse();
      assertThat(kept.isClosed()).isTrue();
    }
  }
}

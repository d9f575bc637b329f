package io.drain4j.status;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The endpoint's small building blocks: its limits, its threads, its clamps and checks. */
class StatusInternalsTest {

  @Test
  void whenALimitIsOutOfRangeThenTheLimitsAreRejected() {
    Duration fiveSeconds = Duration.ofSeconds(5);
    assertThat(new Limits(1, 1, Duration.ofNanos(1), 0, 1, 1).maxBodyBytes()).isZero();

    assertThatThrownBy(() -> new Limits(0, 64, fiveSeconds, 8192, 256, 64))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid status endpoint limits");
    assertThatThrownBy(() -> new Limits(4, 0, fiveSeconds, 8192, 256, 64))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Limits(4, 64, fiveSeconds, -1, 256, 64))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Limits(4, 64, fiveSeconds, 8192, 0, 64))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Limits(4, 64, fiveSeconds, 8192, 256, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Limits(4, 64, Duration.ofSeconds(-1), 8192, 256, 64))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Limits(4, 64, Duration.ZERO, 8192, 256, 64))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Limits(4, 64, null, 8192, 256, 64))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("requestTimeout");
  }

  @Test
  void whenThreadsAreMadeThenTheyAreNamedDaemonsThatKnowTheirOwner() throws Exception {
    Object owner = new Object();
    Object other = new Object();
    StatusThreads threads = new StatusThreads("drain4j-test-", owner);
    CompletableFuture<Boolean[]> seen = new CompletableFuture<>();

    Thread t =
        threads.newThread(
            () ->
                seen.complete(
                    new Boolean[] {
                      StatusThreads.isOwnedBy(owner), StatusThreads.isOwnedBy(other)
                    }));
    t.start();

    assertThat(t.isDaemon()).as("the endpoint never keeps a JVM alive").isTrue();
    assertThat(t.getName()).isEqualTo("drain4j-test-1");
    assertThat(threads.newThread(() -> {}).getName()).isEqualTo("drain4j-test-2");
    assertThat(seen.get(10, SECONDS)).containsExactly(true, false);
    assertThat(StatusThreads.isOwnedBy(owner)).as("a thread the factory did not make").isFalse();
  }

  @Test
  void whenADurationDoesNotFitInNanosThenItIsClampedInsteadOfOverflowing() {
    assertThat(RequestExecutor.saturatedNanos(Duration.ofMillis(1500))).isEqualTo(1_500_000_000L);
    assertThat(RequestExecutor.saturatedNanos(Duration.ofSeconds(Long.MAX_VALUE)))
        .isEqualTo(Long.MAX_VALUE);
    assertThat(RequestExecutor.saturatedNanos(Duration.ofSeconds(Long.MIN_VALUE)))
        .isEqualTo(Long.MIN_VALUE);
  }

  @Test
  void whenNotOnAnEndpointWorkerThenThereIsNoRequestDeadlineToMiss() {
    assertThat(RequestExecutor.requestRead()).isTrue();
  }

  @Test
  void whenThePeerAddressIsMissingOrUnresolvedThenItIsNotLoopback() throws Exception {
    assertThat(StatusHandler.isExactLoopback(null)).isFalse();
    assertThat(StatusHandler.isExactLoopback(InetSocketAddress.createUnresolved("localhost", 1)))
        .isFalse();
    assertThat(StatusHandler.isExactLoopback(new InetSocketAddress(RawHttp.ip("127.0.0.1"), 1)))
        .isTrue();
    assertThat(StatusHandler.isExactLoopback(new InetSocketAddress(RawHttp.ip("::1"), 1))).isTrue();
    assertThat(
            StatusHandler.isExactLoopback(new InetSocketAddress(InetAddress.getByName("::2"), 1)))
        .isFalse();
  }
}

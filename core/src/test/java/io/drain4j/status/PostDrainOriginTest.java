package io.drain4j.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Collections;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /drain} is accepted from exactly 127.0.0.1 or ::1. Linux routes all of 127.0.0.0/8 to
 * the loopback interface, so a socket bound to 127.0.0.6 plays Istio's inbound passthrough.
 */
class PostDrainOriginTest {
  private static final String POST_DRAIN =
      "POST /drain HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

  private DrainCoordinator coordinator;

  private DrainCoordinator coordinatorOn(String address) {
    coordinator =
        DrainCoordinator.builder()
            .statusAddress(address)
            .statusPort(0)
            .shutdownHook(false)
            .propagationDelay(Duration.ofSeconds(10))
            .deadline(Duration.ofSeconds(20))
            .build();
    return coordinator;
  }

  @AfterEach
  void close() {
    if (coordinator != null) {
      coordinator.close();
    }
  }

  @Test
  void whenPostDrainComesFrom127006Then403AndNoDrain() throws Exception {
    DrainCoordinator c = coordinatorOn("127.0.0.6");
    InetSocketAddress endpoint = c.statusAddress();
    assertThat(endpoint.getAddress().getHostAddress()).isEqualTo("127.0.0.6");

    RawHttp.Response r = RawHttp.exchange(endpoint, InetAddress.getByName("127.0.0.6"), POST_DRAIN);

    assertThat(r.code()).isEqualTo(403);
    assertThat(r.body()).contains("only from 127.0.0.1 or ::1");
    assertThat(c.state()).isEqualTo(DrainState.SERVING);
    // The same peer may still read the status.
    assertThat(
            RawHttp.exchange(
                    endpoint,
                    InetAddress.getByName("127.0.0.6"),
                    "GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .code())
        .isEqualTo(200);
  }

  @Test
  void whenPostDrainComesFromOtherLoopbackAddressesThen403() throws Exception {
    DrainCoordinator c = coordinatorOn("0.0.0.0");
    InetSocketAddress endpoint =
        new InetSocketAddress(RawHttp.ip("127.0.0.1"), c.statusAddress().getPort());
    for (String peer : new String[] {"127.0.0.2", "127.0.0.6", "127.1.0.1", "127.255.255.254"}) {
      RawHttp.Response r = RawHttp.exchange(endpoint, InetAddress.getByName(peer), POST_DRAIN);
      assertThat(r.code()).as(peer).isEqualTo(403);
    }
    assertThat(c.state()).isEqualTo(DrainState.SERVING);
  }

  @Test
  void whenPostDrainComesFrom127001ToAnEndpointOnTheAnyAddressThen202() throws Exception {
    DrainCoordinator c = coordinatorOn("0.0.0.0");
    InetSocketAddress endpoint =
        new InetSocketAddress(RawHttp.ip("127.0.0.1"), c.statusAddress().getPort());

    RawHttp.Response r = RawHttp.exchange(endpoint, RawHttp.ip("127.0.0.1"), POST_DRAIN);

    assertThat(r.code()).isEqualTo(202);
    assertThat(c.state()).isEqualTo(DrainState.DRAINING);
  }

  @Test
  void whenPostDrainComesFromIpv6LoopbackThen202() throws Exception {
    assumeTrue(canBind("::1"), "no IPv6 loopback on this host");
    DrainCoordinator c = coordinatorOn("::1");
    InetSocketAddress endpoint = c.statusAddress();

    RawHttp.Response r = RawHttp.exchange(endpoint, RawHttp.ip("::1"), POST_DRAIN);

    assertThat(r.code()).isEqualTo(202);
    assertThat(c.state()).isEqualTo(DrainState.DRAINING);
  }

  @Test
  void whenPostDrainComesFromANonLoopbackInterfaceThen403() throws Exception {
    Optional<InetAddress> external = firstNonLoopbackIpv4();
    assumeTrue(external.isPresent(), "no non-loopback IPv4 address on this host");
    DrainCoordinator c = coordinatorOn("0.0.0.0");
    InetSocketAddress endpoint = new InetSocketAddress(external.get(), c.statusAddress().getPort());

    RawHttp.Response r = RawHttp.exchange(endpoint, external.get(), POST_DRAIN);

    assertThat(r.code()).isEqualTo(403);
    assertThat(c.state()).isEqualTo(DrainState.SERVING);
  }

  private static boolean canBind(String address) {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(address))) {
      return s.getLocalPort() > 0;
    } catch (IOException e) {
      return false;
    }
  }

  private static Optional<InetAddress> firstNonLoopbackIpv4() throws SocketException {
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nic.isUp() || nic.isLoopback()) {
        continue;
      }
      for (InetAddress a : Collections.list(nic.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
          return Optional.of(a);
        }
      }
    }
    return Optional.empty();
  }
}

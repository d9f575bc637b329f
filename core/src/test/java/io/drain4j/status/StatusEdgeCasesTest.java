package io.drain4j.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.drain4j.DrainCoordinator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The endpoint facing odd input and odd bind addresses, over a real server and raw sockets. */
class StatusEdgeCasesTest {

  private DrainCoordinator coordinator;
  private StatusEndpoint endpoint;

  @BeforeEach
  void start() {
    coordinator =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(false)
            .propagationDelay(Duration.ofSeconds(5))
            .deadline(Duration.ofSeconds(20))
            .build();
    endpoint =
        StatusEndpoint.start(
            coordinator, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  @AfterEach
  void stop() {
    endpoint.close();
    coordinator.close();
  }

  @Test
  void whenThePathIsLongOrUnprintableThenThe404EchoesOnlyAShortPrintablePrefix() throws Exception {
    RawHttp.Response unprintable = get("/%01%7Fab");
    RawHttp.Response longPath = get("/" + "a".repeat(100));

    assertThat(unprintable.code()).isEqualTo(404);
    assertThat(unprintable.body()).startsWith("not found: /??ab\n");
    assertThat(longPath.code()).isEqualTo(404);
    assertThat(longPath.body()).startsWith("not found: /" + "a".repeat(59) + "...\n");
  }

  @Test
  void whenTheMethodNameIsLongThenThe405EchoesOnlyAShortPrefix() throws Exception {
    RawHttp.Response r =
        RawHttp.exchange(
            endpoint.address(),
            "X".repeat(100) + " /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

    assertThat(r.code()).isEqualTo(405);
    assertThat(r.header("Allow")).isEqualTo("GET, HEAD");
    assertThat(r.body()).startsWith("method " + "X".repeat(60) + "... not allowed");
  }

  @Test
  void whenDescribedThenTheEndpointShowsItsAddressAndWhetherItIsClosed() {
    assertThat(endpoint.toString()).isEqualTo("StatusEndpoint[" + endpoint.address() + "]");

    endpoint.close();

    assertThat(endpoint.toString()).isEqualTo("StatusEndpoint[" + endpoint.address() + ", closed]");
  }

  @Test
  void whenTheBindAddressIsUnresolvedThenStartFailsNamingIt() {
    InetSocketAddress unresolved = InetSocketAddress.createUnresolved("no-such-host.invalid", 0);

    assertThatThrownBy(() -> StatusEndpoint.start(coordinator, unresolved))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("cannot bind no-such-host.invalid:0")
        .hasMessageContaining("drain4j.status.address");
  }

  @Test
  void whenAnIpv6AddressCannotBeBoundThenTheMessageWritesItInBrackets() throws Exception {
    InetAddress ipv6Loopback = RawHttp.ip("::1");
    ServerSocket taken = null;
    int port = 0;
    try {
      taken = new ServerSocket(0, 1, ipv6Loopback);
      port = taken.getLocalPort();
    } catch (IOException noIpv6) {
      // Without IPv6, binding ::1 fails even on port 0: the endpoint's message is the same.
    }
    InetSocketAddress bind = new InetSocketAddress(ipv6Loopback, port);
    try {
      assertThatThrownBy(() -> StatusEndpoint.start(coordinator, bind))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("cannot bind [0:0:0:0:0:0:0:1]:" + port);
    } finally {
      if (taken != null) {
        taken.close();
      }
    }
  }

  private RawHttp.Response get(String path) throws IOException {
    return RawHttp.exchange(
        endpoint.address(), "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  }
}

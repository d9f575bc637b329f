package io.drain4j.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** Reading the kernel's TCP tables to find long polls whose clients went away. */
class OpenConnectionsTest {
  private static final String HEADING =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid";

  private static InetSocketAddress at(String ip, int port) throws Exception {
    return new InetSocketAddress(InetAddress.getByName(ip), port);
  }

  @Test
  void anIpv4AddressIsPrintedWordByWordInTheHostsByteOrderAndItsPortInHex() throws Exception {
    List<String> forms = OpenConnections.forms(at("127.0.0.1", 9401));
    boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    assertThat(forms.get(0)).isEqualTo((little ? "0100007F" : "7F000001") + ":24B9");
    // The same peer as an IPv4-mapped address in the IPv6 table.
    assertThat(forms.get(1))
        .isEqualTo(
            (little ? "0000000000000000FFFF00000100007F" : "00000000000000000000FFFF7F000001")
                + ":24B9");
    assertThat(OpenConnections.forms(at("::1", 80)))
        .containsExactly(
            (little
                    ? "000000000000000000000000" + "01000000"
                    : "0000000000000000000000000000000" + "1")
                + ":0050");
  }

  @Test
  void aConnectionInCloseWaitOrMissingIsNotOpenAndAnEstablishedOneIs() throws Exception {
    InetSocketAddress server = at("127.0.0.1", 9401);
    InetSocketAddress live = at("127.0.0.1", 40000);
    InetSocketAddress left = at("127.0.0.1", 40001);
    InetSocketAddress mapped = at("127.0.0.1", 40002);
    String s4 = OpenConnections.forms(server).get(0);
    String s6 = OpenConnections.forms(server).get(1);
    OpenConnections open =
        OpenConnections.parse(
            List.of(
                List.of(
                    HEADING,
                    "   0: " + s4 + " " + OpenConnections.forms(live).get(0) + " 01 0:0 0:0 0 0",
                    "   1: " + s4 + " " + OpenConnections.forms(left).get(0) + " 08 0:0 0:0 0 0",
                    "   2: short line"),
                List.of(
                    HEADING,
                    "   0: " + s6 + " " + OpenConnections.forms(mapped).get(1) + " 01 0 0 0")));
    assertThat(open.isOpen(server, live)).isTrue();
    assertThat(open.isOpen(server, left)).as("CLOSE_WAIT: the client closed").isFalse();
    assertThat(open.isOpen(server, at("127.0.0.1", 40003))).as("gone").isFalse();
    assertThat(open.isOpen(server, mapped)).as("IPv4-mapped in tcp6").isTrue();
    assertThat(OpenConnections.fields("  a  b ", 4)).containsExactly("a", "b");
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void aRealLoopbackConnectionIsSeenOpenUntilItsClientClosesIt() throws Exception {
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Socket client = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
      Socket accepted = listener.accept();
      InetSocketAddress local = (InetSocketAddress) accepted.getLocalSocketAddress();
      InetSocketAddress remote = (InetSocketAddress) accepted.getRemoteSocketAddress();
      assertThat(OpenConnections.read().isOpen(local, remote)).isTrue();
      client.close();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (OpenConnections.read().isOpen(local, remote) && System.nanoTime() < end) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
      }
      assertThat(OpenConnections.read().isOpen(local, remote)).isFalse();
      accepted.close();
    }
  }
}

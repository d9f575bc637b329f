package io.drain4j.status;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The TCP connections of this process's network namespace that are still open at both ends, read
 * from Linux's {@code /proc/self/net/tcp} and {@code tcp6}. The JDK's HTTP server gives a handler
 * no way to learn that a client went away while its answer is pending (nothing reads the socket
 * until the answer is written), so the endpoint asks the kernel: a connection whose client closed
 * it sits in CLOSE_WAIT, one that was reset is gone.
 *
 * <p>Elsewhere (no {@code /proc}), {@link #read()} answers {@code null} and abandoned polls are
 * freed only by their timeout, itself capped at the remaining deadline plus one second.
 */
final class OpenConnections {
  /** Kernel TCP state of a socket whose peer closed its side. */
  private static final String CLOSE_WAIT = "08";

  private static final List<Path> TABLES =
      List.of(Path.of("/proc/self/net/tcp"), Path.of("/proc/self/net/tcp6"));

  private final Set<String> open;

  private OpenConnections(Set<String> open) {
    this.open = open;
  }

  /**
   * Reads the kernel's tables.
   *
   * @return the open connections, or {@code null} when the tables cannot be read
   */
  static OpenConnections read() {
    Set<String> open = new HashSet<>();
    boolean any = false;
    for (Path table : TABLES) {
      List<String> lines;
      try {
        lines = Files.readAllLines(table, StandardCharsets.US_ASCII);
      } catch (IOException | RuntimeException e) {
        continue; // no IPv6, or not Linux
      }
      any = true;
      for (int i = 1; i < lines.size(); i++) {
        List<String> f = fields(lines.get(i), 4);
        if (f.size() == 4 && !CLOSE_WAIT.equals(f.get(3))) {
          open.add(f.get(1) + ">" + f.get(2));
        }
      }
    }
    return any ? new OpenConnections(open) : null;
  }

  /** The first {@code n} blank-separated fields of a line. */
  static List<String> fields(String line, int n) {
    List<String> out = new ArrayList<>(n);
    int i = 0;
    while (out.size() < n) {
      while (i < line.length() && line.charAt(i) == ' ') {
        i++;
      }
      int start = i;
      while (i < line.length() && line.charAt(i) != ' ') {
        i++;
      }
      if (start == i) {
        break;
      }
      out.add(line.substring(start, i));
    }
    return out;
  }

  /**
   * Whether the connection between these two ends is still open at both ends.
   *
   * @param local the endpoint's side
   * @param remote the client's side
   */
  boolean isOpen(InetSocketAddress local, InetSocketAddress remote) {
    for (String l : forms(local)) {
      for (String r : forms(remote)) {
        if (open.contains(l + ">" + r)) {
          return true;
        }
      }
    }
    return false;
  }

  /** The address as the kernel prints it, in the IPv4 table and, mapped, in the IPv6 one. */
  static List<String> forms(InetSocketAddress a) {
    InetAddress ip = a.getAddress();
    String port = String.format(Locale.ROOT, "%04X", a.getPort());
    if (ip instanceof Inet4Address) {
      byte[] v4 = ip.getAddress();
      byte[] mapped = new byte[16];
      mapped[10] = (byte) 0xff;
      mapped[11] = (byte) 0xff;
      System.arraycopy(v4, 0, mapped, 12, 4);
      return List.of(hex(v4) + ":" + port, hex(mapped) + ":" + port);
    }
    if (ip instanceof Inet6Address) {
      return List.of(hex(ip.getAddress()) + ":" + port);
    }
    return List.of();
  }

  /** The kernel prints each 32-bit word of an address in the host's byte order. */
  static String hex(byte[] address) {
    boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    StringBuilder b = new StringBuilder(address.length * 2);
    for (int word = 0; word < address.length; word += 4) {
      for (int i = 0; i < 4; i++) {
        int at = word + (little ? 3 - i : i);
        b.append(String.format(Locale.ROOT, "%02X", address[at] & 0xff));
      }
    }
    return b.toString();
  }
}

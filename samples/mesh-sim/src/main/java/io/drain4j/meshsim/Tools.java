package io.drain4j.meshsim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the external programs the simulator drives, and installs the missing ones with apt-get when
 * it runs as root on Debian or Ubuntu. Anything it cannot install it names, with the exact command
 * to install it.
 */
final class Tools {

  private static final Duration APT_TIMEOUT = Duration.ofMinutes(10);
  private static final List<String> EXTRA_DIRS =
      List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/local/bin");
  private static final Pattern VERSION = Pattern.compile("version (\\d+)\\.(\\d+)\\.?(\\d*)");

  /**
   * What was found.
   *
   * @param haproxy the HAProxy binary
   * @param haproxyVersion its version line
   * @param netns whether pods get network namespaces (root, {@code ip} present, not refused)
   * @param useWget whether the drain4j hook must use wget (no curl)
   */
  record Found(Path haproxy, String haproxyVersion, boolean netns, boolean useWget) {}

  private Tools() {}

  static Found prepare(boolean wantNetns, boolean mayInstall, Consumer<String> out)
      throws SetupException {
    if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
      throw new SetupException(
          "mesh-sim runs on Linux only (it drives HAProxy, setsid and"
              + " network namespaces); this is "
              + System.getProperty("os.name"));
    }
    boolean root = isRoot();
    boolean netns = wantNetns && root;
    // program -> Debian package
    Map<String, String> needed = new LinkedHashMap<>();
    needed.put("haproxy", "haproxy");
    needed.put("setsid", "util-linux");
    if (netns) {
      needed.put("ip", "iproute2");
      needed.put("netstat", "net-tools");
    }
    if (find("curl") == null && find("wget") == null) {
      needed.put("curl", "curl");
    }
    List<String> missing = new ArrayList<>();
    for (Map.Entry<String, String> e : needed.entrySet()) {
      if (find(e.getKey()) == null && !missing.contains(e.getValue())) {
        missing.add(e.getValue());
      }
    }
    if (!missing.isEmpty()) {
      String command = "apt-get install -y " + String.join(" ", missing);
      if (!root || !mayInstall || find("apt-get") == null) {
        throw new SetupException(
            "mesh-sim needs these Debian/Ubuntu packages: "
                + String.join(", ", missing)
                + ". Install them with:\n    sudo apt-get update && sudo "
                + command
                + "\n(HAProxy 2.6 or later; on other systems install the same programs"
                + " with their package manager)");
      }
      out.accept("mesh-sim: installing " + String.join(", ", missing) + " with apt-get");
      apt(List.of("apt-get", "update", "-qq"));
      List<String> install =
          new ArrayList<>(List.of("apt-get", "install", "-y", "-qq", "--no-install-recommends"));
      install.addAll(missing);
      apt(install);
      for (Map.Entry<String, String> e : needed.entrySet()) {
        if (find(e.getKey()) == null) {
          throw new SetupException(
              "apt-get installed "
                  + e.getValue()
                  + " but "
                  + e.getKey()
                  + " is still not found on the PATH");
        }
      }
    }
    Path haproxy = find("haproxy");
    String version = haproxyVersion(haproxy);
    if (netns) {
      try {
        Exec.Result r = Exec.run(Duration.ofSeconds(20), List.of("ip", "netns", "list"));
        if (!r.ok()) {
          throw new SetupException(
              "ip netns does not work here (" + r.output().strip() + "); run with --loopback");
        }
      } catch (IOException e) {
        throw new SetupException(
            "ip netns does not work here (" + e.getMessage() + "); run with --loopback");
      }
    }
    return new Found(haproxy, version, netns, find("curl") == null);
  }

  private static void apt(List<String> command) throws SetupException {
    try {
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.INHERIT);
      builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
      Process p = builder.start();
      if (!p.waitFor(APT_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new SetupException(
            String.join(" ", command)
                + " did not finish in "
                + APT_TIMEOUT.toMinutes()
                + " minutes");
      }
      if (p.exitValue() != 0) {
        throw new SetupException(
            String.join(" ", command) + " failed with status " + p.exitValue());
      }
    } catch (IOException e) {
      throw new SetupException("could not run " + String.join(" ", command) + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SetupException("interrupted while installing packages");
    }
  }

  /**
   * The HAProxy version line, checked to be 2.6 or later: the global {@code grace} keyword, which
   * keeps the ingress accepting while it drains, came back in 2.6.
   */
  static String haproxyVersion(Path haproxy) throws SetupException {
    String output;
    try {
      output = Exec.run(Duration.ofSeconds(20), List.of(haproxy.toString(), "-v")).output();
    } catch (IOException e) {
      throw new SetupException("could not run " + haproxy + " -v: " + e.getMessage());
    }
    String first = output.lines().findFirst().orElse("").strip();
    Matcher m = VERSION.matcher(first);
    if (!m.find()) {
      throw new SetupException("cannot read the HAProxy version from: " + first);
    }
    int major = Integer.parseInt(m.group(1));
    int minor = Integer.parseInt(m.group(2));
    if (major < 2 || (major == 2 && minor < 6)) {
      throw new SetupException(
          "HAProxy "
              + major
              + "."
              + minor
              + " is too old: mesh-sim needs"
              + " 2.6 or later (the global 'grace' keyword)");
    }
    return "HAProxy "
        + m.group(1)
        + "."
        + m.group(2)
        + (m.group(3).isEmpty() ? "" : "." + m.group(3));
  }

  static boolean isRoot() {
    try {
      return Exec.run(Duration.ofSeconds(10), List.of("id", "-u")).output().strip().equals("0");
    } catch (IOException e) {
      return false;
    }
  }

  /** The program's path on the PATH or in the usual system directories, {@code null} if none. */
  static Path find(String program) {
    List<String> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      dirs.addAll(List.of(path.split(":")));
    }
    dirs.addAll(EXTRA_DIRS);
    for (String dir : dirs) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, program);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate.toAbsolutePath();
      }
    }
    return null;
  }
}

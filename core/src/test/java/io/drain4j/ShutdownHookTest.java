package io.drain4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** SIGTERM to a real child JVM: the shutdown hook keeps it alive until the unit in flight ends. */
class ShutdownHookTest {

  @Test
  void whenSigtermArrivesWithAUnitInFlightThenTheJvmWaitsForItAndExitsAfterDrained()
      throws Exception {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
            javaBin, "-cp", System.getProperty("java.class.path"), SigtermProbe.class.getName());
    pb.environment().put("DRAIN4J_PROPAGATION_DELAY", "100ms");
    pb.environment().put("DRAIN4J_DEADLINE", "60s");
    pb.environment().put("DRAIN4J_STATUS_ENABLED", "false");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    List<String> all = Collections.synchronizedList(new ArrayList<>());
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                  all.add(l);
                  lines.add(l);
                }
              } catch (Exception ignored) {
                // the child is gone
              }
            });
    reader.setDaemon(true);
    reader.start();
    try {
      awaitLine(lines, "READY", all);
      // SIGTERM; Process.destroy() would also close our ends of the child's pipes.
      assertThat(p.toHandle().destroy()).isTrue();
      awaitLine(lines, "DRAINING", all);
      // The hook holds the JVM: the child is alive until its unit ends.
      assertThat(p.isAlive()).as("alive while the unit is in flight: %s", all).isTrue();
      OutputStream stdin = p.getOutputStream();
      stdin.write("finish\n".getBytes(StandardCharsets.UTF_8));
      stdin.flush();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exited: %s", all).isTrue();
      reader.join(10_000);
      assertThat(p.exitValue()).isEqualTo(143);
      List<String> events = new ArrayList<>();
      for (String l : all) {
        if (l.equals("UNIT DONE") || l.startsWith("DRAINED")) {
          events.add(l);
        }
      }
      assertThat(events).as("output: %s", all).containsExactly("UNIT DONE", "DRAINED forced=false");
    } finally {
      p.destroyForcibly();
    }
  }

  private static void awaitLine(BlockingQueue<String> lines, String expected, List<String> all)
      throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < end) {
      String l = lines.poll(1, TimeUnit.SECONDS);
      if (expected.equals(l)) {
        return;
      }
    }
    throw new AssertionError("no line " + expected + " from the child; output: " + all);
  }
}

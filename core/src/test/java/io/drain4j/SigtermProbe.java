package io.drain4j;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * A small program for {@link ShutdownHookTest}: holds one unit in flight until a line arrives on
 * stdin, with the coordinator's JVM shutdown hook installed, and reports each transition.
 */
public final class SigtermProbe {
  private SigtermProbe() {}

  public static void main(String[] args) throws Exception {
    DrainCoordinator c = DrainCoordinator.fromEnvironment();
    c.addListener(
        new DrainListener() {
          @Override
          public void onDraining() {
            say("DRAINING");
          }

          @Override
          public void onDrained(DrainStatus status) {
            say("DRAINED forced=" + status.forced());
          }
        });
    InFlight unit = c.admitInbound("GET /slow");
    Thread worker =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                in.readLine();
              } catch (Exception e) {
                say("ERROR " + e);
              }
              say("UNIT DONE");
              unit.exit();
            },
            "probe-worker");
    worker.setDaemon(true);
    worker.start();
    say("READY");
    Thread.currentThread().join(); // until the JVM exits
  }

  static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }
}

package io.drain4j.benchmarks;

import io.drain4j.DrainCoordinator;
import io.drain4j.InFlight;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The child JVM of {@link ShutdownHookLatency}: a coordinator with its JVM shutdown hook, one
 * inbound unit in flight. On SIGTERM drain4j's hook starts the drain and blocks; a second hook
 * waits until the drain has started, lets drain4j's hook park, then ends the unit and times how
 * long drain4j's hook thread takes to return. Prints {@code READY}, then {@code EXIT <nanoTime>
 * HOOK <nanoTime>} ({@link System#nanoTime()} is CLOCK_MONOTONIC on Linux, so the parent can
 * compare it with its own clock). With the argument {@code warm}, one drain of a throwaway
 * coordinator runs first, so that the measured drain does not load and interpret its code for the
 * first time.
 */
public final class ShutdownHookChild {
  private ShutdownHookChild() {}

  /**
   * Runs the child.
   *
   * @param args {@code warm} to run one throwaway drain first; otherwise none
   * @throws Exception never in practice
   */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("warm")) {
      DrainCoordinator warm =
          DrainCoordinator.builder()
              .statusEnabled(false)
              .shutdownHook(false)
              .propagationDelay(Duration.ZERO)
              .deadline(Duration.ofSeconds(30))
              .build();
      InFlight u = warm.admitInbound("GET /warm");
      warm.startDrain();
      u.exit();
      warm.whenDrained().get(30, TimeUnit.SECONDS);
      warm.close();
    }
    DrainCoordinator c =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(true)
            .propagationDelay(Duration.ZERO)
            .deadline(Duration.ofSeconds(30))
            .build();
    InFlight unit = c.admitInbound("GET /work");
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    c.whenDraining().get(30, TimeUnit.SECONDS);
                    Thread hook = find("drain4j-shutdown");
                    // Let drain4j's hook reach its wait for DRAINED; the unit must end after it.
                    Thread.sleep(15);
                    long exitAt = System.nanoTime();
                    unit.exit();
                    hook.join(30_000);
                    long hookReturnedAt = System.nanoTime();
                    System.out.println("EXIT " + exitAt + " HOOK " + hookReturnedAt);
                    System.out.flush();
                  } catch (Exception e) {
                    // On stdout, where ShutdownHookLatency reads this child's answer (its stderr
                    // is discarded), so that the round fails with the cause instead of a null.
                    System.out.println("HOOK FAILED: " + e);
                    System.out.flush();
                  }
                },
                "benchmark-hook"));
    System.out.println("READY");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }

  private static Thread find(String name) {
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals(name)) {
        return t;
      }
    }
    throw new IllegalStateException("no thread named " + name);
  }
}

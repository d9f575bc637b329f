package io.drain4j;

import java.util.concurrent.CountDownLatch;

/**
 * A small program for {@link ExitBoundTest}: a coordinator with its JVM hook, and one of two ways
 * to make an exit hard. {@code exit-in-unit}: a thread calls {@code System.exit} while its unit is
 * in flight. {@code blocking-hook}: another shutdown hook of the application never returns. {@code
 * second-coordinator}: a second coordinator drains only after the first is DRAINED.
 */
public final class ExitProbe {
  private ExitProbe() {}

  public static void main(String[] args) throws Exception {
    DrainCoordinator c = DrainCoordinator.fromEnvironment();
    c.addListener(
        new DrainListener() {
          @Override
          public void onDrained(DrainStatus status) {
            SigtermProbe.say("DRAINED forced=" + status.forced());
          }
        });
    switch (args[0]) {
      case "exit-in-unit" -> {
        Thread handler =
            new Thread(
                () -> {
                  InFlight unit = c.admitInbound("GET /exit");
                  SigtermProbe.say("EXITING");
                  System.exit(3);
                  unit.exit(); // never reached: System.exit does not return
                },
                "probe-handler");
        handler.start();
      }
      case "blocking-hook" -> {
        Runtime.getRuntime()
            .addShutdownHook(
                new Thread(
                    () -> {
                      SigtermProbe.say("HOOK BLOCKS");
                      try {
                        new CountDownLatch(1).await();
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    },
                    "probe-blocking-hook"));
        SigtermProbe.say("READY");
      }
      case "second-coordinator" -> {
        // As Spring closes its cached contexts during JVM shutdown: one after the other, the
        // second still in its propagation delay when the first has long been DRAINED.
        DrainCoordinator second =
            DrainCoordinator.builder()
                .statusEnabled(false)
                .shutdownHook(false)
                .propagationDelay(java.time.Duration.ofSeconds(2))
                .deadline(java.time.Duration.ofSeconds(10))
                .build();
        Runtime.getRuntime()
            .addShutdownHook(
                new Thread(
                    () -> {
                      c.whenDrained().join();
                      second.startDrain();
                      second.whenDrained().join();
                      SigtermProbe.say("SECOND DRAINED");
                    },
                    "probe-second-context"));
        SigtermProbe.say("READY");
      }
      default -> throw new IllegalArgumentException(args[0]);
    }
    Thread.currentThread().join(); // until the JVM exits
  }
}

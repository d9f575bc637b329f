package io.drain4j.benchmarks;

import io.drain4j.DrainCoordinator;
import io.drain4j.InFlight;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * Heap retained per in-flight unit: used heap after a full GC with 100,000 units in flight, minus
 * used heap after a full GC before they were admitted, divided by their number. The array that
 * holds the units is allocated before the first measurement, so only drain4j's share is counted.
 * Two admission patterns: all units from one thread, and spread over 200 threads (as a server's
 * request threads would). Run with {@code -XX:+UseSerialGC} for a stable measure. Arguments: {@code
 * [units] [threads]}.
 */
public final class UnitMemory {
  private UnitMemory() {}

  /**
   * Prints one line with the bytes retained per unit. One measurement per JVM: a coordinator closed
   * earlier in the same JVM would still be reachable from its timer thread for a moment and distort
   * the next baseline.
   *
   * @param args units in flight (default 100000), admitting threads (default 1)
   * @throws Exception when admission fails
   */
  public static void main(String[] args) throws Exception {
    measure(Samples.intArg(args, 0, 100_000), Samples.intArg(args, 1, 1));
  }

  private static void measure(int units, int threads) throws Exception {
    InFlight[] held = new InFlight[units];
    DrainCoordinator c =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(false)
            .propagationDelay(Duration.ZERO)
            .deadline(Duration.ofSeconds(30))
            .build();
    try {
      long before = usedAfterGc();
      long start = System.nanoTime();
      admit(c, held, threads);
      long admitNanos = System.nanoTime() - start;
      long after = usedAfterGc();
      int inflight = c.inflight(io.drain4j.UnitKind.INBOUND);
      System.out.printf(
          Locale.ROOT,
          "threads=%d units=%d inflight=%d retained=%d B perUnit=%.1f B admit=%.0f ms%n",
          threads,
          units,
          inflight,
          after - before,
          (after - before) / (double) units,
          admitNanos / 1e6);
      for (InFlight u : held) {
        u.exit();
      }
    } finally {
      c.close();
    }
  }

  private static void admit(DrainCoordinator c, InFlight[] held, int threads) throws Exception {
    CountDownLatch done = new CountDownLatch(threads);
    Thread[] ts = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      int from = (int) ((long) held.length * t / threads);
      int to = (int) ((long) held.length * (t + 1) / threads);
      ts[t] =
          new Thread(
              () -> {
                for (int i = from; i < to; i++) {
                  held[i] = c.admitInbound("GET /work");
                }
                done.countDown();
              });
      ts[t].start();
    }
    done.await();
    for (Thread t : ts) {
      t.join();
    }
  }

  private static long usedAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}

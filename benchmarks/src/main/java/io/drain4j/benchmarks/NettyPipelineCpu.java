package io.drain4j.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The pipeline of {@link NettyPipelineBenchmark}, measured in thread CPU time instead of wall time,
 * with the two variants alternated round by round in one JVM: on a shared, loaded machine the time
 * a thread spends descheduled does not count, so the ratio of the medians stays readable where
 * JMH's wall-clock figures scatter. Prints each round and the medians; see docs/benchmarks.md.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.drain4j.benchmarks.NettyPipelineCpu [rounds]
 * [requestsPerRound]</pre>
 */
public final class NettyPipelineCpu {
  private NettyPipelineCpu() {}

  /**
   * Runs the alternated rounds.
   *
   * @param args optional: the number of rounds (default 15) and of requests per round (default
   *     2,000,000)
   */
  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    int requests = args.length > 1 ? Integer.parseInt(args[1]) : 2_000_000;
    NettyPipelineBenchmark off = variant("off");
    NettyPipelineBenchmark on = variant("on");
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    // Warm-up: both variants, so that the JIT has seen the shared code from both sides.
    for (int i = 0; i < 3; i++) {
      run(off, requests, threads);
      run(on, requests, threads);
    }
    List<Double> offNs = new ArrayList<>();
    List<Double> onNs = new ArrayList<>();
    List<Double> pairs = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      // ABBA, so that neither variant always runs right after the other.
      boolean offFirst = r % 2 == 0;
      double a = run(offFirst ? off : on, requests, threads);
      double b = run(offFirst ? on : off, requests, threads);
      double o = offFirst ? a : b;
      double n = offFirst ? b : a;
      offNs.add(o);
      onNs.add(n);
      pairs.add(o / n);
      System.out.printf(
          Locale.ROOT, "round %2d  off %7.1f ns  on %7.1f ns  off/on %.3f%n", r, o, n, o / n);
    }
    double mOff = median(offNs);
    double mOn = median(onNs);
    System.out.printf(
        Locale.ROOT,
        "median CPU ns/request: off %.1f, on %.1f; drain4j adds %.1f ns; ratio of medians (off/on) %.3f;"
            + " median of per-round ratios %.3f%n",
        mOff,
        mOn,
        mOn - mOff,
        mOff / mOn,
        median(pairs));
    off.tearDown();
    on.tearDown();
  }

  private static NettyPipelineBenchmark variant(String drain) {
    NettyPipelineBenchmark b = new NettyPipelineBenchmark();
    b.drain = drain;
    b.setUp();
    return b;
  }

  /** CPU nanoseconds of this thread per request over one round. */
  private static double run(NettyPipelineBenchmark b, int requests, ThreadMXBean threads) {
    long sink = 0;
    long start = threads.getCurrentThreadCpuTime();
    for (int i = 0; i < requests; i++) {
      sink += b.request();
    }
    long cpu = threads.getCurrentThreadCpuTime() - start;
    if (sink == 42) {
      System.out.println(); // keeps the loop's result alive
    }
    return (double) cpu / requests;
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}

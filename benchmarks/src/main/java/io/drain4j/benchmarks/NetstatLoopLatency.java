package io.drain4j.benchmarks;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The alternative drain4j replaces: the sidecar preStop loop that waits on socket state,
 *
 * <pre>
 * while [ $(netstat -plunt | grep tcp | grep -v envoy | wc -l | xargs) -ne 0 ]; do sleep 1; done
 * </pre>
 *
 * Measures the time from the application's listener closing to the loop ending. Run it alone in a
 * network namespace of its own (see run.sh), where the listener opened here is the only TCP socket.
 * The listener closes a random 1 to 2 s after the loop started, so at a random phase of the loop's
 * one-second sleep. Arguments: {@code [resultsDir] [rounds]}.
 */
public final class NetstatLoopLatency {
  static final String LOOP =
      "while [ $(netstat -plunt | grep tcp | grep -v envoy | wc -l | xargs)"
          + " -ne 0 ]; do sleep 1; done";

  private NetstatLoopLatency() {}

  /**
   * Runs the loop and writes {@code netstat-loop.txt}.
   *
   * @param args results directory, rounds (default 100)
   * @throws Exception when a round fails
   */
  public static void main(String[] args) throws Exception {
    int rounds = Samples.intArg(args, 1, 100);
    Samples samples = new Samples("netstat-loop");
    for (int i = 0; i < rounds; i++) {
      ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Process loop =
          new ProcessBuilder("bash", "-c", LOOP)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      Thread.sleep(ThreadLocalRandom.current().nextLong(1000, 2000));
      if (!loop.isAlive()) {
        throw new IllegalStateException(
            "the loop ended while the listener was open; is another"
                + " TCP socket missing from this namespace, or netstat not installed?");
      }
      long closedAt = System.nanoTime();
      listener.close();
      if (!loop.waitFor(30, TimeUnit.SECONDS)) {
        loop.destroyForcibly();
        throw new IllegalStateException("the loop did not end");
      }
      samples.add(System.nanoTime() - closedAt);
    }
    samples.write(Samples.dir(args, 0));
    System.out.println(samples.summary());
  }
}

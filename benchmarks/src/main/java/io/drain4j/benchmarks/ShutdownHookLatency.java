package io.drain4j.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Drain latency through the JVM shutdown hook: a loop of child JVMs ({@link ShutdownHookChild}),
 * each sent SIGTERM with one unit in flight. Measures, from the last unit finishing, the time to
 * drain4j's hook returning (timed in the child) and to the child process having exited (timed
 * here). Arguments: {@code [resultsDir] [runs] [warm]}; with {@code warm} each child first runs one
 * throwaway drain (see {@link ShutdownHookChild}) and the files are named {@code -warm}.
 */
public final class ShutdownHookLatency {
  private ShutdownHookLatency() {}

  /**
   * Runs the loop and writes {@code drain4j-hook-return.txt} and {@code drain4j-jvm-exit.txt}.
   *
   * @param args results directory, number of child JVMs (default 200), {@code warm} or nothing
   * @throws Exception when a child misbehaves
   */
  public static void main(String[] args) throws Exception {
    int runs = Samples.intArg(args, 1, 200);
    boolean warm = args.length > 2 && args[2].equals("warm");
    String suffix = warm ? "-warm" : "";
    Samples hook = new Samples("drain4j-hook-return" + suffix);
    Samples exit = new Samples("drain4j-jvm-exit" + suffix);
    String java = System.getProperty("java.home") + "/bin/java";
    String cp = System.getProperty("java.class.path");
    for (int i = 0; i < runs; i++) {
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  java,
                  "-Xshare:auto",
                  "-XX:TieredStopAtLevel=1",
                  "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                  "-cp",
                  cp,
                  ShutdownHookChild.class.getName()));
      if (warm) {
        cmd.add("warm");
      }
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
      String line = out.readLine();
      if (!"READY".equals(line)) {
        p.destroyForcibly();
        throw new IllegalStateException("child did not start: " + line);
      }
      // SIGTERM, through the handle: Process.destroy() would also close the child's output.
      p.toHandle().destroy();
      String result = out.readLine();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("child did not exit");
      }
      long exitedAt = System.nanoTime();
      if (result == null || !result.startsWith("EXIT ")) {
        throw new IllegalStateException("child answered: " + result);
      }
      String[] f = result.split(" ", -1);
      long unitExitAt = Long.parseLong(f[1]);
      hook.add(Long.parseLong(f[3]) - unitExitAt);
      exit.add(exitedAt - unitExitAt);
    }
    hook.write(Samples.dir(args, 0));
    exit.write(Samples.dir(args, 0));
    System.out.println(hook.summary());
    System.out.println(exit.summary());
  }
}

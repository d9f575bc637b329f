package io.drain4j;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A child JVM running a probe's {@code main} on the test class path, its output read by line. */
final class ChildJvm implements AutoCloseable {
  final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> all = Collections.synchronizedList(new ArrayList<>());
  private final Thread reader;

  private ChildJvm(Process process) {
    this.process = process;
    this.reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                  all.add(l);
                  lines.add(l);
                }
              } catch (IOException ignored) {
                // the child is gone
              }
            },
            "child-output");
    reader.setDaemon(true);
    reader.start();
  }

  static ChildJvm start(Class<?> main, Map<String, String> env, String... args) throws IOException {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd =
        new ArrayList<>(
            List.of(javaBin, "-cp", System.getProperty("java.class.path"), main.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    return new ChildJvm(pb.start());
  }

  /** Waits (bounded: 60 s) for a line equal to {@code expected}, or one starting with it. */
  String awaitLine(String expected) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < end) {
      String l = lines.poll(1, TimeUnit.SECONDS);
      if (l != null && l.startsWith(expected)) {
        return l;
      }
    }
    throw new AssertionError("no line " + expected + " from the child; output: " + all);
  }

  /** Sends SIGTERM; {@code Process.destroy()} would also close our ends of the child's pipes. */
  void sigterm() {
    if (!process.toHandle().destroy()) {
      throw new AssertionError("SIGTERM not delivered");
    }
  }

  void send(String line) throws IOException {
    OutputStream stdin = process.getOutputStream();
    stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    stdin.flush();
  }

  boolean exited(long seconds) throws InterruptedException {
    boolean done = process.waitFor(seconds, TimeUnit.SECONDS);
    if (done) {
      reader.join(10_000);
    }
    return done;
  }

  List<String> output() {
    synchronized (all) {
      return new ArrayList<>(all);
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}

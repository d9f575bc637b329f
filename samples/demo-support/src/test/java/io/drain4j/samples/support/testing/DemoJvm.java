package io.drain4j.samples.support.testing;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.NANOSECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A demo's jar running in a child JVM, its output (stdout and stderr) collected line by line with
 * the time this JVM read each line. {@link #close()} kills the process if it still runs.
 */
public final class DemoJvm implements AutoCloseable {
  private static final long WAIT_NANOS = SECONDS.toNanos(30);

  /**
   * What a test adds to DESIGN invariant 7's bound (exit within 1 s of DRAINED, within the deadline
   * + 1 s of the drain's start) when it times a child JVM's exit from outside: the child's signal
   * handling, its output reaching this JVM and the process reaper all wait for a CPU, which a
   * loaded 2-core machine delays by hundreds of milliseconds. The bound itself is the child's
   * {@code haltAfterDrained(900 ms)}, proved in core's {@code ExitBoundTest}; what these tests
   * catch is an exit that waits for something (a framework's 30 s graceful stop, a blocked thread),
   * which the slack does not hide.
   */
  public static final Duration EXIT_OBSERVATION_SLACK = Duration.ofSeconds(1);

  /**
   * A line of the demo's output and when this JVM read it.
   *
   * @param text the line, without its end
   * @param nanos {@link System#nanoTime()} when it was read
   */
  public record Line(String text, long nanos) {}

  private static final Pattern LISTENING =
      Pattern.compile("listening on port (\\d+), drain4j (?:status (\\S+)|disabled)");

  private final Process process;
  private int port = -1;
  private String status;
  private final List<Line> output = new CopyOnWriteArrayList<>();
  private final BlockingQueue<String> unread = new LinkedBlockingQueue<>();
  private final Thread reader;

  private DemoJvm(Process process) {
    this.process = process;
    reader = new Thread(this::read, "demo-output");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts {@code java -jar jar} with {@code env} added to this JVM's environment.
   *
   * @param jar the demo's jar, for example {@code target/netty-demo.jar}; must exist
   * @param env variables to set; not null
   * @return the running demo
   * @throws IOException when the JVM cannot be started
   */
  public static DemoJvm start(Path jar, Map<String, String> env) throws IOException {
    if (!Files.isRegularFile(jar)) {
      throw new AssertionError(jar.toAbsolutePath() + " does not exist: run after package");
    }
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-jar",
            jar.toString());
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    return new DemoJvm(pb.start());
  }

  /**
   * Starts {@code target/<demo>.jar} on free ports (its own and the status endpoint's) with a 1 s
   * propagation delay, plus {@code env}, and waits for its line {@code <demo> listening on port N,
   * drain4j status HOST:PORT} (or {@code drain4j disabled}), which {@link #port()} and {@link
   * #status()} then give.
   *
   * @param demo the demo's name, for example {@code netty-demo}; not null
   * @param env variables to set, overriding those defaults; not null
   * @return the running demo
   * @throws IOException when the JVM cannot be started
   * @throws InterruptedException when interrupted while waiting for the line
   */
  public static DemoJvm startListening(String demo, Map<String, String> env)
      throws IOException, InterruptedException {
    Map<String, String> all = new HashMap<>();
    all.put("PORT", "0");
    all.put("DRAIN4J_STATUS_PORT", "0");
    all.put("DRAIN4J_PROPAGATION_DELAY", "1s");
    all.putAll(env);
    DemoJvm jvm = start(Path.of("target", demo + ".jar"), all);
    String line = jvm.awaitLine(demo + " listening on port");
    Matcher m = LISTENING.matcher(line);
    if (!m.find()) {
      jvm.close();
      throw new AssertionError("no port and status endpoint in \"" + line + "\"");
    }
    jvm.port = Integer.parseInt(m.group(1));
    jvm.status = m.group(2);
    return jvm;
  }

  /**
   * The port the demo listens on, when started by {@link #startListening}.
   *
   * @return the port; -1 otherwise
   */
  public int port() {
    return port;
  }

  /**
   * The status endpoint's {@code host:port}, when started by {@link #startListening}.
   *
   * @return the address; {@code null} otherwise, and when drain4j is disabled
   */
  public String status() {
    return status;
  }

  private void read() {
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        output.add(new Line(line, System.nanoTime()));
        unread.add(line);
      }
    } catch (IOException e) {
      // the process is gone
    }
  }

  /**
   * The child process.
   *
   * @return the process
   */
  public Process process() {
    return process;
  }

  /**
   * The lines read so far, in order.
   *
   * @return a snapshot
   */
  public List<String> output() {
    return output.stream().map(Line::text).toList();
  }

  /**
   * Waits at most 30 s for a line not yet returned by this method that contains {@code text}, and
   * returns it; the lines skipped on the way are not returned again.
   *
   * @param text what the line contains; not null
   * @return the line
   * @throws InterruptedException when interrupted while waiting
   */
  public String awaitLine(String text) throws InterruptedException {
    long end = System.nanoTime() + WAIT_NANOS;
    for (String line;
        (line = unread.poll(Math.max(1, end - System.nanoTime()), NANOSECONDS)) != null; ) {
      if (line.contains(text)) {
        return line;
      }
    }
    throw new AssertionError("no line with \"" + text + "\" within 30 s: " + output());
  }

  /**
   * The first line read so far that contains {@code text}.
   *
   * @param text what the line contains; not null
   * @return the line with its time
   */
  public Line find(String text) {
    return output.stream()
        .filter(l -> l.text().contains(text))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no line with \"" + text + "\" in " + output()));
  }

  /**
   * What follows {@code prefix} in every line read so far that contains it, trimmed.
   *
   * @param prefix the text before the part wanted; not null
   * @return the parts, in order
   */
  public List<String> after(String prefix) {
    List<String> parts = new ArrayList<>();
    for (Line l : output) {
      int i = l.text().indexOf(prefix);
      if (i >= 0) {
        parts.add(l.text().substring(i + prefix.length()).trim());
      }
    }
    return parts;
  }

  /**
   * Waits, bounded by 30 s, until the demo's status endpoint ({@link #status()}) counts {@code n}
   * inbound units: a request sent gives no sign of having reached the server before its answer,
   * hence the poll.
   *
   * @param n the inbound count to wait for
   * @throws InterruptedException when interrupted while waiting
   */
  public void awaitInflightInbound(int n) throws InterruptedException {
    HttpClient client = HttpClient.newHttpClient();
    HttpRequest get =
        HttpRequest.newBuilder(URI.create("http://" + status + "/drain"))
            .timeout(Duration.ofSeconds(10))
            .build();
    long end = System.nanoTime() + WAIT_NANOS;
    Set<String> seen = new LinkedHashSet<>();
    while (System.nanoTime() - end < 0) {
      String body;
      try {
        body = client.send(get, HttpResponse.BodyHandlers.ofString()).body();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (body.contains("\"inbound\":" + n + ",")) {
        return;
      }
      seen.add(
          body.replaceAll("\"(oldestInflightMs|drainElapsedMs|deadlineRemainingMs)\":\\d+", ""));
      LockSupport.parkNanos(MILLISECONDS.toNanos(10));
    }
    throw new AssertionError("never " + n + " inbound in flight: " + seen);
  }

  /**
   * Sends SIGTERM, waits for the child's {@code drain started} log line and then, at most {@code
   * timeout}, for its exit, and answers how long after the drain's start (when this JVM read that
   * line) the exit came. DESIGN invariant 7 bounds the exit by the deadline + 1 s from the drain's
   * start; timing it from the SIGTERM would add the child's signal handling, which a loaded machine
   * delays.
   *
   * @param timeout how long to wait for the exit
   * @return the time from the drain's start to the exit
   * @throws InterruptedException when interrupted while waiting
   */
  public Duration sigtermAndTimeTheExitFromTheDrainStart(Duration timeout)
      throws InterruptedException {
    // Through the handle: Process.destroy() would also close our end of the child's output.
    if (!process.toHandle().destroy()) {
      throw new AssertionError("SIGTERM could not be sent");
    }
    awaitLine("drain started (trigger:");
    long drainStarted = find("drain started (trigger:").nanos();
    if (!process.waitFor(timeout.toMillis(), MILLISECONDS)) {
      throw new AssertionError("no exit within " + timeout + " of SIGTERM: " + output());
    }
    return Duration.ofNanos(System.nanoTime() - drainStarted);
  }

  /**
   * Waits at most {@code timeout} for the output's end, once the process has exited, so that every
   * line it wrote has been read.
   *
   * @param timeout how long to wait
   * @throws InterruptedException when interrupted while waiting
   */
  public void awaitOutputEnd(Duration timeout) throws InterruptedException {
    reader.join(Math.max(1, timeout.toMillis()));
  }

  /** Kills the process if it still runs. */
  @Override
  public void close() {
    process.destroyForcibly();
  }
}

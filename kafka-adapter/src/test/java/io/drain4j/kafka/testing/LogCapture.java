package io.drain4j.kafka.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Captures what is written to {@code System.err}, where slf4j-simple writes its log records, while
 * still passing it on. slf4j-simple looks {@code System.err} up at each record.
 */
public final class LogCapture implements AutoCloseable {
  private final PrintStream original = System.err;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

  /** Starts capturing. */
  public LogCapture() {
    OutputStream tee =
        new OutputStream() {
          @Override
          public void write(int b) {
            synchronized (captured) {
              captured.write(b);
              captured.notifyAll();
            }
            original.write(b);
          }

          @Override
          public void write(byte[] b, int off, int len) {
            synchronized (captured) {
              captured.write(b, off, len);
              captured.notifyAll();
            }
            original.write(b, off, len);
          }
        };
    System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
  }

  /**
   * What was logged so far.
   *
   * @return the text
   */
  public String text() {
    synchronized (captured) {
      return captured.toString(StandardCharsets.UTF_8);
    }
  }

  /**
   * Waits until a whole line containing {@code part} was logged: a record written by a drain4j
   * listener may come after the future the test waited on, which the core completes 250 ms after
   * the transition at the latest, whether or not its listeners have returned.
   *
   * @param part the text to wait for
   * @param timeout how long to wait at most
   * @return what was logged by then
   * @throws AssertionError when no such line was logged within {@code timeout}
   * @throws InterruptedException when interrupted while waiting
   */
  public String awaitLineContaining(String part, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    synchronized (captured) {
      while (true) {
        String text = captured.toString(StandardCharsets.UTF_8);
        int at = text.indexOf(part);
        if (at >= 0 && text.indexOf('\n', at) >= 0) {
          return text;
        }
        long left = end - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError(
              "no line with " + part + " logged within " + timeout + "; logged: " + text);
        }
        captured.wait(Math.max(1, left / 1_000_000));
      }
    }
  }

  @Override
  public void close() {
    System.setErr(original);
  }
}

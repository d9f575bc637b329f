package io.drain4j.meshsim;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs a short external command with a bound on its time, and returns its exit code and output. */
final class Exec {

  /** The end of a command: its exit code and its standard output and error, merged. */
  record Result(int exit, String output) {
    boolean ok() {
      return exit == 0;
    }
  }

  private Exec() {}

  static Result run(Duration timeout, List<String> command) throws IOException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    CompletableFuture<String> output = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (InputStream in = process.getInputStream()) {
                output.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
              } catch (IOException e) {
                output.completeExceptionally(e);
              }
            },
            "exec-output");
    reader.setDaemon(true);
    reader.start();
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        throw new IOException(
            "timed out after " + timeout.toMillis() + " ms: " + String.join(" ", command));
      }
      // The output pipe closes once every holder of it has gone; a daemonised child would keep
      // it open, hence the bound here too.
      String text = output.get(5, TimeUnit.SECONDS);
      return new Result(process.exitValue(), text);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + String.join(" ", command), e);
    } catch (ExecutionException e) {
      throw new IOException(
          "could not read the output of " + String.join(" ", command), e.getCause());
    } catch (TimeoutException e) {
      return new Result(process.exitValue(), "");
    }
  }

  /** Like {@link #run} but fails unless the command exits 0. */
  static String check(Duration timeout, List<String> command) {
    try {
      Result result = run(timeout, command);
      if (!result.ok()) {
        throw new IllegalStateException(
            String.join(" ", command)
                + " exited "
                + result.exit()
                + ": "
                + result.output().strip());
      }
      return result.output();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

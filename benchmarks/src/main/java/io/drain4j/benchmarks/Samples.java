package io.drain4j.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Latency samples in nanoseconds, written raw (one value in milliseconds per line) so that the
 * summary and the chart are computed from the same data, and summarised as p50/p99/max.
 */
final class Samples {
  private final String name;
  private long[] values = new long[1024];
  private int size;

  Samples(String name) {
    this.name = name;
  }

  void add(long nanos) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = nanos;
  }

  int size() {
    return size;
  }

  /** Nearest-rank percentile, in milliseconds. */
  double percentileMs(double p) {
    long[] sorted = Arrays.copyOf(values, size);
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * size);
    return sorted[Math.max(0, Math.min(size - 1, rank - 1))] / 1e6;
  }

  String summary() {
    return String.format(
        Locale.ROOT,
        "%s: n=%d p50=%.3f ms p99=%.3f ms max=%.3f ms",
        name,
        size,
        percentileMs(50),
        percentileMs(99),
        percentileMs(100));
  }

  /** Writes {@code <dir>/<name>.txt}: one sample per line, in milliseconds. */
  void write(Path dir) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < size; i++) {
      sb.append(String.format(Locale.ROOT, "%.4f%n", values[i] / 1e6));
    }
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(name + ".txt"), sb, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The results directory: the first argument, or {@code results} in the working directory. */
  static Path dir(String[] args, int index) {
    return Path.of(args.length > index ? args[index] : "results");
  }

  static int intArg(String[] args, int index, int fallback) {
    return args.length > index ? Integer.parseInt(args[index]) : fallback;
  }
}

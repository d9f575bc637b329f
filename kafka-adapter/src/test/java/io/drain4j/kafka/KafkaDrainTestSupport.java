package io.drain4j.kafka;

import java.util.concurrent.CompletableFuture;

/** Runs a drain loop on a thread of its own for the tests. */
final class KafkaDrainTestSupport {
  private KafkaDrainTestSupport() {}

  /**
   * Starts {@code loop} with {@code handler} on a new thread.
   *
   * @return completed with the {@link System#nanoTime()} at which {@code process} returned, or
   *     exceptionally with what it threw
   */
  static <K, V> CompletableFuture<Long> runLoop(
      KafkaDrain.Loop<K, V> loop, KafkaDrain.RecordHandler<K, V> handler) {
    CompletableFuture<Long> done = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                loop.process(handler);
                done.complete(System.nanoTime());
              } catch (Throwable e) {
                done.completeExceptionally(e);
              }
            },
            "drain-loop");
    t.setDaemon(true);
    t.start();
    return done;
  }
}

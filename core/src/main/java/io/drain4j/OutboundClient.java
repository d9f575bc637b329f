package io.drain4j;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A registered outbound client, closed once during the drain within a bounded time. */
final class OutboundClient {
  private static final Logger log = LoggerFactory.getLogger(DrainCoordinator.class);

  private final String name;
  private final AutoCloseable client;

  OutboundClient(String name, AutoCloseable client) {
    this.name = name;
    this.client = client;
  }

  String name() {
    return name;
  }

  /**
   * Closes the client on a thread of its own, so that a close that hangs delays the drain by the
   * timeout at most instead of blocking it forever.
   */
  void close(Duration timeout) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread closer =
        new Thread(
            () -> {
              try {
                client.close();
                done.complete(null);
              } catch (Throwable t) {
                done.completeExceptionally(t);
              }
            },
            "drain4j-close-" + name);
    closer.setDaemon(true);
    closer.start();
    try {
      done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      log.debug("drain4j closed outbound client {}", name);
    } catch (TimeoutException e) {
      log.warn(
          "drain4j: closing outbound client {} took longer than {}; going on without it",
          name,
          Settings.format(timeout));
    } catch (ExecutionException e) {
      log.warn("drain4j: closing outbound client {} failed", name, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      log.warn("drain4j: interrupted while closing outbound client {}", name);
    }
  }
}

package io.drain4j.status;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Creates the endpoint's daemon threads: the status endpoint must never be what keeps a JVM alive,
 * the application's own threads and the shutdown hook do that.
 */
final class StatusThreads implements ThreadFactory {
  private final String prefix;
  private final Object owner;
  private final AtomicInteger count = new AtomicInteger();

  StatusThreads(String prefix, Object owner) {
    this.prefix = prefix;
    this.owner = owner;
  }

  @Override
  public Thread newThread(Runnable task) {
    Thread t = new Owned(task, prefix + count.incrementAndGet(), owner);
    t.setDaemon(true);
    return t;
  }

  /** Whether the calling thread was made by a factory of {@code owner}. */
  static boolean isOwnedBy(Object owner) {
    Thread t = Thread.currentThread();
    return t instanceof Owned o && o.owner == owner;
  }

  private static final class Owned extends Thread {
    final Object owner;

    Owned(Runnable task, String name, Object owner) {
      super(task, name);
      this.owner = owner;
    }
  }
}

package io.drain4j.spring.app;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Where a test application's handler stops until its test lets it go: {@link #hold()} reports that
 * the handler arrived, then waits (at most a minute) for {@link #release()}.
 */
public final class Gate {
  private final CountDownLatch entered = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);
  private volatile boolean passed;

  /** Called by the handler: waits until released; afterwards {@link #passed()} is true. */
  public void hold() {
    entered.countDown();
    try {
      passed = released.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Whether a handler arrived at the gate within the time given. */
  public boolean awaitEntered() throws InterruptedException {
    return entered.await(30, TimeUnit.SECONDS);
  }

  public void release() {
    released.countDown();
  }

  /** Whether a handler went through the gate after its release (not after a timeout). */
  public boolean passed() {
    return passed;
  }
}

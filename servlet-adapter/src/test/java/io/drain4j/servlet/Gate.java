package io.drain4j.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds a test request inside its servlet until the test releases it. Gates are found by id, so
 * that a request names its gate in a query parameter.
 */
final class Gate {

  private static final Map<String, Gate> GATES = new ConcurrentHashMap<>();

  /** Bounded so that a failed test never leaves a container thread behind for long. */
  private static final long MAX_HOLD_SECONDS = 60;

  final String id = UUID.randomUUID().toString();
  private final CountDownLatch entered = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);

  /** What the servlet behind the gate observed, for servlets that report back to the test. */
  final CompletableFuture<Object> result = new CompletableFuture<>();

  static Gate open() {
    Gate gate = new Gate();
    GATES.put(gate.id, gate);
    return gate;
  }

  static Gate find(String id) {
    Gate gate = GATES.get(id);
    if (gate == null) {
      throw new IllegalArgumentException("no gate " + id);
    }
    return gate;
  }

  /**
   * Called by a servlet (or an error handler): enters gate {@code id} and waits for the test.
   *
   * @return whether the test released the gate in time
   */
  static boolean hold(String id) {
    Gate gate = find(id);
    gate.enter();
    return gate.awaitRelease();
  }

  /** Releases every gate, so that requests still held end. */
  static void releaseAll() {
    GATES.values().forEach(Gate::release);
    GATES.clear();
  }

  /** Called by the servlet: the request is now inside the application. */
  void enter() {
    entered.countDown();
  }

  /** Called by the servlet: waits for the test. */
  boolean awaitRelease() {
    try {
      return released.await(MAX_HOLD_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  void awaitEntered() throws InterruptedException {
    assertThat(entered.await(10, TimeUnit.SECONDS)).as("request entered the servlet").isTrue();
  }

  void release() {
    released.countDown();
  }
}

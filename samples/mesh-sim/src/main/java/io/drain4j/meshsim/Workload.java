package io.drain4j.meshsim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The clients of the pod: a few clients sending short requests in a loop (all four endpoints) from
 * the start until the endpoint is removed, and the scheduled long requests, sent before the pod's
 * deletion and during the propagation lag.
 */
final class Workload {

  private static final int MAX_SHORT_PER_CLIENT = 5000;

  private final Client client;
  private final Timing timing;
  private final long t0;
  private final Timeline timeline;
  private final List<RequestRecord> records = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final CountDownLatch done;
  private volatile boolean endpointActive = true;
  private volatile long endpointRemovedNanos;

  /**
   * @param client sends to the pod's ingress (or the node proxy)
   * @param t0 when the pod will be deleted, {@link System#nanoTime()}
   */
  Workload(Client client, Timing timing, long t0, Timeline timeline) {
    this.client = client;
    this.timing = timing;
    this.t0 = t0;
    this.timeline = timeline;
    this.done = new CountDownLatch(timing.shortClients() + timing.longRequests().size());
  }

  /** Starts every client now. */
  void start() {
    timeline.record("clients", timing.shortClients() + " clients start sending short requests");
    for (int i = 0; i < timing.shortClients(); i++) {
      int client = i;
      threads.add(thread("short-" + i, () -> shortLoop(client)));
    }
    Map<Duration, List<Timing.Shot>> byTime = new LinkedHashMap<>();
    for (Timing.Shot shot : timing.longRequests()) {
      byTime.computeIfAbsent(shot.at(), k -> new ArrayList<>()).add(shot);
      threads.add(thread("long-" + shot.endpoint().label(), () -> longRequest(shot)));
    }
    for (Map.Entry<Duration, List<Timing.Shot>> e : byTime.entrySet()) {
      StringBuilder what = new StringBuilder();
      for (Timing.Shot s : e.getValue()) {
        what.append(what.length() == 0 ? "" : ", ")
            .append(s.endpoint().label())
            .append(' ')
            .append(Pod.seconds(s.length()));
      }
      timeline.recordAt(t0 + e.getKey().toNanos(), "clients", "long requests sent: " + what);
    }
    threads.forEach(Thread::start);
  }

  /** The kubelet's endpoint removal: no client sends this pod a new request from now on. */
  void removeEndpoint() {
    endpointRemovedNanos = System.nanoTime();
    endpointActive = false;
  }

  /** When the endpoint was removed, 0 if it was not. */
  long endpointRemovedNanos() {
    return endpointRemovedNanos;
  }

  /** Waits until every request has ended, at most {@code bound}. */
  boolean await(Duration bound) throws InterruptedException {
    return done.await(bound.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Every request sent so far. */
  synchronized List<RequestRecord> records() {
    return List.copyOf(records);
  }

  private Thread thread(String name, Runnable body) {
    Thread t =
        new Thread(
            () -> {
              try {
                body.run();
              } finally {
                done.countDown();
              }
            },
            "client-" + name);
    t.setDaemon(true);
    return t;
  }

  private void shortLoop(int client) {
    Endpoint[] endpoints = Endpoint.values();
    long pauseNanos = timing.shortPause().toNanos();
    for (int n = 0; n < MAX_SHORT_PER_CLIENT && endpointActive; n++) {
      Endpoint endpoint = endpoints[(n + client) % endpoints.length];
      long ms =
          endpoint == Endpoint.STREAM
              ? 2 * timing.shortLength().toMillis()
              : timing.shortLength().toMillis();
      send(endpoint, ms, false);
      LockSupport.parkNanos(pauseNanos);
    }
  }

  private void longRequest(Timing.Shot shot) {
    long sendAt = t0 + shot.at().toNanos();
    // Bounded: the wait is at most the warm-up, and parkNanos returns early only spuriously.
    for (long left = sendAt - System.nanoTime(); left > 0; left = sendAt - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
    send(shot.endpoint(), shot.length().toMillis(), true);
  }

  private void send(Endpoint endpoint, long ms, boolean longRequest) {
    Duration silence = Duration.ofMillis(ms).plus(timing.terminationBound()).plusSeconds(10);
    long start = System.nanoTime();
    Outcome.Classified c = client.send(endpoint, ms, silence);
    long end = System.nanoTime();
    synchronized (this) {
      records.add(
          new RequestRecord(
              endpoint, ms, longRequest, start, end, c.outcome(), c.reason(), c.status()));
    }
  }
}

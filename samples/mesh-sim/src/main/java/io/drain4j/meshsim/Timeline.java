package io.drain4j.meshsim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The events of one scenario run, on the monotonic clock. Thread-safe. */
final class Timeline {

  /**
   * One event.
   *
   * @param nanos when, {@link System#nanoTime()}
   * @param who the actor: {@code kubelet}, {@code istio-proxy}, {@code app}, {@code clients}
   * @param what what happened
   */
  record Event(long nanos, String who, String what) {}

  private final List<Event> events = new ArrayList<>();

  void record(String who, String what) {
    recordAt(System.nanoTime(), who, what);
  }

  synchronized void recordAt(long nanos, String who, String what) {
    events.add(new Event(nanos, who, what));
  }

  /** The events, in time order. */
  synchronized List<Event> events() {
    List<Event> sorted = new ArrayList<>(events);
    sorted.sort(Comparator.comparingLong(Event::nanos));
    return sorted;
  }
}

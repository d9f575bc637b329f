package io.drain4j;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * The set of units in flight, for the deadline report and the per-kind counts. A lock-free open
 * table rather than a concurrent map: a map would allocate a node per unit and cost a hash lookup
 * on exit, where this costs one CAS in and one CAS out, and no allocation.
 *
 * <p>Slots live in fixed segments that are never moved, so a unit's slot index stays valid; the
 * segment list only grows. Each thread starts probing at its own cache line so that two threads
 * admitting units do not contend on the same line. Reads (counts, reports) scan every slot; they
 * are rare (a scrape, a status request) and tolerate a unit entering or leaving meanwhile.
 */
final class UnitTable {
  static final int SEGMENT_BITS = 10;
  static final int SEGMENT_SIZE = 1 << SEGMENT_BITS;
  private static final int MASK = SEGMENT_SIZE - 1;

  /** What fits in a unit's position bits. */
  static final int MAX_SEGMENTS = 1 << (TrackedUnit.POSITION_BITS - SEGMENT_BITS);

  /** Slots tried per segment before moving on; bounded so a full segment is skipped quickly. */
  private static final int MAX_PROBE = 64;

  /** Windows of MAX_PROBE slots tried per segment before moving on to the next segment. */
  private static final int WINDOWS = SEGMENT_SIZE / MAX_PROBE;

  /** 16 compressed references = one 64-byte cache line. */
  private static final int THREAD_SPREAD = 16;

  private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(TrackedUnit[].class);

  private volatile TrackedUnit[][] segments = {new TrackedUnit[SEGMENT_SIZE]};

  /** A segment likely to have room; a hint only, races are harmless. */
  private volatile int firstFree;

  /** Adds the unit, and records its position and its counting {@code cell} in it. */
  void add(TrackedUnit unit, int cell) {
    add(unit, cell, segments);
  }

  /**
   * Adds the unit starting from {@code segs}, a snapshot of {@link #segments} that may be stale by
   * the time it is used (a separate method so that a test can hand it one).
   */
  void add(TrackedUnit unit, int cell, TrackedUnit[][] segs) {
    int cellBits = cell << TrackedUnit.POSITION_BITS;
    int start = (int) (Thread.currentThread().getId() * THREAD_SPREAD);
    for (int s = firstFree; ; s++) {
      // A loop, not an if: the snapshot may predate several growths, and the hint firstFree may
      // point past what one growth from a stale length provides.
      while (s >= segs.length) {
        segs = grow(segs.length);
      }
      TrackedUnit[] seg = segs[s];
      // The thread's own window first; when it is full, random windows of the same segment, so
      // that a segment fills up before the next one is used (a full window is rare until the
      // segment is mostly full). Without this a single thread fills only MAX_PROBE slots of each
      // segment, and 100,000 units in flight retain 104 bytes each instead of 44.
      for (int w = 0, from = start;
          w < WINDOWS;
          w++, from = ThreadLocalRandom.current().nextInt(SEGMENT_SIZE) & ~(THREAD_SPREAD - 1)) {
        for (int i = 0; i < MAX_PROBE; i++) {
          int idx = (from + i) & MASK;
          if (SLOT.getOpaque(seg, idx) == null) {
            unit.slot = cellBits | (s << SEGMENT_BITS) | idx;
            if (SLOT.compareAndSet(seg, idx, null, unit)) {
              return;
            }
          }
        }
      }
      if (firstFree == s) {
        firstFree = s + 1;
      }
    }
  }

  /** Removes the unit; {@code true} only for the first call, which makes exit idempotent. */
  boolean remove(TrackedUnit unit) {
    int slot = unit.position();
    int s = slot >>> SEGMENT_BITS;
    if (SLOT.compareAndSet(segments[s], slot & MASK, unit, null)) {
      if (s < firstFree) {
        firstFree = s;
      }
      return true;
    }
    return false;
  }

  /** Adds a segment if there are still {@code seen}; answers the segments, longer than seen. */
  private synchronized TrackedUnit[][] grow(int seen) {
    TrackedUnit[][] segs = segments;
    if (segs.length <= seen) {
      if (segs.length == MAX_SEGMENTS) {
        throw new IllegalStateException(
            "drain4j: more than " + MAX_SEGMENTS * SEGMENT_SIZE + " units in flight");
      }
      int n = segs.length;
      segs = Arrays.copyOf(segs, n + 1);
      segs[n] = new TrackedUnit[SEGMENT_SIZE];
      segments = segs;
    }
    return segs;
  }

  /** The current segments, for a test that needs a snapshot to go stale. */
  TrackedUnit[][] segments() {
    return segments;
  }

  void forEach(Consumer<TrackedUnit> action) {
    for (TrackedUnit[] seg : segments) {
      for (int i = 0; i < SEGMENT_SIZE; i++) {
        TrackedUnit u = (TrackedUnit) SLOT.getAcquire(seg, i);
        if (u != null) {
          action.accept(u);
        }
      }
    }
  }
}

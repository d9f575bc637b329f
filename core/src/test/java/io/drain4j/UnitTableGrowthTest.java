package io.drain4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The unit table grows while threads add to it, beyond one segment of 1,024 slots. */
class UnitTableGrowthTest {

  private static TrackedUnit unit() {
    return new TrackedUnit(null, UnitKind.BACKGROUND, "u", Thread.currentThread(), 0);
  }

  @Test
  void anAddWhoseSnapshotOfTheSegmentsWentStaleWhileOthersGrewTheTableStillFindsASlot() {
    UnitTable table = new UnitTable();
    TrackedUnit[][] stale = table.segments();
    // Meanwhile others fill two segments: the free-segment hint now points past the snapshot.
    for (int i = 0; i < 2 * UnitTable.SEGMENT_SIZE; i++) {
      table.add(unit(), 0);
    }
    TrackedUnit late = unit();
    table.add(late, 0, stale);
    assertThat(table.remove(late)).isTrue();
  }

  @Test
  void threadsAddingAndRemovingThousandsOfUnitsAtOnceLoseNone() throws Exception {
    int threads = 4;
    int perThread = 1_500; // 6,000 in flight at the peak: several growths under contention
    UnitTable table = new UnitTable();
    CyclicBarrier start = new CyclicBarrier(threads);
    CyclicBarrier full = new CyclicBarrier(threads);
    AtomicInteger peak = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(
            pool.submit(
                () -> {
                  List<TrackedUnit> mine = new ArrayList<>();
                  start.await(30, TimeUnit.SECONDS);
                  for (int i = 0; i < perThread; i++) {
                    TrackedUnit u = unit();
                    table.add(u, 0);
                    mine.add(u);
                  }
                  full.await(30, TimeUnit.SECONDS);
                  int[] n = {0};
                  table.forEach(u -> n[0]++);
                  peak.accumulateAndGet(n[0], Math::max);
                  int removed = 0;
                  for (TrackedUnit u : mine) {
                    if (table.remove(u)) {
                      removed++;
                    }
                  }
                  return removed;
                }));
      }
      for (Future<Integer> r : results) {
        assertThat(r.get(60, TimeUnit.SECONDS)).isEqualTo(perThread);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(peak.get()).isEqualTo(threads * perThread);
    int[] left = {0};
    table.forEach(u -> left[0]++);
    assertThat(left[0]).isZero();
  }
}

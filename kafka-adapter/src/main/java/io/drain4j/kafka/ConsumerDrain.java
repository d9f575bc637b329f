package io.drain4j.kafka;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainListener;
import io.drain4j.DrainStatus;
import io.drain4j.DrainedException;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll loop of {@link KafkaDrain.Loop}: polls until the drain starts, processes and commits
 * batch by batch, then closes the consumer leaving its group; at a forced drain it commits what
 * finished from a drain4j thread and reports what will be redelivered.
 */
final class ConsumerDrain<K, V> implements DrainListener {
  private static final Logger log = LoggerFactory.getLogger(KafkaDrain.class);

  /**
   * Each step of the forced close (taking the consumer, committing, leaving the group) may take
   * this long: the JVM hook waits 250 ms for drain listeners after a forced DRAINED, then the JVM
   * exits, so three steps must fit in about that.
   */
  static final Duration FORCED_STEP = Duration.ofMillis(80);

  /** Each step of the forced close: {@link #FORCED_STEP} but in tests on a loaded machine. */
  private final Duration forcedStep;

  /** How the records of one batch are processed. */
  interface Processor<K, V> {
    void process(Batch<K, V> batch, ConsumerDrain<K, V> loop);
  }

  private final DrainCoordinator coordinator;
  private final Consumer<K, V> consumer;
  private final Duration pollTimeout;
  private final Duration commitTimeout;
  private final Duration closeTimeout;
  private final Duration retryBackoff;
  private final Duration sendTimeout;
  private final String group;

  /**
   * Held for every call on the consumer, which is not thread-safe: the loop's thread and the forced
   * close on a drain4j thread both use it. Never held while a handler runs.
   */
  private final ReentrantLock lock = new ReentrantLock();

  /** Completed when the drain starts (or is forced): ends the retry backoff and async waits. */
  private final CompletableFuture<Void> draining = new CompletableFuture<>();

  /** Completed when the forced close took over: the loop's thread leaves the consumer alone. */
  final CompletableFuture<Void> forced = new CompletableFuture<>();

  /** Completed when the forced close has committed, reported and closed, or given up. */
  private final CompletableFuture<Void> forcedDone = new CompletableFuture<>();

  /** Whether the loop's thread is in (or about to enter) {@code poll}, which a wakeup ends. */
  private volatile boolean polling;

  /** The batch in hand, for the forced close; {@code null} between batches. */
  private volatile Batch<K, V> batch;

  /** Guarded by {@link #lock}. */
  private boolean closed;

  ConsumerDrain(
      DrainCoordinator coordinator,
      Consumer<K, V> consumer,
      Duration pollTimeout,
      Duration commitTimeout,
      Duration closeTimeout,
      Duration retryBackoff,
      Duration sendTimeout,
      Duration forcedStep) {
    this.coordinator = coordinator;
    this.consumer = consumer;
    this.pollTimeout = pollTimeout;
    this.commitTimeout = commitTimeout;
    this.closeTimeout = closeTimeout;
    this.retryBackoff = retryBackoff;
    this.sendTimeout = sendTimeout;
    this.forcedStep = forcedStep;
    this.group = groupOf(consumer);
  }

  private static String groupOf(Consumer<?, ?> consumer) {
    try {
      return consumer.groupMetadata().groupId();
    } catch (RuntimeException e) {
      return "(no group)";
    }
  }

  // ------------------------------------------------------------------ the loop's thread

  void run(Processor<K, V> processor) {
    InFlight cycle;
    try {
      cycle = coordinator.enter(UnitKind.INBOUND, "kafka consumer " + group);
    } catch (DrainedException e) {
      close();
      throw e;
    }
    coordinator.addListener(this);
    try {
      while (!coordinator.isDraining() && !forced.isDone()) {
        ConsumerRecords<K, V> records = poll();
        if (records != null && !records.isEmpty()) {
          Batch<K, V> b = Batch.admit(coordinator, records);
          if (b == null) {
            break; // drained (forced) while admitting: nothing of it was processed
          }
          batch = b;
          processor.process(b, this);
          awaitSends(b);
          if (commit(b)) {
            backOff();
          }
        }
        // A fresh unit per round, so that the oldest unit in flight tells the age of the batch in
        // hand, not the consumer's; entered before the old one exits, so none is ever missing.
        InFlight next = renew();
        if (next == null) {
          break;
        }
        cycle.exit();
        cycle = next;
      }
    } finally {
      if (forced.isDone()) {
        // The forced close commits and reports the batch from the records' states; the loop must
        // not close the consumer under it (that report would be lost). Bounded: each of its
        // steps is.
        awaitForcedClose();
      }
      close(); // a no-op after the forced close, which closes unless it could not take over
      cycle.exit();
    }
  }

  private void awaitForcedClose() {
    try {
      forcedDone.get(forcedStep.toNanos() * 4, TimeUnit.NANOSECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // it stays busy: close below, if it did not
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private InFlight renew() {
    try {
      return coordinator.enter(UnitKind.INBOUND, "kafka consumer " + group);
    } catch (DrainedException e) {
      return null;
    }
  }

  private ConsumerRecords<K, V> poll() {
    lock.lock();
    try {
      polling = true;
      if (closed || coordinator.isDraining()) {
        return null; // the drain started after the loop's check: fetch nothing more
      }
      return consumer.poll(pollTimeout);
    } catch (WakeupException e) {
      return null; // the drain started: the loop's check ends it
    } finally {
      polling = false;
      lock.unlock();
    }
  }

  /**
   * Commits, per partition, the records that finished before the first that did not, and rewinds
   * each partition to its first unfinished record so that the next poll (or the group's next
   * member) gets it again. Ends the batch's units. Answers whether a record did not finish.
   */
  private boolean commit(Batch<K, V> b) {
    Batch.Plan plan = b.plan();
    lock.lock();
    try {
      if (closed || forced.isDone()) {
        return false; // the forced close commits and reports this batch
      }
      // Rewind first: a seek is local and cannot fail the way a commit can, and a commit that
      // failed must still leave the unfinished records to be fetched again, not skipped.
      for (Map.Entry<TopicPartition, OffsetAndMetadata> e : plan.rewind.entrySet()) {
        consumer.seek(e.getKey(), e.getValue());
      }
      if (!plan.offsets.isEmpty()) {
        commitSync(plan.offsets);
      }
    } catch (WakeupException e) {
      return false; // the forced close wants the consumer: it commits and reports this batch
    } catch (KafkaException e) {
      log.warn(
          "drain4j: committing {} for consumer group {} failed; these records may be processed"
              + " again by the group: {}",
          Batch.describe(plan.offsets),
          group,
          b.names(),
          e);
    } finally {
      lock.unlock();
    }
    batch = null;
    b.exitUnits();
    return !plan.rewind.isEmpty();
  }

  private void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
    try {
      consumer.commitSync(offsets, commitTimeout);
    } catch (WakeupException e) {
      if (forced.isDone()) {
        throw e;
      }
      // The drain's wakeup, meant for a poll, reached this commit instead: commit again.
      consumer.commitSync(offsets, commitTimeout);
    }
  }

  private void backOff() {
    try {
      draining.get(retryBackoff.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // the backoff is over
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Closes the consumer, leaving its group, unless the forced close did. */
  private void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      long start = System.nanoTime();
      consumer.close(
          CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
              .withTimeout(closeTimeout));
      log.info(
          "drain4j: Kafka consumer of group {} closed and left the group in {} ms",
          group,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    } catch (RuntimeException e) {
      log.warn("drain4j: closing the Kafka consumer of group {} failed", group, e);
    } finally {
      lock.unlock();
    }
  }

  /** Whether the forced close took over; the processors stop handing out records then. */
  boolean isForced() {
    return forced.isDone();
  }

  /** Waits for the stages of an asynchronous batch, or until the forced close took over. */
  void await(CompletableFuture<Void> all) {
    try {
      CompletableFuture.anyOf(all, forced).get();
    } catch (ExecutionException e) {
      // a failed record was recorded by its stage
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // what did not finish is not committed
    }
  }

  /**
   * Waits until the sends of the batch's handled records are acknowledged (their commit must not
   * come first: a send that fails after it would lose the record's result), or until the forced
   * close took over, or for at most {@code sendTimeout}; then fails the records whose sends failed
   * or were not acknowledged, which the commit then leaves to be processed again.
   */
  private void awaitSends(Batch<K, V> b) {
    List<CompletableFuture<Void>> pending = null;
    for (PendingRecord<K, V> r : b.records) {
      CompletableFuture<Void> sends = r.sends();
      if (sends != null) {
        if (pending == null) {
          pending = new ArrayList<>();
        }
        pending.add(sends);
      }
    }
    if (pending != null) {
      try {
        CompletableFuture.anyOf(
                CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0])), forced)
            .get(sendTimeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (TimeoutException | ExecutionException e) {
        // what is not acknowledged by now fails below
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // what is not acknowledged is not committed
      }
    }
    if (forced.isDone()) {
      return; // the forced close committed and reported the batch from the records' states
    }
    for (PendingRecord<K, V> r : b.records) {
      if (r.abandon()) {
        b.markFailed(r.partition);
        failed(
            r,
            new TimeoutException(
                "its sends through a tracked producer were not acknowledged within "
                    + sendTimeout));
      } else {
        sendFailed(b, r);
      }
    }
  }

  /** Fails the record's partition and logs it if a send of the record failed. */
  void sendFailed(Batch<K, V> b, PendingRecord<K, V> r) {
    Throwable t = r.takeSendFailure();
    if (t != null) {
      b.markFailed(r.partition);
      failed(r, t);
    }
  }

  void failed(PendingRecord<K, V> record, Throwable t) {
    log.error(
        "drain4j: processing {} failed; it is not committed and will be processed again"
            + " (retried here, or by the group after the drain)",
        record.name,
        t);
  }

  // ------------------------------------------------------------------ drain4j's threads

  @Override
  public void onDraining() {
    draining.complete(null);
    if (polling) {
      consumer.wakeup(); // the only thread-safe call: ends a poll without waiting for its timeout
    }
  }

  @Override
  public void onDrained(DrainStatus status) {
    if (status.forced()) {
      forceClose();
    }
  }

  /**
   * The deadline passed (or the coordinator was closed) while the loop still works: commits what
   * finished, leaves the group, and reports what the group will process again. Each step is bounded
   * by {@link #FORCED_STEP}.
   */
  void forceClose() {
    try {
      takeOverAndClose();
    } finally {
      forcedDone.complete(null);
    }
  }

  private void takeOverAndClose() {
    forced.complete(null);
    draining.complete(null);
    boolean locked = lock.tryLock();
    try {
      if (!locked) {
        consumer.wakeup(); // a poll or commit in progress ends, and the loop lets go
        locked = lock.tryLock(forcedStep.toNanos(), TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Batch<K, V> b = batch;
    if (!locked) {
      log.warn(
          "drain4j: forced drain of Kafka consumer group {}: the consumer stayed busy and could not"
              + " commit or leave the group; its partitions move after session.timeout.ms and"
              + " these records will be redelivered to the group: {}",
          group,
          b == null ? "none in hand" : b.plan().redelivered);
      return;
    }
    try {
      if (closed) {
        return;
      }
      closed = true;
      forceCommitAndClose(b);
    } finally {
      lock.unlock();
      if (b != null) {
        b.exitUnits();
      }
    }
  }

  private void forceCommitAndClose(Batch<K, V> b) {
    Batch.Plan plan = b == null ? Batch.Plan.NONE : b.plan();
    String committed;
    if (plan.offsets.isEmpty()) {
      committed = "nothing more (no record finished since the last commit)";
    } else {
      try {
        commitForced(plan.offsets);
        committed = Batch.describe(plan.offsets);
      } catch (RuntimeException e) {
        committed = "nothing: committing " + Batch.describe(plan.offsets) + " failed (" + e + ")";
      }
    }
    log.warn(
        "drain4j: forced drain of Kafka consumer group {}: committed {}; will be redelivered to"
            + " the group (at-least-once): {}",
        group,
        committed,
        plan.redelivered.isEmpty() ? "nothing" : plan.redelivered);
    try {
      // With auto-commit on, close() commits the position: make it the first unfinished record.
      for (Map.Entry<TopicPartition, OffsetAndMetadata> e : plan.rewind.entrySet()) {
        consumer.seek(e.getKey(), e.getValue());
      }
      consumer.close(
          CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
              .withTimeout(forcedStep));
    } catch (RuntimeException e) {
      log.warn("drain4j: closing the Kafka consumer of group {} failed", group, e);
    }
  }

  private void commitForced(Map<TopicPartition, OffsetAndMetadata> offsets) {
    try {
      consumer.commitSync(offsets, forcedStep);
    } catch (WakeupException e) {
      consumer.commitSync(offsets, forcedStep); // our own wakeup, not consumed by the loop
    }
  }

  // ------------------------------------------------------------------ processors

  static <K, V> Processor<K, V> synchronous(KafkaDrain.RecordHandler<K, V> handler) {
    return (b, loop) -> {
      for (PendingRecord<K, V> r : b.records) {
        if (loop.isForced()) {
          return; // the forced close took the batch: the rest is redelivered
        }
        if (b.hasFailed(r.partition)) {
          continue; // after a failure its partition is rewound: the rest comes again in order
        }
        r.start();
        PendingRecord<?, ?> outer = PendingRecord.enter(r); // its sends belong to it
        try {
          handler.handle(r.record);
          r.handled();
          loop.sendFailed(b, r); // failed already (refused at once): the rest comes again
        } catch (Throwable t) {
          r.fail();
          b.markFailed(r.partition);
          loop.failed(r, t);
          if (t instanceof InterruptedException) {
            Thread.currentThread().interrupt();
          }
        } finally {
          PendingRecord.leave(outer);
        }
      }
    };
  }

  static <K, V> Processor<K, V> asynchronous(KafkaDrain.AsyncRecordHandler<K, V> handler) {
    return (b, loop) -> {
      List<CompletableFuture<Void>> stages = new ArrayList<>();
      for (PendingRecord<K, V> r : b.records) {
        if (b.hasFailed(r.partition)) {
          continue;
        }
        r.start();
        CompletionStage<?> stage;
        PendingRecord<?, ?> outer = PendingRecord.enter(r); // sends made in the call belong to it
        try {
          stage = handler.handle(r.record);
        } catch (Throwable t) {
          r.fail();
          b.markFailed(r.partition);
          loop.failed(r, t);
          continue;
        } finally {
          PendingRecord.leave(outer);
        }
        if (stage == null) {
          r.handled();
          continue;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        stages.add(done);
        stage.whenComplete(
            (v, t) -> {
              if (t == null) {
                r.handled();
              } else {
                r.fail();
                b.markFailed(r.partition);
                loop.failed(r, t);
              }
              done.complete(null);
            });
      }
      loop.await(CompletableFuture.allOf(stages.toArray(new CompletableFuture<?>[0])));
    };
  }
}

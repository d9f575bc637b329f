package io.drain4j.kafka;

import io.drain4j.InFlight;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A record the loop received, tracked as an inbound unit until it is committed. While its handler
 * runs it is the record "in process" of that thread: the sends made there through a {@link
 * TrackedProducer} belong to it, and it is done only once they are all acknowledged.
 */
final class PendingRecord<K, V> {
  private static final int WAITING = 0;
  private static final int RUNNING = 1;
  private static final int SENDING = 2;
  private static final int DONE = 3;
  private static final int FAILED = 4;
  private static final int SEND_FAILED = 5;

  private static final VarHandle STATE;
  private static final VarHandle OPEN;
  private static final VarHandle SETTLED;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      STATE = l.findVarHandle(PendingRecord.class, "state", int.class);
      OPEN = l.findVarHandle(PendingRecord.class, "open", int.class);
      SETTLED = l.findVarHandle(PendingRecord.class, "settled", CompletableFuture.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * The record whose handler (or a task bound to it) runs on this thread. Set and reset per record
   * with {@code set}, never {@code remove}, so that a loop thread allocates no map entry per
   * record.
   */
  private static final ThreadLocal<PendingRecord<?, ?>> IN_PROCESS = new ThreadLocal<>();

  final ConsumerRecord<K, V> record;
  final TopicPartition partition;
  final String name;
  InFlight unit;

  /** Written by the threads that process the record and ack its sends, read by the forced close. */
  @SuppressWarnings("UnusedVariable") // through STATE
  private volatile int state = WAITING;

  /**
   * While the record is in process: 1 for its handler (or stage), plus 1 per send or bound task not
   * yet completed. The thread that brings it to 0 settles the record; nothing is added after that.
   */
  @SuppressWarnings("UnusedVariable") // through OPEN
  private volatile int open;

  /** The first failure of a send of this record, if any. */
  private volatile Throwable sendFailure;

  /** Created by the first send only, so that a record that sends nothing costs no allocation. */
  @SuppressWarnings("UnusedVariable") // through SETTLED
  private volatile CompletableFuture<Void> settled;

  /** Whether the loop logged this record's send failure; the loop's thread only. */
  private boolean sendFailureReported;

  private volatile long startNanos;

  PendingRecord(ConsumerRecord<K, V> record) {
    this.record = record;
    this.partition = new TopicPartition(record.topic(), record.partition());
    this.name = "kafka " + partition + "@" + record.offset();
  }

  // ------------------------------------------------------------------ the record in process

  /** The record in process on this thread, or {@code null}. */
  static PendingRecord<?, ?> inProcess() {
    return IN_PROCESS.get();
  }

  /** Makes {@code r} the record in process on this thread; answers the one it replaces. */
  static PendingRecord<?, ?> enter(PendingRecord<?, ?> r) {
    PendingRecord<?, ?> outer = IN_PROCESS.get();
    IN_PROCESS.set(r);
    return outer;
  }

  /** Restores the record in process that {@link #enter} replaced. */
  static void leave(PendingRecord<?, ?> outer) {
    IN_PROCESS.set(outer);
  }

  // ------------------------------------------------------------------ the record's life

  void start() {
    startNanos = System.nanoTime();
    OPEN.setVolatile(this, 1);
    STATE.setVolatile(this, RUNNING);
  }

  /** The handler (or its stage) completed normally: the record is done once its sends are. */
  void handled() {
    STATE.setVolatile(this, SENDING);
    release();
  }

  /** The handler (or its stage) failed. */
  void fail() {
    STATE.setVolatile(this, FAILED);
    release();
  }

  /**
   * A send (or a bound task) of this record begins; answers {@code false}, adding nothing, when the
   * record is settled already (its commit may be made), so that the send is not its own.
   */
  boolean hold() {
    if (SETTLED.getVolatile(this) == null) {
      SETTLED.compareAndSet(this, null, new CompletableFuture<Void>());
    }
    int o;
    do {
      o = (int) OPEN.getVolatile(this);
      if (o == 0) {
        return false;
      }
    } while (!OPEN.compareAndSet(this, o, o + 1));
    return true;
  }

  /** A send (or bound task) that {@link #hold} admitted completed; {@code failure} if it failed. */
  void completed(Throwable failure) {
    if (failure != null && sendFailure == null) {
      sendFailure = failure;
    }
    release();
  }

  private void release() {
    if ((int) OPEN.getAndAdd(this, -1) != 1) {
      return;
    }
    STATE.compareAndSet(this, SENDING, sendFailure == null ? DONE : SEND_FAILED);
    @SuppressWarnings("unchecked")
    CompletableFuture<Void> s = (CompletableFuture<Void>) SETTLED.getVolatile(this);
    if (s != null) {
      s.complete(null);
    }
  }

  /**
   * Completed when the sends of this handled record are; {@code null} when it does not wait for any
   * (settled already, failed, or not handled yet).
   */
  @SuppressWarnings("unchecked")
  CompletableFuture<Void> sends() {
    return (int) STATE.getVolatile(this) == SENDING
        ? (CompletableFuture<Void>) SETTLED.getVolatile(this)
        : null;
  }

  /**
   * The failure of a send of this record, once: the loop's thread reports it and fails the record's
   * partition. {@code null} when none failed or it was reported already.
   */
  Throwable takeSendFailure() {
    if (sendFailureReported || (int) STATE.getVolatile(this) != SEND_FAILED) {
      return null;
    }
    sendFailureReported = true;
    return sendFailure;
  }

  /**
   * Its sends were not all acknowledged in time: the record fails (not committed, processed again).
   * Answers {@code false} when it settled meanwhile.
   */
  boolean abandon() {
    if (!STATE.compareAndSet(this, SENDING, SEND_FAILED)) {
      return false;
    }
    sendFailureReported = true;
    return true;
  }

  boolean isDone() {
    return (int) STATE.getVolatile(this) == DONE;
  }

  /** Why the record is not committed, for the reports. */
  String why() {
    return switch ((int) STATE.getVolatile(this)) {
      case RUNNING ->
          "processing for " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos) + " ms";
      case SENDING -> "handled, " + (int) OPEN.getVolatile(this) + " send(s) not acknowledged";
      case FAILED -> "failed";
      case SEND_FAILED -> "a send failed";
      case DONE -> "finished after an earlier record that did not";
      default -> "not started";
    };
  }
}

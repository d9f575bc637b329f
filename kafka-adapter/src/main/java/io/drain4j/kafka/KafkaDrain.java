package io.drain4j.kafka;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import io.drain4j.DrainedException;
import io.drain4j.UnitKind;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;

/**
 * drain4j for {@code kafka-clients} 4.x: a consumer loop that drains, and a producer that is
 * tracked.
 *
 * <pre>{@code
 * DrainCoordinator drain = DrainCoordinator.fromEnvironment();
 * Producer<String, String> producer = KafkaDrain.producer(drain, new KafkaProducer<>(producerProps));
 * KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps); // enable.auto.commit=false
 * consumer.subscribe(List.of("orders"));
 * KafkaDrain.consumer(drain, consumer).process(record -> handle(record, producer)); // returns when drained
 * }</pre>
 *
 * <h2>The consumer at termination</h2>
 *
 * <p>{@link Loop#process} runs the poll loop on the calling thread: it polls, hands each record to
 * the handler, and commits the offsets of the records that were processed, synchronously, after
 * each batch. Every record returned by {@code poll} is an {@link UnitKind#INBOUND} unit named
 * {@code kafka <topic>-<partition>@<offset>} until its processing is done <em>and</em> its offset
 * is committed. When the drain starts, at once (consumers sit behind no Service endpoint, so there
 * is no propagation delay for them): a poll in progress is woken up and returns nothing, no record
 * is fetched any more, the records of the batch in hand are processed to their end and committed,
 * and the consumer is closed with {@code CloseOptions.GroupMembershipOperation.LEAVE_GROUP}, so
 * that its partitions move to the other members of the group at once instead of after {@code
 * session.timeout.ms}. The loop holds one more inbound unit ({@code kafka consumer <group>}) until
 * the consumer is closed, so {@link DrainState#DRAINED} is reported only after it left the group,
 * and producers registered with the coordinator are closed only after that (invariant 3).
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li>Drain within the deadline: every record the loop received is processed once and committed;
 *       the group's next member starts at the first record it did not receive. Nothing is lost and
 *       nothing committed is processed twice.
 *   <li>Forced drain (the deadline passed while a handler still runs): the loop commits, per
 *       partition, the records that finished before the first one that did not, leaves the group,
 *       and logs one WARN naming what was committed and each record that will be redelivered to the
 *       group (still processing, failed, not started, or finished after one that did not). Those
 *       records are processed again by another member: at-least-once, never lost. The forced close
 *       runs when {@code DRAINED (forced)} is reported and has about 250 ms before the JVM exits;
 *       when it cannot take the consumer in that time the records are still redelivered, after
 *       {@code session.timeout.ms}.
 *   <li>A handler that throws (or whose stage completes exceptionally) does not lose its record:
 *       the failure is logged at ERROR, the record and the ones after it in its partition are not
 *       committed, the partition is rewound to it and it is processed again after the retry backoff
 *       (or, during a drain, redelivered to the group).
 *   <li>Results are not lost: a send made through a producer from {@link #producer} while a record
 *       is processed belongs to that record, whether or not the handler waits for it. The commit
 *       that covers the record waits for the send's acknowledgement (at most {@link
 *       Loop#sendTimeout}); a send that fails (or is not acknowledged by then) fails its record as
 *       a handler that throws does; at a forced drain a record whose sends are not acknowledged is
 *       not committed and is named in the WARN ({@code handled, 1 send(s) not acknowledged}).
 * </ul>
 *
 * <p>Which sends belong to a record: those made on the thread that runs its handler, during the
 * handler's call (for {@link Loop#process} and {@link Loop#processAsync} alike), and those made in
 * the callbacks of its sends. Processing handed to an executor must be awaited: with {@link
 * Loop#processAsync} the handler returns the stage of the record's work (for example {@code
 * CompletableFuture.runAsync(work, pool)} on an executor wrapped by {@link
 * DrainCoordinator#trackExecutorService}), and the commit that covers a record is made only after
 * its stage completed. Work on another thread is tied to its record by {@link #withCurrentRecord},
 * called in the handler: the commit then waits for the task and its sends too. A send made on
 * another thread without it is tracked by the drain (the producer closes after it) but does not
 * hold its record's commit.
 */
public final class KafkaDrain {

  /** How long one poll waits for records by default: {@code 500ms}. */
  public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofMillis(500);

  /** How long a synchronous commit may take by default: {@code 5s}. */
  public static final Duration DEFAULT_COMMIT_TIMEOUT = Duration.ofSeconds(5);

  /** How long closing the consumer (and leaving the group) may take by default: {@code 5s}. */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

  /** How long the loop waits before processing a failed record again, by default: {@code 1s}. */
  public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofSeconds(1);

  /**
   * How long the commit covering a record waits, by default, for the acknowledgement of the sends
   * the record made through a tracked producer: {@code 2m}, Kafka's default {@code
   * delivery.timeout.ms}, by which a {@code KafkaProducer} reports every send's outcome.
   */
  public static final Duration DEFAULT_SEND_TIMEOUT = Duration.ofMinutes(2);

  /** How long closing a tracked producer may take by default: {@code 2s}. */
  public static final Duration DEFAULT_PRODUCER_CLOSE_TIMEOUT = Duration.ofSeconds(2);

  /** The name of a tracked producer in logs when none is given: {@value}. */
  public static final String DEFAULT_PRODUCER_NAME = "kafka-producer";

  private static final Duration MAX_DURATION = Duration.ofHours(24);

  private KafkaDrain() {}

  /**
   * A drain-aware poll loop for a consumer that the application created and subscribed (or
   * assigned). Configure it, then call {@link Loop#process} or {@link Loop#processAsync} on the
   * thread that should run the loop. The loop owns the consumer: it commits and closes it. Use
   * {@code enable.auto.commit=false} (the loop commits; auto-commit stays harmless but adds
   * commits).
   *
   * @param coordinator the coordinator whose drain stops the loop; must not be {@code null}
   * @param consumer the consumer, subscribed or assigned, used by the loop only; must not be {@code
   *     null}
   * @param <K> the key type
   * @param <V> the value type
   * @return a new loop with the defaults, never {@code null}
   */
  public static <K, V> Loop<K, V> consumer(DrainCoordinator coordinator, Consumer<K, V> consumer) {
    return new Loop<>(
        Objects.requireNonNull(coordinator, "coordinator"),
        Objects.requireNonNull(consumer, "consumer"));
  }

  /**
   * Wraps a producer so that each send is an {@link UnitKind#OUTBOUND} unit until its
   * acknowledgement (or failure) has been handed to the callback, and registers it with the
   * coordinator under the name {@value #DEFAULT_PRODUCER_NAME}. See {@link
   * #producer(DrainCoordinator, String, Producer)}.
   *
   * @param coordinator the coordinator that tracks the sends; must not be {@code null}
   * @param producer the producer that sends; must not be {@code null}
   * @param <K> the key type
   * @param <V> the value type
   * @return the tracking producer, open until the drain closes it
   * @throws DrainedException when the coordinator is already drained
   */
  public static <K, V> Producer<K, V> producer(
      DrainCoordinator coordinator, Producer<K, V> producer) {
    return producer(coordinator, DEFAULT_PRODUCER_NAME, producer);
  }

  /**
   * Wraps a producer so that each send is an {@link UnitKind#OUTBOUND} unit until its
   * acknowledgement (or failure) has been handed to the callback, and registers it with the
   * coordinator as an outbound client: it stays usable while the consumers finish their records,
   * and the drain flushes and closes it (waiting at most {@link #DEFAULT_PRODUCER_CLOSE_TIMEOUT}
   * for sends still pending) only after the work in flight, consumers included, reached zero (or at
   * the deadline). After that a send fails at once with a {@link DrainedException}. Closing the
   * wrapper closes the producer and withdraws the registration. Make every send through the
   * wrapper: sends on the delegate are not tracked.
   *
   * @param coordinator the coordinator that tracks the sends; must not be {@code null}
   * @param name a name for logs and the deadline report, such as {@code results}; must not be
   *     {@code null} or blank
   * @param producer the producer that sends; must not be {@code null}
   * @param <K> the key type
   * @param <V> the value type
   * @return the tracking producer, open until the drain closes it
   * @throws IllegalArgumentException when the name is blank
   * @throws DrainedException when the coordinator is already drained
   */
  public static <K, V> Producer<K, V> producer(
      DrainCoordinator coordinator, String name, Producer<K, V> producer) {
    Objects.requireNonNull(coordinator, "coordinator");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(producer, "producer");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank");
    }
    return TrackedProducer.register(coordinator, name, producer, DEFAULT_PRODUCER_CLOSE_TIMEOUT);
  }

  /**
   * Binds {@code task} to the record being processed on the calling thread, for work that a {@link
   * Loop#processAsync} (or {@link Loop#process}) handler hands to another thread: the record is
   * committed only after the task ran and the sends it made through a tracked producer were
   * acknowledged, and it fails (is not committed, is processed again) when the task throws or one
   * of those sends fails. Call it in the handler:
   *
   * <pre>{@code
   * loop.processAsync(record -> CompletableFuture.runAsync(
   *     KafkaDrain.withCurrentRecord(() -> handle(record, producer)), pool));
   * }</pre>
   *
   * <p>A task that is never run (dropped by its executor) holds its record's commit for {@link
   * Loop#sendTimeout}, then the record is processed again. Called where no record is in process
   * (outside a handler, or after the record was committed), it answers {@code task} itself.
   *
   * @param task the work of the record in process; must not be {@code null}
   * @return a task that runs {@code task} as part of that record; {@code task} when there is none
   */
  public static Runnable withCurrentRecord(Runnable task) {
    Objects.requireNonNull(task, "task");
    PendingRecord<?, ?> r = PendingRecord.inProcess();
    return r == null || !r.hold() ? task : new BoundTask(r, task);
  }

  /** A task of a record in process, run on another thread (see {@link #withCurrentRecord}). */
  private static final class BoundTask implements Runnable {
    private final PendingRecord<?, ?> record;
    private final Runnable task;
    private final AtomicBoolean ran = new AtomicBoolean();

    BoundTask(PendingRecord<?, ?> record, Runnable task) {
      this.record = record;
      this.task = task;
    }

    @Override
    public void run() {
      if (!ran.compareAndSet(false, true)) {
        task.run(); // the record counted the first run only
        return;
      }
      PendingRecord<?, ?> outer = PendingRecord.enter(record);
      Throwable failure = null;
      try {
        task.run();
      } catch (RuntimeException | Error e) {
        failure = e;
        throw e;
      } finally {
        PendingRecord.leave(outer);
        record.completed(failure);
      }
    }
  }

  static Duration checked(String key, Duration value) {
    Objects.requireNonNull(value, key);
    if (value.isNegative() || value.isZero() || value.compareTo(MAX_DURATION) > 0) {
      throw new IllegalArgumentException(
          key + " must be more than 0 and at most 24h, got " + value + " (a java.time.Duration)");
    }
    return value;
  }

  /**
   * Processes one record on the loop's thread.
   *
   * @param <K> the key type
   * @param <V> the value type
   */
  @FunctionalInterface
  public interface RecordHandler<K, V> {
    /**
     * Processes the record; returning means it is done and may be committed.
     *
     * @param record the record, never {@code null}
     * @throws Exception when processing failed: the record is not committed and is processed again
     */
    void handle(ConsumerRecord<K, V> record) throws Exception;
  }

  /**
   * Starts the processing of one record, for example on an executor, and returns its stage.
   *
   * @param <K> the key type
   * @param <V> the value type
   */
  @FunctionalInterface
  public interface AsyncRecordHandler<K, V> {
    /**
     * Starts processing the record.
     *
     * @param record the record, never {@code null}
     * @return a stage completed when the processing is done (exceptionally when it failed); {@code
     *     null} means done already
     * @throws Exception when processing failed at once: the record is not committed and is
     *     processed again
     */
    CompletionStage<?> handle(ConsumerRecord<K, V> record) throws Exception;
  }

  /**
   * A drain-aware poll loop, from {@link KafkaDrain#consumer}. Runs once.
   *
   * @param <K> the key type
   * @param <V> the value type
   */
  public static final class Loop<K, V> {
    private final DrainCoordinator coordinator;
    private final Consumer<K, V> consumer;
    private final AtomicBoolean started = new AtomicBoolean();
    private Duration pollTimeout = DEFAULT_POLL_TIMEOUT;
    private Duration commitTimeout = DEFAULT_COMMIT_TIMEOUT;
    private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    private Duration retryBackoff = DEFAULT_RETRY_BACKOFF;
    private Duration sendTimeout = DEFAULT_SEND_TIMEOUT;
    private Duration forcedStep = ConsumerDrain.FORCED_STEP;

    Loop(DrainCoordinator coordinator, Consumer<K, V> consumer) {
      this.coordinator = coordinator;
      this.consumer = consumer;
    }

    /**
     * How long one poll waits for records (default {@link #DEFAULT_POLL_TIMEOUT}). The drain wakes
     * a poll up at once, whatever this is.
     *
     * @param timeout more than 0, at most 24 h; must not be {@code null}
     * @return this loop
     * @throws IllegalArgumentException naming the value when it is out of range
     */
    public Loop<K, V> pollTimeout(Duration timeout) {
      this.pollTimeout = checked("pollTimeout", timeout);
      return this;
    }

    /**
     * How long one synchronous commit may take (default {@link #DEFAULT_COMMIT_TIMEOUT}). A commit
     * that fails or times out is logged at WARN with the records that will be redelivered.
     *
     * @param timeout more than 0, at most 24 h; must not be {@code null}
     * @return this loop
     * @throws IllegalArgumentException naming the value when it is out of range
     */
    public Loop<K, V> commitTimeout(Duration timeout) {
      this.commitTimeout = checked("commitTimeout", timeout);
      return this;
    }

    /**
     * How long closing the consumer, leaving the group included, may take at the end of a drain
     * (default {@link #DEFAULT_CLOSE_TIMEOUT}).
     *
     * @param timeout more than 0, at most 24 h; must not be {@code null}
     * @return this loop
     * @throws IllegalArgumentException naming the value when it is out of range
     */
    public Loop<K, V> closeTimeout(Duration timeout) {
      this.closeTimeout = checked("closeTimeout", timeout);
      return this;
    }

    /**
     * How long the loop waits before it processes a failed record again (default {@link
     * #DEFAULT_RETRY_BACKOFF}); the drain ends the wait at once.
     *
     * @param backoff more than 0, at most 24 h; must not be {@code null}
     * @return this loop
     * @throws IllegalArgumentException naming the value when it is out of range
     */
    public Loop<K, V> retryBackoff(Duration backoff) {
      this.retryBackoff = checked("retryBackoff", backoff);
      return this;
    }

    /**
     * How long the commit covering a record waits for the acknowledgement of the sends the record
     * made through a tracked producer (default {@link #DEFAULT_SEND_TIMEOUT}). A {@code
     * KafkaProducer} reports each send's outcome, success or failure, within its {@code
     * delivery.timeout.ms}: with this at least that long, the producer's answer decides, and this
     * bound only ends the wait for a producer that never answers. A record whose sends are not
     * acknowledged by then fails (it is not committed and is processed again, so its results may be
     * sent twice). A shorter bound turns a slow but successful send into a retry and a duplicate; a
     * drain that reaches its deadline ends the wait at once, whatever this is.
     *
     * @param timeout more than 0, at most 24 h; must not be {@code null}
     * @return this loop
     * @throws IllegalArgumentException naming the value when it is out of range
     */
    public Loop<K, V> sendTimeout(Duration timeout) {
      this.sendTimeout = checked("sendTimeout", timeout);
      return this;
    }

    /**
     * How long each step of the forced close may take (default {@link ConsumerDrain#FORCED_STEP},
     * 80 ms, so that the steps fit in the JVM hook's wait after a forced DRAINED). Not public: only
     * tests lengthen it, because a broker on a loaded test machine may not answer a commit within
     * 80 ms, which is not what those tests are about.
     *
     * @param step more than 0, at most 24 h; must not be {@code null}
     * @return this loop
     */
    Loop<K, V> forcedStep(Duration step) {
      this.forcedStep = checked("forcedStep", step);
      return this;
    }

    /**
     * Runs the loop on the calling thread, processing each record with {@code handler} on this
     * thread, until the drain has closed the consumer. See {@link KafkaDrain} for what happens at
     * termination and when the handler throws.
     *
     * @param handler processes one record; must not be {@code null}
     * @throws IllegalStateException when the loop already ran
     * @throws DrainedException when the coordinator was already drained (the consumer is closed)
     * @throws org.apache.kafka.common.KafkaException what the consumer threw from {@code poll} (the
     *     consumer is closed first)
     */
    public void process(RecordHandler<K, V> handler) {
      Objects.requireNonNull(handler, "handler");
      start().run(ConsumerDrain.synchronous(handler));
    }

    /**
     * Runs the loop on the calling thread, starting the processing of every record of a batch with
     * {@code handler} and waiting for all their stages before the batch is committed and the next
     * poll is made, until the drain has closed the consumer. See {@link KafkaDrain}.
     *
     * @param handler starts processing one record and returns its stage; must not be {@code null}
     * @throws IllegalStateException when the loop already ran
     * @throws DrainedException when the coordinator was already drained (the consumer is closed)
     * @throws org.apache.kafka.common.KafkaException what the consumer threw from {@code poll} (the
     *     consumer is closed first)
     */
    public void processAsync(AsyncRecordHandler<K, V> handler) {
      Objects.requireNonNull(handler, "handler");
      start().run(ConsumerDrain.asynchronous(handler));
    }

    private ConsumerDrain<K, V> start() {
      if (!started.compareAndSet(false, true)) {
        throw new IllegalStateException("this Kafka drain loop already ran; create another");
      }
      return new ConsumerDrain<>(
          coordinator,
          consumer,
          pollTimeout,
          commitTimeout,
          closeTimeout,
          retryBackoff,
          sendTimeout,
          forcedStep);
    }
  }
}

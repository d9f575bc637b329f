package io.drain4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainedException;
import io.drain4j.UnitKind;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Arguments and states of the entry points, without a broker. */
class KafkaDrainApiTest {
  private final DrainCoordinator drain =
      DrainCoordinator.builder().statusEnabled(false).shutdownHook(false).build();

  @AfterEach
  void close() {
    drain.close();
  }

  @Test
  void aDurationOutOfRangeIsRefusedNamingTheSettingAndTheValue() {
    KafkaDrain.Loop<String, String> loop =
        KafkaDrain.consumer(drain, new MockConsumer<>("earliest"));
    assertThatThrownBy(() -> loop.pollTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pollTimeout")
        .hasMessageContaining("PT0S");
    assertThatThrownBy(() -> loop.commitTimeout(Duration.ofSeconds(-1)))
        .hasMessageContaining("commitTimeout");
    assertThatThrownBy(() -> loop.closeTimeout(Duration.ofHours(25)))
        .hasMessageContaining("closeTimeout")
        .hasMessageContaining("at most 24h");
    assertThatThrownBy(() -> loop.retryBackoff(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> loop.sendTimeout(Duration.ZERO)).hasMessageContaining("sendTimeout");
    assertThat(loop.retryBackoff(Duration.ofMillis(1))).isSameAs(loop);
  }

  @Test
  void aLoopOnADrainedCoordinatorClosesTheConsumerAndRefusesAndRunsOnlyOnce() {
    MockConsumer<String, String> consumer = new MockConsumer<>("earliest");
    KafkaDrain.Loop<String, String> loop = KafkaDrain.consumer(drain, consumer);
    drain.close(); // SERVING -> DRAINED

    assertThatThrownBy(() -> loop.process(r -> {})).isInstanceOf(DrainedException.class);
    assertThat(consumer.closed()).isTrue();
    assertThatThrownBy(() -> loop.processAsync(r -> null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already ran");
  }

  @Test
  void aSendIsAnOutboundUnitUntilItsCallbackRanAndAFailedSendHoldsNothing() {
    MockProducer<String, String> producer =
        new MockProducer<>(false, null, new StringSerializer(), new StringSerializer());
    Producer<String, String> tracked = KafkaDrain.producer(drain, "results", producer);
    AtomicInteger callbacks = new AtomicInteger();

    var unused =
        tracked.send(new ProducerRecord<>("out", "k", "v"), (m, e) -> callbacks.getAndIncrement());
    var unused2 = tracked.send(new ProducerRecord<>("out", "k2", "v"));
    assertThat(drain.inflight(UnitKind.OUTBOUND)).isEqualTo(2);
    assertThat(producer.completeNext()).isTrue();
    assertThat(callbacks).hasValue(1);
    assertThat(producer.errorNext(new KafkaException("broker gone"))).isTrue();
    assertThat(drain.inflight(UnitKind.OUTBOUND)).isZero();

    producer.sendException = new KafkaException("refused at once");
    assertThatThrownBy(() -> tracked.send(new ProducerRecord<>("out", "k3", "v")))
        .hasMessageContaining("refused at once");
    assertThat(drain.inflight(UnitKind.OUTBOUND)).isZero();
  }

  @Test
  void aProducerClosedByTheApplicationIsNoLongerClosedByTheDrainAndTheDrainClosesTheOthers() {
    MockProducer<String, String> closedEarly =
        new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
    MockProducer<String, String> leftOpen =
        new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
    KafkaDrain.producer(drain, "early", closedEarly).close(Duration.ofSeconds(1));
    Producer<String, String> open = KafkaDrain.producer(drain, "open", leftOpen);
    assertThat(closedEarly.closed()).isTrue();

    drain.close();

    assertThat(leftOpen.closed()).isTrue();
    assertThatThrownBy(() -> open.send(new ProducerRecord<>("out", "k", "v")))
        .isInstanceOf(DrainedException.class)
        .hasMessageContaining("open");
  }

  @Test
  void aTaskBoundOutsideAnyRecordIsTheTaskItself() {
    Runnable task = () -> {};
    assertThat(KafkaDrain.withCurrentRecord(task)).isSameAs(task);
    assertThatThrownBy(() -> KafkaDrain.withCurrentRecord(null))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void aProducerNeedsANameAndIsRefusedByADrainedCoordinator() {
    MockProducer<String, String> producer =
        new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
    assertThatThrownBy(() -> KafkaDrain.producer(drain, " ", producer))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name");
    drain.close();
    assertThatThrownBy(() -> KafkaDrain.producer(drain, producer))
        .isInstanceOf(DrainedException.class);
  }
}

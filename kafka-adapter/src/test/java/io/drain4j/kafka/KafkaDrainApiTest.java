package io.drain4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainedException;
import java.time.Duration;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
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

package io.drain4j.spring.kafka;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.config.ContainerCustomizer;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;

/**
 * A Spring Boot application with one {@code @KafkaListener}: it processes each record of {@code
 * app.in} (holding {@code app.hold-key} at a gate), then sends {@code <key>:done} to {@code
 * app.out} through Boot's {@code KafkaTemplate} without waiting for the acknowledgement.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class KafkaListenerApplication {

  /** What the listener did, and the gate it holds a record at. */
  public static final class Work {
    final List<String> processed = new CopyOnWriteArrayList<>();
    final CountDownLatch held = new CountDownLatch(1);
    final CountDownLatch gate = new CountDownLatch(1);
  }

  @Bean
  Work work() {
    return new Work();
  }

  @Bean
  Listener listener(
      Work work, KafkaTemplate<String, String> template, @Value("${app.out}") String out) {
    return new Listener(work, template, out);
  }

  /** The containers' shutdown timeout, from {@code app.shutdown-timeout-ms}. */
  @Bean
  ContainerCustomizer<Object, Object, ConcurrentMessageListenerContainer<Object, Object>>
      shutdownTimeout(@Value("${app.shutdown-timeout-ms:10000}") long ms) {
    return c -> c.getContainerProperties().setShutdownTimeout(ms);
  }

  /** The listener. */
  public static final class Listener {
    private final Work work;
    private final KafkaTemplate<String, String> template;
    private final String out;

    Listener(Work work, KafkaTemplate<String, String> template, String out) {
      this.work = work;
      this.template = template;
      this.out = out;
    }

    @KafkaListener(id = "orders", idIsGroup = false, topics = "${app.in}")
    void listen(ConsumerRecord<String, String> record) throws InterruptedException {
      if (record.key().equals(System.getProperty("app.hold-key", "k2"))) {
        work.held.countDown();
        if (!work.gate.await(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("gate not opened");
        }
      }
      work.processed.add(record.key());
      var unused = template.send(out, record.key(), record.key() + ":done");
    }
  }
}

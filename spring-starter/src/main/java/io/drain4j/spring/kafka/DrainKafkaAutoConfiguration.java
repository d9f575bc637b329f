package io.drain4j.spring.kafka;

import io.drain4j.DrainCoordinator;
import io.drain4j.kafka.KafkaDrain;
import io.drain4j.spring.boot.autoconfigure.DrainCoordinatorAutoConfiguration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.ListenerContainerRegistry;

/**
 * drain4j for Spring Kafka, when {@code spring-kafka} and {@code drain4j-kafka} are on the class
 * path and the application has a {@link DrainCoordinator}:
 *
 * <ul>
 *   <li>the listener containers of the {@link KafkaListenerEndpointRegistry} stop as soon as the
 *       drain starts (whatever started it: SIGTERM, {@code POST /drain}, the context closing), with
 *       no propagation delay; each running container is an inbound unit ({@code kafka listener
 *       container <id>}) until it has stopped, that is until it finished the records of its last
 *       poll, committed them according to its ack mode and closed its consumer (which leaves the
 *       group);
 *   <li>every listener invocation is an inbound unit ({@code kafka <topic>-<partition>@<offset>},
 *       or {@code kafka batch of N records} for batch listeners), through a record and a batch
 *       interceptor added to each listener container factory (after the application's own);
 *   <li>every send of a producer made by a {@code DefaultKafkaProducerFactory} ({@code
 *       KafkaTemplate}'s) is an outbound unit until acknowledged; Spring closes those producers in
 *       the last shutdown phase, after DRAINED, so listeners can send until they are done;
 *   <li>at start, a WARN names each container whose {@code shutdownTimeout} is longer than {@code
 *       drain4j.deadline}: the drain gives up on a listener at the deadline, before Spring Kafka
 *       would.
 * </ul>
 */
@AutoConfiguration(
    after = DrainCoordinatorAutoConfiguration.class,
    afterName = "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration")
@ConditionalOnClass({KafkaListenerEndpointRegistry.class, KafkaDrain.class})
@ConditionalOnBean(DrainCoordinator.class)
public final class DrainKafkaAutoConfiguration {

  /** Created by Spring. */
  public DrainKafkaAutoConfiguration() {}

  /**
   * Adds the tracking interceptors to listener container factories and the send tracking to
   * producer factories.
   *
   * @param coordinator the application's coordinator, looked up when a factory is processed
   * @return the post-processor
   */
  @Bean
  static BeanPostProcessor drainKafkaFactoriesPostProcessor(
      ObjectProvider<DrainCoordinator> coordinator) {
    return new KafkaFactoriesPostProcessor(coordinator);
  }

  /**
   * Stops the listener containers when the drain starts and checks their shutdown timeouts.
   *
   * @param coordinator the application's coordinator
   * @param registries the listener container registries (Spring Kafka's endpoint registry)
   * @return the lifecycle bean, started after the containers
   */
  @Bean
  KafkaListenerDrain drainKafkaListeners(
      DrainCoordinator coordinator, ObjectProvider<ListenerContainerRegistry> registries) {
    return new KafkaListenerDrain(coordinator, registries);
  }
}

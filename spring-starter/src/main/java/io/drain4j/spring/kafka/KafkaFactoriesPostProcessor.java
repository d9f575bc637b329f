package io.drain4j.spring.kafka;

import io.drain4j.DrainCoordinator;
import io.drain4j.kafka.KafkaDrain;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.kafka.config.AbstractKafkaListenerContainerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.listener.AbstractMessageListenerContainer;
import org.springframework.kafka.listener.BatchInterceptor;
import org.springframework.kafka.listener.CompositeBatchInterceptor;
import org.springframework.kafka.listener.CompositeRecordInterceptor;
import org.springframework.kafka.listener.RecordInterceptor;

/**
 * Adds {@link ListenerTracking} to each listener container factory, composed with the interceptors
 * the factory already has, and send tracking to each {@link DefaultKafkaProducerFactory}.
 */
final class KafkaFactoriesPostProcessor implements BeanPostProcessor {
  private final ObjectProvider<DrainCoordinator> coordinator;

  KafkaFactoriesPostProcessor(ObjectProvider<DrainCoordinator> coordinator) {
    this.coordinator = coordinator;
  }

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) {
    if (bean instanceof AbstractKafkaListenerContainerFactory<?, ?, ?> factory) {
      track(factory, coordinator.getObject());
    } else if (bean instanceof DefaultKafkaProducerFactory<?, ?> factory) {
      track(factory, coordinator.getObject(), beanName);
    }
    return bean;
  }

  private static <C extends AbstractMessageListenerContainer<K, V>, K, V> void track(
      AbstractKafkaListenerContainerFactory<C, K, V> factory, DrainCoordinator drain) {
    ListenerTracking<K, V> tracking = new ListenerTracking<>(drain);
    // The application's own interceptors run after ours, so their work is inside the unit.
    RecordInterceptor<K, V> record = factory.getRecordInterceptor();
    factory.setRecordInterceptor(
        record == null ? tracking : new CompositeRecordInterceptor<>(tracking, record));
    BatchInterceptor<K, V> batch = factory.getBatchInterceptor();
    factory.setBatchInterceptor(
        batch == null ? tracking : new CompositeBatchInterceptor<>(tracking, batch));
  }

  private static <K, V> void track(
      DefaultKafkaProducerFactory<K, V> factory, DrainCoordinator drain, String name) {
    factory.addPostProcessor(producer -> KafkaDrain.producer(drain, name, producer));
  }
}

/**
 * Spring Kafka with drain4j: listener containers stop as soon as the drain starts, their listener
 * invocations are tracked, and {@code KafkaTemplate} sends stay possible, and tracked, until the
 * containers are done. Applied by {@link io.drain4j.spring.kafka.DrainKafkaAutoConfiguration}.
 */
package io.drain4j.spring.kafka;

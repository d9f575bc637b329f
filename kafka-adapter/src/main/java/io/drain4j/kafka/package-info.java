/**
 * drain4j for Kafka ({@code kafka-clients} 4.x): a consumer loop that stops fetching as soon as the
 * drain starts, finishes and commits the records it holds and leaves its group before {@code
 * DRAINED}, and a tracked producer that stays open until the consumers are done. Start with {@link
 * io.drain4j.kafka.KafkaDrain}.
 */
package io.drain4j.kafka;

/** A real KRaft broker inside the test JVM and the client settings the Kafka tests share. */
package io.drain4j.kafka.testing;

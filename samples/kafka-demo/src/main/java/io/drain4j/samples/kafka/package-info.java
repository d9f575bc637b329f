/** The Kafka demo of the design contract: a drain-aware consumer that produces its results. */
package io.drain4j.samples.kafka;

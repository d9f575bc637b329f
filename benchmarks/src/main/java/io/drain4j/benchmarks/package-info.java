/** JMH benchmarks of the cost of tracking work in flight. */
package io.drain4j.benchmarks;

/**
 * drain4j's benchmarks: the JMH per-unit cost, and the drain-latency, memory and comparison
 * harnesses that {@code benchmarks/run.sh} runs (see docs/benchmarks.md).
 */
package io.drain4j.benchmarks;

/**
 * The harness the demos' tests share: {@link io.drain4j.samples.support.testing.DemoJvm} runs a
 * demo's jar in a child JVM and reads its output. Shipped in this module's test-jar.
 */
package io.drain4j.samples.support.testing;

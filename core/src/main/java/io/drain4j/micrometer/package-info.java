/** Micrometer metrics for a drain coordinator; the only package that needs Micrometer. */
package io.drain4j.micrometer;

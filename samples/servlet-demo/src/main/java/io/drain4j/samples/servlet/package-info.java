/** The runnable servlet demo: embedded Jetty 12 with the drain4j filter and connector control. */
package io.drain4j.samples.servlet;

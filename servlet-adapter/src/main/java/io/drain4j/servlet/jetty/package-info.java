/** Connector control for embedded Jetty 12: {@link io.drain4j.servlet.jetty.JettyDrain}. */
package io.drain4j.servlet.jetty;

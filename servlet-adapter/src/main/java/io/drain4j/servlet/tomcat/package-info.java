/** Connector control for embedded Tomcat 11: {@link io.drain4j.servlet.tomcat.TomcatDrain}. */
package io.drain4j.servlet.tomcat;

/**
 * Netty 4.2 integration: server handlers for HTTP/1.1 and HTTP/2, lifecycle glue, client tracking.
 */
package io.drain4j.netty;

/**
 * The Netty demo: a plain Netty HTTP/1.1 and h2c server with drain4j and the contract's endpoints.
 */
package io.drain4j.samples.netty;

/**
 * WebFlux integration: a {@code WebFilter} that tracks exchanges, and Reactor Netty listener
 * control.
 */
package io.drain4j.spring.webflux;

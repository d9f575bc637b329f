/**
 * Outbound tracking for Spring's HTTP clients: {@code RestClient}, {@code RestTemplate} and {@code
 * WebClient}.
 */
package io.drain4j.spring.client;

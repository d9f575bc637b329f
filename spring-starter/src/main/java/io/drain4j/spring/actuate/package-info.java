/**
 * Spring Boot Actuator integration: the {@code drain} endpoint and the {@code drain} health
 * indicator.
 */
package io.drain4j.spring.actuate;

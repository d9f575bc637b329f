/**
 * Spring Boot auto-configuration for drain4j: one auto-configuration per concern, and the {@code
 * drain4j.*} properties.
 */
package io.drain4j.spring.boot.autoconfigure;

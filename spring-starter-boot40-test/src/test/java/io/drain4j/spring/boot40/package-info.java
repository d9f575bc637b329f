/** Checks that the starter's test suite, run by this module, runs on Spring Boot 4.0. */
package io.drain4j.spring.boot40;

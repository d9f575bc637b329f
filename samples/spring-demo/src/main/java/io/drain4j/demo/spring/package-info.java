/** The Spring Boot demo application of drain4j. */
package io.drain4j.demo.spring;

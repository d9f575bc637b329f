package io.drain4j.spring.boot40;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootVersion;
import org.springframework.core.SpringVersion;

/** The starter's tests, which this module runs from their jar, really run on Spring Boot 4.0. */
class SpringBoot40Test {
  @Test
  void theTestClasspathHoldsSpringBoot40() {
    assertThat(SpringBootVersion.getVersion()).startsWith("4.0.");
    assertThat(SpringVersion.getVersion()).startsWith("7.0.");
  }
}

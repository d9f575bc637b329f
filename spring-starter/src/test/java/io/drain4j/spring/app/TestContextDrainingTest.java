package io.drain4j.spring.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.annotation.DirtiesContext;

/**
 * Adding the starter does not slow an application's test suite down: a {@code @SpringBootTest}
 * context drains without the propagation delay (nothing routes traffic to it, and Spring closes
 * each cached context at the JVM's end), unless the test itself sets one of the keys that shape
 * DRAINING.
 */
class TestContextDrainingTest {
  @Nested
  @SpringBootTest(classes = MvcApplication.class, webEnvironment = WebEnvironment.MOCK)
  @DirtiesContext
  class AContextWithoutDrainSettings {
    @Autowired DrainCoordinator coordinator;

    @Test
    void drainsWithoutThePropagationDelay() {
      assertThat(coordinator.propagationDelay()).isZero();
    }
  }

  @Nested
  @SpringBootTest(
      classes = MvcApplication.class,
      webEnvironment = WebEnvironment.MOCK,
      properties = "drain4j.quiet-period=100ms")
  @DirtiesContext
  class AContextWhoseTestShapesDraining {
    @Autowired DrainCoordinator coordinator;

    @Test
    void keepsTheConfiguredPropagationDelay() {
      assertThat(coordinator.propagationDelay()).isEqualTo(Duration.ofSeconds(5));
    }
  }
}

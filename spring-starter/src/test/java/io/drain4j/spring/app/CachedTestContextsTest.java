package io.drain4j.spring.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestClassOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.annotation.DirtiesContext;

/**
 * Adding the starter does not break an application's own test suite: two differently configured
 * {@code @SpringBootTest} contexts, cached by Spring's test framework in one JVM, both start with
 * no drain4j setting (the status port left at its default, 9401), and each serves its status
 * endpoint on a port of its own.
 */
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
class CachedTestContextsTest {
  /** The first context, still cached (open) when the second starts. */
  static volatile ConfigurableApplicationContext first;

  @Nested
  @Order(1)
  @SpringBootTest(
      classes = MvcApplication.class,
      webEnvironment = WebEnvironment.MOCK,
      properties = "drain4j.propagation-delay=0s")
  class AMockEnvironmentContext {
    @Autowired ConfigurableApplicationContext context;
    @Autowired DrainCoordinator coordinator;

    @Test
    void startsWithItsStatusEndpointOnAFreePort() {
      InetSocketAddress status = coordinator.statusAddress();
      assertThat(status).isNotNull();
      assertThat(status.getPort()).isNotEqualTo(9401);
      first = context;
    }
  }

  @Nested
  @Order(2)
  @SpringBootTest(
      classes = MvcApplication.class,
      webEnvironment = WebEnvironment.RANDOM_PORT,
      properties = {
        "drain4j.propagation-delay=0s",
        "spring.autoconfigure.exclude=org.springframework.boot.jetty.autoconfigure.servlet"
            + ".JettyServletWebServerAutoConfiguration"
      })
  @DirtiesContext
  class ARandomPortContextStartedWhileTheFirstIsCached {
    @Autowired ConfigurableApplicationContext context;
    @Autowired DrainCoordinator coordinator;

    @Test
    void startsNextToTheFirst() {
      assertThat(first).as("the first context ran before").isNotNull();
      try {
        assertThat(first.isActive()).as("the first context is still cached, open").isTrue();
        DrainCoordinator other = first.getBean(DrainCoordinator.class);
        assertThat(other.state()).isEqualTo(DrainState.SERVING);
        assertThat(coordinator.statusAddress().getPort())
            .isNotEqualTo(9401)
            .isNotEqualTo(other.statusAddress().getPort());
      } finally {
        // Closed here, not at JVM exit, where the drain's exit bound would halt the test JVM.
        first.close();
      }
    }
  }
}

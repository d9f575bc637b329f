package io.drain4j.servlet;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.servlet.ServletException;
import org.junit.jupiter.api.Test;

/** Misuse of {@link DrainFilter} outside a container gets a clear error. */
class DrainFilterTest {

  @Test
  void whenBuiltWithoutCoordinatorAndUsedBeforeInitThenDoFilterFailsWithAClearMessage() {
    assertThatThrownBy(() -> new DrainFilter().doFilter(null, null, null))
        .isInstanceOf(ServletException.class)
        .hasMessageContaining("before init");
  }

  @Test
  void whenBuiltWithANullCoordinatorThenItFailsAtOnce() {
    assertThatThrownBy(() -> new DrainFilter(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("coordinator");
  }
}

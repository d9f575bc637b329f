package io.drain4j.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

class RequestNamesTest {
  private final RequestNames names = new RequestNames();

  @Test
  void whenPathRepeatsWithAnotherQueryThenTheSameNameIsReturnedWithoutANewString() {
    String first = names.of("GET", "/orders?page=1");
    assertThat(first).isEqualTo("GET /orders");
    assertThat(names.of("GET", "/orders?page=2")).isSameAs(first);
    assertThat(names.of(AsciiString.of("GET"), AsciiString.of("/orders#top"))).isSameAs(first);
  }

  @Test
  void whenMethodOrPathDiffersThenANewNameIsBuilt() {
    String get = names.of("GET", "/orders");
    assertThat(names.of("PUT", "/orders")).isEqualTo("PUT /orders");
    assertThat(names.of("GET", "/orders/1")).isEqualTo("GET /orders/1");
    assertThat(names.of("GET", "/order")).isEqualTo("GET /order");
    assertThat(names.of("GET", "/orders")).isEqualTo(get);
  }

  @Test
  void whenPathIsLongOrMissingThenTheNameStaysShortAndDefined() {
    String longPath = "/" + "x".repeat(1000);
    assertThat(names.of("GET", longPath)).hasSize("GET ".length() + RequestNames.MAX_PATH);
    assertThat(names.of(null, null)).isEqualTo("? ");
  }
}

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
  void whenTheSameTargetRepeatsThenTheCachedNameIsReturnedAndAnyChangeIsSeen() {
    RequestNames names = new RequestNames();
    String first = names.of("GET", "/work?ms=0");
    assertThat(names.of("GET", new String("/work?ms=0"))).isSameAs(first);
    assertThat(names.of("POST", "/work?ms=0")).isEqualTo("POST /work");
    assertThat(names.of("POST", "/work?ms=0")).isEqualTo("POST /work");
    assertThat(names.of("POST", "/jobs?ms=0")).isEqualTo("POST /jobs");
    assertThat(names.of(AsciiString.of("POST"), AsciiString.of("/jobs?ms=0")))
        .isEqualTo("POST /jobs");
    assertThat(names.of("GET", "/work?ms=0")).isEqualTo("GET /work");
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

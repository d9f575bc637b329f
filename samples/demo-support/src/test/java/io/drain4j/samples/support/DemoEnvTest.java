package io.drain4j.samples.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DemoEnvTest {
  @Test
  void unsetOrBlankVariablesGiveTheDefaults() {
    DemoEnv env = DemoEnv.of(Map.of("PORT", " ", "UPSTREAM_URL", ""));

    assertThat(env.port()).isEqualTo(DemoEnv.DEFAULT_PORT);
    assertThat(env.drainEnabled()).isTrue();
    assertThat(env.baseUrl("UPSTREAM_URL", Set.of("http"))).isNull();
    assertThat(env.hostPort("UPSTREAM_TARGET")).isNull();
  }

  @Test
  void goodValuesAreReadTrimmedAndABaseUrlLosesItsTrailingSlashes() {
    DemoEnv env =
        DemoEnv.of(
            Map.of(
                "PORT", " 0 ",
                "DRAIN4J_ENABLED", "FALSE",
                "UPSTREAM_URL", "http://upstream:8080/api//",
                "UPSTREAM_TARGET", "upstream:9090"));

    assertThat(env.port()).isZero();
    assertThat(env.drainEnabled()).isFalse();
    assertThat(env.baseUrl("UPSTREAM_URL", Set.of("http")))
        .isEqualTo(URI.create("http://upstream:8080/api"));
    assertThat(env.hostPort("UPSTREAM_TARGET")).isEqualTo("upstream:9090");
  }

  @Test
  void eachBadValueIsRefusedNamingTheVariableTheValueAndWhatIsAccepted() {
    assertThatThrownBy(() -> DemoEnv.of(Map.of("PORT", "65536")).port())
        .hasMessage("PORT=65536 is not a port; accepted: 0 (any free port) to 65535");
    assertThatThrownBy(() -> DemoEnv.of(Map.of("DRAIN4J_ENABLED", "yes")).drainEnabled())
        .hasMessage("DRAIN4J_ENABLED=yes is not a boolean; accepted: true or false");
    assertThatThrownBy(
            () ->
                DemoEnv.of(Map.of("UPSTREAM_URL", "https://x"))
                    .baseUrl("UPSTREAM_URL", Set.of("http")))
        .hasMessage(
            "UPSTREAM_URL=https://x is not a base URL; accepted: http://host[:port][/path],"
                + " without a query");
    assertThatThrownBy(
            () ->
                DemoEnv.of(Map.of("UPSTREAM_URL", "http://x/?a=1"))
                    .baseUrl("UPSTREAM_URL", Set.of("http", "https")))
        .hasMessageStartingWith("UPSTREAM_URL=http://x/?a=1 is not a base URL; accepted: http or");
    assertThatThrownBy(
            () -> DemoEnv.of(Map.of("UPSTREAM_TARGET", "upstream")).hostPort("UPSTREAM_TARGET"))
        .hasMessage(
            "UPSTREAM_TARGET=upstream is not a target; accepted: host:port (port 1 to 65535)");
    assertThatThrownBy(
            () -> DemoEnv.of(Map.of("UPSTREAM_TARGET", "h:0")).hostPort("UPSTREAM_TARGET"))
        .hasMessageStartingWith("UPSTREAM_TARGET=h:0 is not a target");
  }
}

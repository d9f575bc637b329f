package io.drain4j.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The {@code timeout} of {@code /drain/await} is written like the configuration's durations. */
class AwaitQueryTest {

  @Test
  void whenTheTimeoutUsesAConfigurationFormThenItIsParsed() {
    assertThat(AwaitQuery.timeout("timeout=250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(AwaitQuery.timeout("timeout=5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(AwaitQuery.timeout("timeout=2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(AwaitQuery.timeout("timeout=1h")).isEqualTo(Duration.ofHours(1));
    assertThat(AwaitQuery.timeout("timeout=PT5S")).isEqualTo(Duration.ofSeconds(5));
    assertThat(AwaitQuery.timeout("timeout=pt1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(AwaitQuery.timeout("timeout=%205s%20")).isEqualTo(Duration.ofSeconds(5));
    assertThat(AwaitQuery.timeout("timeout=0ms")).isEqualTo(Duration.ZERO);
  }

  @Test
  void whenNoTimeoutIsGivenThenNoneIsReturned() {
    assertThat(AwaitQuery.timeout(null)).isNull();
    assertThat(AwaitQuery.timeout("")).isNull();
    assertThat(AwaitQuery.timeout("&&")).isNull();
  }

  @Test
  void whenTheTimeoutIsBadThenTheMessageNamesTheValueAndTheAcceptedForms() {
    assertThatThrownBy(() -> AwaitQuery.timeout("timeout=5sec"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "bad timeout '5sec'; accepted: 250ms, 5s, 2m, 1h or ISO-8601 such as PT5S"
                + " (zero or more)");
    assertThatThrownBy(() -> AwaitQuery.timeout("timeout=" + "9".repeat(100)))
        .hasMessageContaining("...'");
    assertThatThrownBy(() -> AwaitQuery.timeout("timeout=PT-1S"))
        .hasMessageStartingWith("bad timeout 'PT-1S'");
    assertThatThrownBy(() -> AwaitQuery.timeout("timeout=%0A"))
        .hasMessageStartingWith("bad timeout '?'");
    assertThatThrownBy(() -> AwaitQuery.timeout("timeout=%zz"))
        .hasMessageContaining("malformed %-escape");
  }
}

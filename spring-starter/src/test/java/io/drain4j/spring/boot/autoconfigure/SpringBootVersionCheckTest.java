package io.drain4j.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.drain4j.DrainCoordinator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * On a Spring Boot line the starter does not support the application fails at start, naming the
 * supported range and the reason, instead of half-working in silence.
 */
@ExtendWith(OutputCaptureExtension.class)
class SpringBootVersionCheckTest {

  @Test
  void whenSpringBootIs40Or41ThenTheCheckPasses() {
    assertThatCode(() -> SpringBootVersionCheck.check("4.0.7")).doesNotThrowAnyException();
    assertThatCode(() -> SpringBootVersionCheck.check("4.1.2")).doesNotThrowAnyException();
    assertThatCode(() -> SpringBootVersionCheck.check("4.1.0-SNAPSHOT")).doesNotThrowAnyException();
  }

  @Test
  void whenSpringBootIs3Or5ThenTheCheckRefusesNamingTheSupportedRange() {
    assertThatThrownBy(() -> SpringBootVersionCheck.check("3.5.7"))
        .isInstanceOf(UnsupportedSpringBootVersionException.class)
        .hasMessageContaining("supports Spring Boot 4.0 and 4.1, not 3.5.7");
    assertThatThrownBy(() -> SpringBootVersionCheck.check("2.7.18"))
        .isInstanceOf(UnsupportedSpringBootVersionException.class);
    assertThatThrownBy(() -> SpringBootVersionCheck.check("5.0.0"))
        .isInstanceOf(UnsupportedSpringBootVersionException.class);
  }

  @Test
  void whenSpringBootIsALater4LineThenTheCheckOnlyWarns(CapturedOutput output) {
    assertThatCode(() -> SpringBootVersionCheck.check("4.2.0")).doesNotThrowAnyException();
    assertThat(output).contains("tested on Spring Boot 4.0 and 4.1, not on 4.2.0");
  }

  @Test
  void whenTheVersionIsUnknownThenNothingIsChecked() {
    assertThatCode(() -> SpringBootVersionCheck.check(null)).doesNotThrowAnyException();
    assertThatCode(() -> SpringBootVersionCheck.check("unknown")).doesNotThrowAnyException();
  }

  @Test
  void whenTheApplicationRunsOnSpringBoot3ThenItFailsToStartWithTheRangeAndTheReason(
      CapturedOutput output) {
    Throwable failure =
        catchThrowable(() -> start(new SpringBootVersionCheck(() -> "3.5.7")).close());

    assertThat(failure).isInstanceOf(UnsupportedSpringBootVersionException.class);
    assertThat(output)
        .contains("APPLICATION FAILED TO START")
        .contains("supports Spring Boot 4.0 and 4.1; this application runs Spring Boot 3.5.7")
        .contains("Upgrade the application to Spring Boot 4.0 or 4.1");
  }

  @Test
  void whenTheStarterIsDisabledThenTheVersionIsNotChecked() {
    try (ConfigurableApplicationContext context =
        start(new SpringBootVersionCheck(() -> "3.5.7"), "drain4j.enabled=false")) {
      assertThat(context.getBeanNamesForType(DrainCoordinator.class)).isEmpty();
    }
  }

  @Test
  void whenTheApplicationRunsOnThisSpringBootThenTheRegisteredCheckLetsItStart() {
    try (ConfigurableApplicationContext context = start(new SpringBootVersionCheck())) {
      assertThat(context.getBean(DrainCoordinator.class)).isNotNull();
      assertThat(SpringBootVersion.getVersion()).startsWith("4.");
    }
  }

  private static ConfigurableApplicationContext start(
      SpringBootVersionCheck check, String... properties) {
    return new SpringApplicationBuilder(App.class)
        .web(WebApplicationType.NONE)
        .initializers(check)
        .properties("drain4j.status.enabled=false")
        .properties(properties)
        .run();
  }

  @SpringBootConfiguration
  @ImportAutoConfiguration(DrainCoordinatorAutoConfiguration.class)
  static class App {}
}

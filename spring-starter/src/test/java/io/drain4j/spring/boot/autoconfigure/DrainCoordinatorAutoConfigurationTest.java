package io.drain4j.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainConfigException;
import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.ConfigurationPropertiesBindException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.SystemEnvironmentPropertySource;

class DrainCoordinatorAutoConfigurationTest {

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  DrainCoordinatorAutoConfiguration.class, DrainLifecycleAutoConfiguration.class))
          .withPropertyValues("drain4j.status.port=0", "drain4j.propagation-delay=0s");

  @Test
  void whenStarterIsPresentThenServingCoordinatorAnswersOnItsOwnStatusPort() {
    runner.run(
        context -> {
          DrainCoordinator coordinator = context.getBean(DrainCoordinator.class);
          assertThat(coordinator.state()).isEqualTo(DrainState.SERVING);
          assertThat(coordinator.statusAddress()).isNotNull();
          assertThat(coordinator.statusAddress().getAddress().isLoopbackAddress()).isTrue();
          HttpResponse<String> ready =
              HttpClient.newHttpClient()
                  .send(
                      HttpRequest.newBuilder(
                              URI.create(
                                  "http://127.0.0.1:"
                                      + coordinator.statusAddress().getPort()
                                      + "/ready"))
                          .build(),
                      HttpResponse.BodyHandlers.ofString());
          assertThat(ready.statusCode()).isEqualTo(200);
          assertThat(context).hasBean("drainLifecycle");
          assertThat(context.getBean(Drain4jProperties.class).isShutdownHook()).isFalse();
        });
  }

  @Test
  void whenPropertiesAreSetThenCoordinatorUsesThem() {
    runner
        .withPropertyValues("drain4j.propagation-delay=250ms", "drain4j.deadline=PT40S")
        .run(
            context -> {
              DrainCoordinator coordinator = context.getBean(DrainCoordinator.class);
              assertThat(coordinator.propagationDelay()).isEqualTo(Duration.ofMillis(250));
              assertThat(coordinator.deadline()).isEqualTo(Duration.ofSeconds(40));
            });
  }

  @Test
  void whenEnvironmentVariablesAreSetThenTheyBindToTheSameKeys() {
    Map<String, Object> env =
        Map.of(
            "DRAIN4J_PROPAGATION_DELAY",
            "1s",
            "DRAIN4J_DEADLINE",
            "2m",
            "DRAIN4J_STATUS_ENABLED",
            "false");
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(DrainCoordinatorAutoConfiguration.class))
        .withInitializer(
            context ->
                context
                    .getEnvironment()
                    .getPropertySources()
                    .addFirst(new SystemEnvironmentPropertySource("test-systemEnvironment", env)))
        .run(
            context -> {
              DrainCoordinator coordinator = context.getBean(DrainCoordinator.class);
              assertThat(coordinator.propagationDelay()).isEqualTo(Duration.ofSeconds(1));
              assertThat(coordinator.deadline()).isEqualTo(Duration.ofMinutes(2));
              assertThat(coordinator.statusAddress()).isNull();
            });
  }

  @Test
  void whenAQuietPeriodIsSetThenItBindsAndEndsTheLongPropagationDelayEarly() {
    runner
        .withPropertyValues(
            "drain4j.propagation-delay=60s",
            "drain4j.deadline=90s",
            "drain4j.quiet-period=100ms",
            "drain4j.min-propagation-delay=0s",
            "drain4j.termination-grace-period=100s")
        .run(
            context -> {
              Drain4jProperties properties = context.getBean(Drain4jProperties.class);
              assertThat(properties.getQuietPeriod()).isEqualTo(Duration.ofMillis(100));
              assertThat(properties.getMinPropagationDelay()).isZero();
              assertThat(properties.getTerminationGracePeriod()).isEqualTo(Duration.ofSeconds(100));
              DrainCoordinator coordinator = context.getBean(DrainCoordinator.class);
              coordinator.startDrain();
              // Bounded far below the 60 s propagation delay: only the quiet period ends it so
              // soon.
              assertThat(coordinator.whenQuiescing()).succeedsWithin(Duration.ofSeconds(30));
            });
  }

  @Test
  void whenTheMinimumPropagationDelayExceedsThePropagationDelayThenStartUpFailsNamingTheKey() {
    runner
        .withPropertyValues("drain4j.quiet-period=1s", "drain4j.min-propagation-delay=3s")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .isInstanceOf(DrainConfigException.class)
                    .hasMessageContaining("drain4j.min-propagation-delay=3s"));
  }

  @Test
  void whenStatusEndpointIsDisabledThenNothingIsBound() {
    runner
        .withPropertyValues("drain4j.status.enabled=false")
        .run(
            context ->
                assertThat(context.getBean(DrainCoordinator.class).statusAddress()).isNull());
  }

  @Test
  void whenDisabledThenNoCoordinatorAndNoLifecycle() {
    runner
        .withPropertyValues("drain4j.enabled=false")
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(DrainCoordinator.class);
              assertThat(context).doesNotHaveBean("drainLifecycle");
            });
  }

  @Test
  void whenApplicationDefinesCoordinatorThenAutoConfigurationBacksOffAndUsesIt() {
    runner
        .withUserConfiguration(OwnCoordinator.class)
        .run(
            context -> {
              assertThat(context).hasSingleBean(DrainCoordinator.class);
              assertThat(context.getBean(DrainCoordinator.class).deadline())
                  .isEqualTo(Duration.ofSeconds(77));
              assertThat(context).hasBean("drainLifecycle");
            });
  }

  @Test
  void whenDeadlineIsNotLargerThanPropagationDelayThenStartupFailsNamingTheKey() {
    runner
        .withPropertyValues("drain4j.propagation-delay=10s", "drain4j.deadline=5s")
        .run(
            context -> {
              assertThat(context).hasFailed();
              Throwable failure = context.getStartupFailure();
              assertThat(failure)
                  .rootCause()
                  .isInstanceOf(DrainConfigException.class)
                  .hasMessageContaining("drain4j.deadline=5s")
                  .hasMessageContaining("drain4j.propagation-delay=10s");
              FailureAnalysis analysis = new DrainConfigFailureAnalyzer().analyze(failure);
              assertThat(analysis).isNotNull();
              assertThat(analysis.getDescription())
                  .contains("Property: drain4j.deadline")
                  .contains("Value: \"5s\"");
              assertThat(analysis.getAction())
                  .contains("'drain4j.deadline'")
                  .contains("DRAIN4J_DEADLINE");
            });
  }

  @Test
  void whenStatusPortIsOutOfRangeThenStartupFailsNamingTheKey() {
    runner
        .withPropertyValues("drain4j.status.port=70000")
        .run(
            context -> {
              assertThat(context).hasFailed();
              assertThat(context.getStartupFailure())
                  .rootCause()
                  .isInstanceOf(DrainConfigException.class)
                  .hasMessageContaining("drain4j.status.port=70000");
            });
  }

  @Test
  void whenDurationIsMalformedThenSpringsBindingFailureNamesTheKey() {
    runner
        .withPropertyValues("drain4j.deadline=soon")
        .run(
            context -> {
              assertThat(context).hasFailed();
              assertThat(context.getStartupFailure())
                  .hasCauseInstanceOf(ConfigurationPropertiesBindException.class);
              assertThat(context.getStartupFailure().getCause())
                  .hasMessageContaining("drain4j")
                  .cause()
                  .hasMessageContaining("drain4j.deadline");
            });
  }

  @Test
  void whenValueIsMissingThenTheAnalysisSaysSo() {
    FailureAnalysis analysis =
        new DrainConfigFailureAnalyzer()
            .analyze(
                new IllegalStateException(
                    "wrapped",
                    new DrainConfigException(
                        "drain4j.deadline",
                        null,
                        "drain4j.deadline=null is not a positive duration")));
    assertThat(analysis.getDescription()).contains("Value: (none)");
  }

  @Test
  void whenFailureIsNotAboutDrainConfigurationThenTheAnalyzerStaysSilent() {
    assertThat(new DrainConfigFailureAnalyzer().analyze(new IllegalStateException("other")))
        .isNull();
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnCoordinator {
    @Bean(destroyMethod = "close")
    DrainCoordinator ownCoordinator() {
      return DrainCoordinator.builder()
          .statusEnabled(false)
          .shutdownHook(false)
          .propagationDelay(Duration.ZERO)
          .deadline(Duration.ofSeconds(77))
          .build();
    }
  }
}

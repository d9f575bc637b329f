package io.drain4j.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import io.drain4j.micrometer.DrainMetrics;
import io.drain4j.spring.actuate.DrainEndpoint;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointAutoConfiguration;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.web.AdditionalPathsMapper;
import org.springframework.boot.actuate.endpoint.web.WebServerNamespace;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.health.actuate.endpoint.CompositeHealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroup;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.AvailabilityProbesAutoConfiguration;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

class DrainActuatorAutoConfigurationTest {

  private final WebApplicationContextRunner runner =
      new WebApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  DrainCoordinatorAutoConfiguration.class,
                  DrainLifecycleAutoConfiguration.class,
                  DrainEndpointAutoConfiguration.class,
                  DrainHealthAutoConfiguration.class,
                  DrainMetricsAutoConfiguration.class,
                  EndpointAutoConfiguration.class,
                  WebEndpointAutoConfiguration.class,
                  ApplicationAvailabilityAutoConfiguration.class,
                  HealthContributorAutoConfiguration.class,
                  HealthContributorRegistryAutoConfiguration.class,
                  HealthEndpointAutoConfiguration.class,
                  AvailabilityProbesAutoConfiguration.class))
          .withPropertyValues("drain4j.status.enabled=false", "drain4j.propagation-delay=0s");

  @Test
  void whenDrainEndpointIsExposedThenReadAnswersStatusAndWriteStartsTheDrain() {
    runner
        .withPropertyValues("management.endpoints.web.exposure.include=health,drain")
        .run(
            context -> {
              DrainEndpoint endpoint = context.getBean(DrainEndpoint.class);
              assertThat(endpoint.status())
                  .containsEntry("state", "SERVING")
                  .containsEntry("forced", false)
                  .containsEntry("inflight", Map.of("inbound", 0, "outbound", 0, "background", 0))
                  .containsKeys("oldestInflightMs", "drainElapsedMs", "deadlineRemainingMs");
              endpoint.drain(SecurityContext.NONE);
              assertThat(context.getBean(DrainCoordinator.class).isDraining()).isTrue();
            });
  }

  @Test
  void whenDrainEndpointIsNotExposedThenThereIsNone() {
    runner.run(context -> assertThat(context).doesNotHaveBean(DrainEndpoint.class));
  }

  @Test
  void whenDrainStartsThenHealthIsOutOfServiceWithTheDrainStatus() {
    runner.run(
        context -> {
          HealthIndicator health = context.getBean("drainHealthIndicator", HealthIndicator.class);
          assertThat(health.health().getStatus()).isEqualTo(Status.UP);
          context.getBean(DrainCoordinator.class).startDrain();
          assertThat(health.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
          assertThat(health.health().getDetails()).containsKey("state");
        });
  }

  @Test
  void whenProbesAreOnThenDrainTakesPartInTheReadinessGroupOnly() {
    runner
        .withPropertyValues("management.endpoint.health.probes.add-additional-paths=true")
        .run(
            context -> {
              HealthEndpointGroups groups = context.getBean(HealthEndpointGroups.class);
              HealthEndpointGroup readiness = groups.get("readiness");
              assertThat(readiness.isMember("drain")).isTrue();
              assertThat(readiness.isMember("readinessState")).isTrue();
              assertThat(groups.get("liveness").isMember("drain")).isFalse();
              // The probes' extra path (/readyz on the main port) still maps.
              assertThat(groups).isInstanceOf(AdditionalPathsMapper.class);
              assertThat(
                      ((AdditionalPathsMapper) groups)
                          .getAdditionalPaths(EndpointId.of("health"), WebServerNamespace.SERVER))
                  .contains("/readyz");
            });
  }

  @Test
  void whenDrainStartsThenTheReadinessGroupIsOutOfServiceAndShowsTheDrain() {
    runner
        .withPropertyValues(
            "management.endpoint.health.group.readiness.include=readinessState",
            "management.endpoint.health.group.readiness.show-components=always")
        .run(
            context -> {
              AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
              HealthEndpoint endpoint = context.getBean(HealthEndpoint.class);
              assertThat(endpoint.healthForPath("readiness").getStatus()).isEqualTo(Status.UP);
              context.getBean(DrainCoordinator.class).startDrain();
              HealthDescriptor readiness = endpoint.healthForPath("readiness");
              assertThat(readiness.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
              assertThat(((CompositeHealthDescriptor) readiness).getComponents())
                  .containsKeys("drain", "readinessState");
            });
  }

  @Test
  void whenProbesAreOffAndNoReadinessGroupExistsThenGroupsAreLeftAlone() {
    runner
        .withPropertyValues("management.endpoint.health.probes.enabled=false")
        .run(
            context ->
                assertThat(context.getBean(HealthEndpointGroups.class).get("readiness")).isNull());
  }

  @Test
  void whenApplicationConfiguresItsOwnReadinessGroupThenDrainIsAddedToIt() {
    runner
        .withPropertyValues("management.endpoint.health.group.readiness.include=readinessState")
        .run(
            context ->
                assertThat(
                        context
                            .getBean(HealthEndpointGroups.class)
                            .get("readiness")
                            .isMember("drain"))
                    .isTrue());
  }

  @Test
  void whenDrainHealthIsDisabledThenNoIndicatorAndNoGroupChange() {
    runner
        .withPropertyValues("management.health.drain.enabled=false")
        .run(
            context -> {
              assertThat(context).doesNotHaveBean("drainHealthIndicator");
              assertThat(
                      context
                          .getBean(HealthEndpointGroups.class)
                          .get("readiness")
                          .isMember("drain"))
                  .isFalse();
            });
  }

  @Test
  void whenMeterRegistryIsPresentThenDrainMetersAreBound() {
    runner
        .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class))
        .withBean(SimpleMeterRegistry.class)
        .run(
            context -> {
              assertThat(context).hasSingleBean(DrainMetrics.class);
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              assertThat(registry.get("drain4j.state").gauge().value()).isZero();
              context.getBean(DrainCoordinator.class).startDrain();
              assertThat(registry.get("drain4j.state").gauge().value()).isPositive();
              assertThat(registry.get("drain4j.inflight").tag("kind", "inbound").gauge())
                  .isNotNull();
            });
  }

  @Test
  void whenThereIsNoMeterRegistryThenNoBinder() {
    runner.run(context -> assertThat(context).doesNotHaveBean(DrainMetrics.class));
  }
}

package io.drain4j.spring.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.drain4j.DrainCoordinator;
import io.drain4j.grpc.GrpcDrain;
import io.drain4j.spring.boot.autoconfigure.DrainCoordinatorAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** When the gRPC auto-configuration applies, and how it backs off. */
class DrainGrpcAutoConfigurationTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  DrainCoordinatorAutoConfiguration.class, DrainGrpcAutoConfiguration.class))
          .withPropertyValues("drain4j.status.enabled=false");

  @Test
  void withACoordinatorAndSpringGrpcTheInterceptorAndTheLifecycleAreWired() {
    runner.run(
        context -> {
          assertThat(context).hasSingleBean(GrpcDrain.class);
          assertThat(context).hasBean("drain4jGrpcServerInterceptor");
          assertThat(context).hasSingleBean(GrpcServerDrainLifecycle.class);
        });
  }

  @Test
  void withoutSpringGrpcOnTheClassPathItBacksOff() {
    runner
        .withClassLoader(new FilteredClassLoader("org.springframework.grpc"))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).doesNotHaveBean(GrpcDrain.class);
            });
  }

  @Test
  void withoutDrain4jGrpcOnTheClassPathItBacksOff() {
    runner
        .withClassLoader(new FilteredClassLoader(GrpcDrain.class))
        .run(context -> assertThat(context).doesNotHaveBean(GrpcServerDrainLifecycle.class));
  }

  @Test
  void anApplicationsOwnGrpcDrainIsUsed() {
    runner
        .withUserConfiguration(OwnGrpcDrain.class)
        .run(
            context -> {
              assertThat(context).hasSingleBean(GrpcDrain.class);
              assertThat(context.getBean(GrpcDrain.class))
                  .isSameAs(context.getBean(OwnGrpcDrain.class).grpcDrain);
            });
  }

  @Test
  void withoutACoordinatorItBacksOff() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(DrainGrpcAutoConfiguration.class))
        .run(context -> assertThat(context).doesNotHaveBean(GrpcDrain.class));
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnGrpcDrain {
    GrpcDrain grpcDrain;

    @Bean
    GrpcDrain ownGrpcDrain(DrainCoordinator coordinator) {
      grpcDrain = GrpcDrain.create(coordinator);
      return grpcDrain;
    }
  }
}

package io.drain4j.spring.grpc;

import io.drain4j.DrainCoordinator;
import io.drain4j.grpc.GrpcDrain;
import io.drain4j.spring.boot.autoconfigure.DrainCoordinatorAutoConfiguration;
import io.grpc.ServerInterceptor;
import io.grpc.protobuf.services.HealthStatusManager;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.grpc.server.GlobalServerInterceptor;
import org.springframework.grpc.server.lifecycle.GrpcServerLifecycle;
import org.springframework.grpc.server.lifecycle.GrpcServerStartedEvent;

/**
 * Wires drain4j into a Spring gRPC server with no user code: {@link GrpcDrain}'s server interceptor
 * on every call (a {@link GlobalServerInterceptor}, first in line), every started server managed by
 * it (shut down at QUIESCING, the calls left closed at DRAINED), the application's {@link
 * HealthStatusManager} turned NOT_SERVING when the drain starts, and Spring gRPC's own server stop
 * held until DRAINED (see {@link GrpcServerDrainLifecycle}). Backs off without a {@link
 * DrainCoordinator} bean, without drain4j-grpc or Spring gRPC on the class path, and for a {@link
 * GrpcDrain} bean of the application's own.
 */
@AutoConfiguration(
    after = DrainCoordinatorAutoConfiguration.class,
    afterName = {
      "org.springframework.boot.grpc.server.autoconfigure.GrpcServerAutoConfiguration",
      "org.springframework.boot.grpc.server.autoconfigure.health.GrpcServerHealthAutoConfiguration"
    })
@ConditionalOnClass({GrpcDrain.class, GrpcServerLifecycle.class})
@ConditionalOnBean(DrainCoordinator.class)
public final class DrainGrpcAutoConfiguration {
  /** Creates the auto-configuration; Spring calls it. */
  public DrainGrpcAutoConfiguration() {}

  /**
   * The gRPC integration, with the application's health manager when there is one.
   *
   * @param coordinator the coordinator
   * @param health the application's (or Spring gRPC's) health manager, if any
   * @return the integration
   */
  @Bean
  @ConditionalOnMissingBean
  public GrpcDrain drain4jGrpcDrain(
      DrainCoordinator coordinator, ObjectProvider<HealthStatusManager> health) {
    GrpcDrain grpcDrain = GrpcDrain.create(coordinator);
    health.orderedStream().forEach(grpcDrain::health);
    return grpcDrain;
  }

  /**
   * drain4j's server interceptor on every service of every server, ahead of the others, so that the
   * unit spans their work too.
   *
   * @param grpcDrain the integration
   * @return the interceptor
   */
  @Bean
  @GlobalServerInterceptor
  @Order(Ordered.HIGHEST_PRECEDENCE)
  public ServerInterceptor drain4jGrpcServerInterceptor(GrpcDrain grpcDrain) {
    return grpcDrain.serverInterceptor();
  }

  /**
   * Puts every server Spring gRPC starts under the drain.
   *
   * @param grpcDrain the integration
   * @return the listener
   */
  @Bean
  public ApplicationListener<GrpcServerStartedEvent> drain4jGrpcServerStarted(GrpcDrain grpcDrain) {
    return event -> grpcDrain.manage(event.getServer());
  }

  /**
   * Holds Spring gRPC's server stop until DRAINED.
   *
   * @param coordinator the coordinator
   * @param grpcDrain the integration
   * @param servers Spring gRPC's server lifecycles, which this one must stop before
   * @return the lifecycle
   */
  @Bean
  public GrpcServerDrainLifecycle drain4jGrpcServerDrainLifecycle(
      DrainCoordinator coordinator, GrpcDrain grpcDrain, List<GrpcServerLifecycle> servers) {
    return new GrpcServerDrainLifecycle(coordinator, grpcDrain, servers.size());
  }
}

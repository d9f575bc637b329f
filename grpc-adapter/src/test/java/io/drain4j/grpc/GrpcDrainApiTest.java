package io.drain4j.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.drain4j.DrainCoordinator;
import io.grpc.Context;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The entry type's argument checks and the drain notice outside and inside a call's context. */
class GrpcDrainApiTest {
  @Test
  void creatingWithoutACoordinatorFailsNamingIt() {
    assertThatThrownBy(() -> GrpcDrain.create(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("coordinator");
  }

  @Test
  void nullArgumentsAreRejectedNamingTheArgument() {
    try (DrainCoordinator c = coordinator()) {
      GrpcDrain grpc = GrpcDrain.create(c);
      assertThatThrownBy(() -> grpc.manage(null)).hasMessage("server");
      assertThatThrownBy(() -> grpc.health(null)).hasMessage("manager");
      assertThatThrownBy(() -> grpc.trackChannel(null, null)).hasMessage("name");
      assertThatThrownBy(() -> grpc.trackChannel("upstream", null)).hasMessage("channel");
    }
  }

  @Test
  void theDrainNoticeOutsideATrackedCallFailsSayingWhere() {
    assertThatThrownBy(GrpcDrain::whenDraining)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("serverInterceptor()");
    assertThatThrownBy(GrpcDrain::whenQuiescing).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void theDrainNoticeInACallsContextFollowsItsCoordinator() throws Exception {
    try (DrainCoordinator c = coordinator()) {
      Context call = Context.current().withValue(GrpcDrain.COORDINATOR, c);
      CompletableFuture<Void> draining = call.call(GrpcDrain::whenDraining);
      CompletableFuture<Void> quiescing = call.call(GrpcDrain::whenQuiescing);
      assertThat(draining).isNotDone();
      c.startDrain();
      draining.get();
      assertThat(quiescing).isNotDone(); // the propagation delay is long
    }
  }

  @Test
  void theSameHealthServiceIsReturnedEveryTime() {
    try (DrainCoordinator c = coordinator()) {
      GrpcDrain grpc = GrpcDrain.create(c);
      assertThat(grpc.healthService()).isSameAs(grpc.healthService());
      assertThat(grpc.serverInterceptor()).isSameAs(grpc.serverInterceptor());
      assertThat(grpc.clientInterceptor()).isSameAs(grpc.clientInterceptor());
    }
  }

  private static DrainCoordinator coordinator() {
    return DrainCoordinator.builder()
        .statusEnabled(false)
        .shutdownHook(false)
        .propagationDelay(Duration.ofSeconds(60))
        .deadline(Duration.ofSeconds(120))
        .build();
  }
}

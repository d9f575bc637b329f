package io.drain4j.spring.grpc;

import io.drain4j.DrainCoordinator;
import io.drain4j.grpc.GrpcDrain;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Keeps Spring gRPC's {@code GrpcServerLifecycle} from stopping the server before DRAINED. That
 * lifecycle has the highest phase, so it stops first when the context closes, and its stop calls
 * {@code Server.shutdown()} at once (GOAWAY and a closed listener while the drain is still in
 * DRAINING, with no propagation delay) and {@code shutdownNow()} after its own grace period. This
 * bean has the same phase and depends on those lifecycles, so Spring stops it before them: its stop
 * starts the drain (idempotent; the starter starts it at {@code ContextClosedEvent} already) and
 * blocks until DRAINED and until {@link GrpcDrain#terminated()}, bounded by the deadline plus one
 * second. By then {@link GrpcDrain} has shut the servers down at QUIESCING and terminated them at
 * DRAINED, and Spring gRPC's stop finds nothing left to do.
 */
public final class GrpcServerDrainLifecycle implements SmartLifecycle {
  private static final Logger log = LoggerFactory.getLogger(GrpcServerDrainLifecycle.class);

  private final DrainCoordinator coordinator;
  private final GrpcDrain grpcDrain;
  private final int servers;
  private volatile boolean running;

  GrpcServerDrainLifecycle(DrainCoordinator coordinator, GrpcDrain grpcDrain, int servers) {
    this.coordinator = coordinator;
    this.grpcDrain = grpcDrain;
    this.servers = servers;
  }

  @Override
  public void start() {
    running = true;
  }

  @Override
  public void stop() {
    running = false;
    coordinator.startDrain();
    Duration bound = coordinator.deadline().plusSeconds(1);
    try {
      if (!coordinator.awaitDrained(bound)) {
        log.warn("drain4j: not drained within {}; letting Spring gRPC stop its servers", bound);
        return;
      }
      if (servers > 0) {
        grpcDrain.terminated().get(bound.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("drain4j: gRPC servers not terminated after DRAINED; Spring gRPC stops them", e);
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** The phase of Spring gRPC's server lifecycle: stopped together with it, just before it. */
  @Override
  public int getPhase() {
    return Integer.MAX_VALUE;
  }
}

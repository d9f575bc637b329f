package io.drain4j.spring.actuate;

import io.drain4j.DrainCoordinator;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The actuator endpoint {@code drain}: reading it answers the drain status (the JSON fields of the
 * status endpoint's {@code GET /drain}), writing it ({@code POST /actuator/drain} over HTTP) starts
 * the drain.
 *
 * <p>Like every actuator endpoint it is exposed over HTTP only when listed in {@code
 * management.endpoints.web.exposure.include}. The sidecar's preStop hook does not need it: it uses
 * the status endpoint on its own port.
 */
@Endpoint(id = "drain")
public class DrainEndpoint {
  private final DrainCoordinator coordinator;

  /**
   * Creates the endpoint.
   *
   * @param coordinator the coordinator to report on and to drain; must not be {@code null}
   */
  public DrainEndpoint(DrainCoordinator coordinator) {
    this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
  }

  /**
   * The drain status.
   *
   * @return {@code state}, {@code forced}, {@code inflight} (per kind), {@code oldestInflightMs},
   *     {@code drainElapsedMs}, {@code deadlineRemainingMs}
   */
  @ReadOperation
  public Map<String, Object> status() {
    return DrainStatusMaps.toMap(coordinator.status());
  }

  /**
   * Starts the drain (idempotent) and answers the status right after.
   *
   * @return the status, as {@link #status()}
   */
  @WriteOperation
  public Map<String, Object> drain() {
    coordinator.startDrain();
    return status();
  }
}

package io.drain4j.spring.actuate;

import io.drain4j.DrainCoordinator;
import java.security.Principal;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.SecurityContext;
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
 *
 * <p>Secure by default, as Spring Boot's own {@code shutdown} endpoint: a drain cannot be undone,
 * and the application port is reachable by every client of the application, while the status
 * endpoint accepts {@code POST /drain} from loopback only. So the endpoint's default access is
 * {@link Access#READ_ONLY}: with {@code management.endpoints.web.exposure.include=*} the status
 * reads, and {@code POST /actuator/drain} is not mapped. Grant it with {@code
 * management.endpoint.drain.access=unrestricted} (and protect it, for example with Spring
 * Security). A drain started here logs the principal that asked for it, if any.
 */
@Endpoint(id = "drain", defaultAccess = Access.READ_ONLY)
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
   * Starts the drain (idempotent) and answers the status right after. The start is logged with the
   * principal of the request, or {@code none} for an unauthenticated one.
   *
   * @param securityContext the caller's security context, supplied by the actuator; {@code null} is
   *     read as {@link SecurityContext#NONE}
   * @return the status, as {@link #status()}
   */
  @WriteOperation
  public Map<String, Object> drain(SecurityContext securityContext) {
    Principal principal = securityContext == null ? null : securityContext.getPrincipal();
    coordinator.startDrain(
        "actuator endpoint drain, principal "
            + (principal == null ? "none" : "'" + principal.getName() + "'"));
    return status();
  }
}

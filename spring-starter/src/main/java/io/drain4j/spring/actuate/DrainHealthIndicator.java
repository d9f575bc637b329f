package io.drain4j.spring.actuate;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import io.drain4j.DrainStatus;
import java.util.Objects;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health of the drain: {@code UP} while serving, {@code OUT_OF_SERVICE} from the moment the drain
 * starts, with the drain status as details. The starter adds it, as {@code drain}, to the readiness
 * group, so that {@code /actuator/health/readiness} fails as soon as the drain starts, whatever
 * started it.
 */
public class DrainHealthIndicator implements HealthIndicator {
  private final DrainCoordinator coordinator;

  /**
   * Creates the indicator.
   *
   * @param coordinator the coordinator to report on; must not be {@code null}
   */
  public DrainHealthIndicator(DrainCoordinator coordinator) {
    this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
  }

  /**
   * The health now.
   *
   * @return {@code UP} in {@link DrainState#SERVING}, {@code OUT_OF_SERVICE} otherwise
   */
  @Override
  public Health health() {
    DrainStatus status = coordinator.status();
    Health.Builder health =
        status.state() == DrainState.SERVING ? Health.up() : Health.outOfService();
    return health.withDetails(DrainStatusMaps.toMap(status)).build();
  }
}

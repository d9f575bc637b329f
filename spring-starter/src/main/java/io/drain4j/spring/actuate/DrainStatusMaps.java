package io.drain4j.spring.actuate;

import io.drain4j.DrainStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/** The status endpoint's JSON fields as a map, for the actuator endpoint and health details. */
final class DrainStatusMaps {
  private DrainStatusMaps() {}

  static Map<String, Object> toMap(DrainStatus status) {
    Map<String, Object> inflight = new LinkedHashMap<>();
    inflight.put("inbound", status.inbound());
    inflight.put("outbound", status.outbound());
    inflight.put("background", status.background());
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("state", status.state().name());
    map.put("forced", status.forced());
    map.put("inflight", inflight);
    map.put("oldestInflightMs", status.oldestInflightMs());
    map.put("drainElapsedMs", status.drainElapsedMs());
    map.put("deadlineRemainingMs", status.deadlineRemainingMs());
    return map;
  }
}

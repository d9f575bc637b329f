package io.drain4j.spring.kafka;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainListener;
import io.drain4j.DrainedException;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.listener.ListenerContainerRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;

/**
 * Stops every running listener container the moment the drain starts, each held as an inbound unit
 * until its stop callback ran (records of the last poll processed, acks committed, consumer
 * closed). Starts after the endpoint registry (whose phase is {@code Integer.MAX_VALUE - 100}), so
 * that its containers exist when their shutdown timeouts are checked.
 */
final class KafkaListenerDrain implements SmartLifecycle, DrainListener {
  private static final Logger log = LoggerFactory.getLogger(KafkaListenerDrain.class);

  static final int PHASE = Integer.MAX_VALUE - 50;

  private final DrainCoordinator coordinator;
  private final ObjectProvider<ListenerContainerRegistry> registries;
  private final AtomicBoolean listening = new AtomicBoolean();
  private volatile boolean running;

  KafkaListenerDrain(
      DrainCoordinator coordinator, ObjectProvider<ListenerContainerRegistry> registries) {
    this.coordinator = coordinator;
    this.registries = registries;
  }

  @Override
  public void start() {
    running = true;
    if (listening.compareAndSet(false, true)) {
      checkShutdownTimeouts();
      coordinator.addListener(this);
    }
  }

  private void checkShutdownTimeouts() {
    Duration deadline = coordinator.deadline();
    for (MessageListenerContainer c : containers()) {
      Duration timeout = Duration.ofMillis(c.getContainerProperties().getShutdownTimeout());
      if (timeout.compareTo(deadline) > 0) {
        log.warn(
            "Kafka listener container {}: shutdownTimeout={} is longer than drain4j.deadline={}:"
                + " a listener still running at the deadline is given up on (its records are"
                + " redelivered to the group) before Spring Kafka would stop waiting for it; lower"
                + " the container's shutdownTimeout or raise drain4j.deadline",
            c.getListenerId(),
            timeout,
            deadline);
      }
    }
  }

  private List<MessageListenerContainer> containers() {
    List<MessageListenerContainer> all = new ArrayList<>();
    registries.forEach(r -> all.addAll(r.getAllListenerContainers()));
    return all;
  }

  /** The drain started: stop consuming now, no propagation delay (no Service endpoint). */
  @Override
  public void onDraining() {
    for (MessageListenerContainer c : containers()) {
      if (c.isRunning()) {
        stop(c);
      }
    }
  }

  private void stop(MessageListenerContainer c) {
    InFlight unit;
    try {
      unit = coordinator.enter(UnitKind.INBOUND, "kafka listener container " + c.getListenerId());
    } catch (DrainedException e) {
      return; // drained already (forced): the context's own stop takes care of the container
    }
    try {
      c.stop(unit::exit);
      log.info("drain started: stopping Kafka listener container {}", c.getListenerId());
    } catch (RuntimeException | Error e) {
      unit.exit();
      log.warn("drain started: stopping Kafka listener container {} failed", c.getListenerId(), e);
    }
  }

  @Override
  public void stop() {
    running = false; // the containers were stopped by the drain, or are stopped by their registry
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}

package io.drain4j.spring.client;

import io.drain4j.DrainCoordinator;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import reactor.core.publisher.Mono;

/**
 * Tracks each exchange made through a {@code WebClient} as an outbound unit of a {@link
 * DrainCoordinator}, from subscription until the response body has been consumed, released or
 * cancelled (or the exchange failed), so that the drain waits for calls that requests in flight
 * make.
 *
 * <p>After the coordinator is drained, the exchange fails at once with {@link
 * io.drain4j.DrainedException}. The starter adds this filter, first, to every client built from
 * Spring Boot's {@code WebClient.Builder}; add it yourself to clients built otherwise.
 */
public final class DrainExchangeFilterFunction implements ExchangeFilterFunction {
  private final DrainCoordinator coordinator;

  /**
   * Creates the filter.
   *
   * @param coordinator the coordinator that tracks the exchanges; must not be {@code null}
   */
  public DrainExchangeFilterFunction(DrainCoordinator coordinator) {
    this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
  }

  /**
   * Enters an outbound unit when subscribed and exits it when the response body terminates, or when
   * the exchange fails or is cancelled before a response arrived.
   *
   * @param request the request
   * @param next the next exchange function
   * @return the response, whose body ends the unit
   */
  @Override
  public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
    return Mono.defer(
        () -> {
          InFlight unit = coordinator.enter(UnitKind.OUTBOUND, ClientUnitNames.of(request));
          AtomicBoolean handedOver = new AtomicBoolean();
          // doOn* callbacks run before the signal travels on, so the unit has ended by the time the
          // caller sees the body's end or the failure.
          return next.exchange(request)
              .map(
                  response -> {
                    handedOver.set(true);
                    return response
                        .mutate()
                        .body(body -> body.doOnTerminate(unit::exit).doOnCancel(unit::exit))
                        .build();
                  })
              .doOnError(failure -> unit.exit())
              .doOnSuccess(
                  response -> {
                    if (response == null) {
                      unit.exit();
                    }
                  })
              .doOnCancel(
                  () -> {
                    // Until a response is handed over, the exchange itself owns the unit.
                    if (!handedOver.get()) {
                      unit.exit();
                    }
                  });
        });
  }
}

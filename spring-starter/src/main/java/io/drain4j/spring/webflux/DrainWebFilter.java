package io.drain4j.spring.webflux;

import io.drain4j.DrainCoordinator;
import io.drain4j.InFlight;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * Tracks every WebFlux exchange as an inbound unit of a {@link DrainCoordinator}, from the moment
 * the filter chain is subscribed until the response has been written in full, so a streaming
 * ({@code Flux}) response keeps the drain waiting until its last element is written. A client that
 * goes away does not end the unit while the application still works on the exchange: its handling
 * is not cancelled, and the unit ends when it completes or fails (a stream fails at its next write
 * to the closed connection).
 *
 * <ul>
 *   <li>While draining (from {@code DRAINING} on), responses carry {@code Connection: close}, so
 *       HTTP/1.1 clients open their next connection elsewhere.
 *   <li>From {@code QUIESCING} on, new requests are answered {@code 503} with {@code Connection:
 *       close} and {@code Retry-After: 1}, and are not passed down the chain.
 * </ul>
 *
 * <p>Ordered first ({@link Ordered#HIGHEST_PRECEDENCE}) so that the whole chain is tracked.
 */
public final class DrainWebFilter implements WebFilter, Ordered {
  private static final byte[] REFUSED_BODY =
      "503 Service Unavailable: draining\n".getBytes(StandardCharsets.US_ASCII);

  private final DrainCoordinator coordinator;

  /**
   * Creates the filter.
   *
   * @param coordinator the coordinator that admits and tracks the exchanges; must not be {@code
   *     null}
   */
  public DrainWebFilter(DrainCoordinator coordinator) {
    this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
  }

  /**
   * Admits the exchange, or answers {@code 503} when the coordinator refuses it.
   *
   * @param exchange the exchange
   * @param chain the rest of the chain
   * @return completes when the response has been written, or the exchange ended otherwise
   */
  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    // Admission happens on subscription, so an assembled but never subscribed chain tracks nothing.
    return Mono.defer(
        () -> {
          ServerHttpRequest request = exchange.getRequest();
          InFlight unit =
              coordinator.admitInbound(
                  request.getMethod().name()
                      + " "
                      + request.getPath().pathWithinApplication().value());
          ServerHttpResponse response = exchange.getResponse();
          if (unit == null) {
            return refuse(response);
          }
          response.beforeCommit(
              () -> {
                if (coordinator.isDraining()) {
                  response.getHeaders().set(HttpHeaders.CONNECTION, "close");
                }
                return Mono.empty();
              });
          return detached(chain.filter(exchange).doFinally(signal -> unit.exit()));
        });
  }

  /**
   * Runs the application's handling of the exchange to its own end, whatever happens to the
   * subscriber. Reactor Netty cancels the exchange when its client goes away; a cancel that reached
   * the handler would end the unit while work that no cancel stops (a blocking call on {@code
   * boundedElastic}, a database write) still runs, and after a cancel a publisher owes no signal
   * that would tell when that work ends. So the cancel stops here: the handler runs on, its writes
   * to the closed connection fail (which ends a stream at its next element), and the unit ends when
   * the handler's publisher completes or fails.
   */
  private static Mono<Void> detached(Mono<Void> handling) {
    return Mono.create(
        sink -> {
          Disposable unused =
              handling.contextWrite(sink.contextView()).subscribe(null, sink::error, sink::success);
        });
  }

  private static Mono<Void> refuse(ServerHttpResponse response) {
    response.setStatusCode(HttpStatus.SERVICE_UNAVAILABLE);
    HttpHeaders headers = response.getHeaders();
    headers.set(HttpHeaders.CONNECTION, "close");
    headers.set(HttpHeaders.RETRY_AFTER, "1");
    headers.setContentType(MediaType.TEXT_PLAIN);
    DataBuffer body = response.bufferFactory().wrap(REFUSED_BODY);
    return response.writeWith(Mono.just(body));
  }

  /**
   * First in the chain.
   *
   * @return {@link Ordered#HIGHEST_PRECEDENCE}
   */
  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }
}

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
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.util.ClassUtils;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

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

  private static final boolean REACTOR_NETTY =
      ClassUtils.isPresent("reactor.netty.Connection", DrainWebFilter.class.getClassLoader());

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
          return detached(
              chain.filter(exchange).doFinally(signal -> exitWhenWritten(response, unit)));
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

  /**
   * Ends the unit once the response the application has finished with is written out. The
   * application's publisher completes when its last write has been handed to the server, which may
   * still hold megabytes of it for a slow client; on Reactor Netty the unit ends when the
   * exchange's operations terminate (its last write has completed, or the connection closed).
   * Elsewhere the unit ends now.
   */
  private static void exitWhenWritten(ServerHttpResponse response, InFlight unit) {
    if (!REACTOR_NETTY || !ReactorNetty.exitWhenWritten(response, unit)) {
      unit.exit();
    }
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

  /** Kept apart so that the filter loads, and works, without Reactor Netty on the class path. */
  private static final class ReactorNetty {
    private ReactorNetty() {}

    /**
     * Ends the unit when Reactor Netty terminates the exchange's operations: once the write of the
     * response's last content has completed (HTTP/1.1 and each HTTP/2 stream alike), or once the
     * connection (for a stream, the stream) has closed, which covers a write that failed, a client
     * that went away, and a connection closed before this call.
     *
     * @return {@code false} when the response is not Reactor Netty's, to end the unit otherwise
     */
    static boolean exitWhenWritten(ServerHttpResponse response, InFlight unit) {
      Object server;
      try {
        server = ServerHttpResponseDecorator.getNativeResponse(response);
      } catch (IllegalArgumentException | IllegalStateException noNativeResponse) {
        // Not an adapted server response, or one without a server (a mock).
        return false;
      }
      if (!(server instanceof Connection connection)) {
        return false;
      }
      Disposable unused =
          connection.onTerminate().subscribe(null, failed -> unit.exit(), unit::exit);
      return true;
    }
  }
}

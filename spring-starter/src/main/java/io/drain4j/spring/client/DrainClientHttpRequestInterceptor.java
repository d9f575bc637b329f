package io.drain4j.spring.client;

import io.drain4j.DrainCoordinator;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;

/**
 * Tracks each call made through a {@code RestClient} or {@code RestTemplate} as an outbound unit of
 * a {@link DrainCoordinator}, from the moment the request is sent until the response is closed
 * (Spring closes it once the body has been read), so that the drain waits for calls that requests
 * in flight make.
 *
 * <p>After the coordinator is drained, a call fails at once with {@link
 * io.drain4j.DrainedException}: the application is shutting down and its clients are closing. The
 * starter adds this interceptor, first, to every client built from Spring Boot's {@code
 * RestClient.Builder} and {@code RestTemplateBuilder}; add it yourself to clients built otherwise.
 */
public final class DrainClientHttpRequestInterceptor implements ClientHttpRequestInterceptor {
  private final DrainCoordinator coordinator;

  /**
   * Creates the interceptor.
   *
   * @param coordinator the coordinator that tracks the calls; must not be {@code null}
   */
  public DrainClientHttpRequestInterceptor(DrainCoordinator coordinator) {
    this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
  }

  /**
   * Enters an outbound unit, executes the request and hands back a response that exits the unit
   * when closed.
   *
   * @param request the request
   * @param body the request body
   * @param execution the rest of the chain
   * @return the response; closing it ends the unit
   * @throws IOException when the call fails (the unit has then ended)
   * @throws io.drain4j.DrainedException when the coordinator is drained
   */
  @Override
  public ClientHttpResponse intercept(
      HttpRequest request, byte[] body, ClientHttpRequestExecution execution) throws IOException {
    InFlight unit = coordinator.enter(UnitKind.OUTBOUND, ClientUnitNames.of(request));
    try {
      return new TrackedResponse(execution.execute(request, body), unit);
    } catch (IOException | RuntimeException | Error e) {
      unit.exit();
      throw e;
    }
  }

  /** The response, whose {@link #close()} also ends the unit. */
  private static final class TrackedResponse implements ClientHttpResponse {
    private final ClientHttpResponse delegate;
    private final InFlight unit;

    TrackedResponse(ClientHttpResponse delegate, InFlight unit) {
      this.delegate = delegate;
      this.unit = unit;
    }

    @Override
    public HttpStatusCode getStatusCode() throws IOException {
      return delegate.getStatusCode();
    }

    @Override
    public String getStatusText() throws IOException {
      return delegate.getStatusText();
    }

    @Override
    public HttpHeaders getHeaders() {
      return delegate.getHeaders();
    }

    @Override
    public InputStream getBody() throws IOException {
      return delegate.getBody();
    }

    @Override
    public void close() {
      try {
        delegate.close();
      } finally {
        unit.exit();
      }
    }
  }
}

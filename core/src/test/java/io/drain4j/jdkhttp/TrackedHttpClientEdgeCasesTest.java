package io.drain4j.jdkhttp;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.drain4j.DrainCoordinator;
import io.drain4j.DrainStatus;
import io.drain4j.DrainedException;
import io.drain4j.UnitKind;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The tracked JDK client's less travelled paths: callers that give up on a call, wrapped clients
 * other than the JDK's (closeable ones as on JDK 21, ones that answer without a body), requests the
 * JDK client rejects, and bad body handlers.
 */
class TrackedHttpClientEdgeCasesTest {

  private final CountDownLatch arrived = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch finish = new CountDownLatch(1);
  private final ExecutorService serverThreads = Executors.newCachedThreadPool();

  private HttpServer server;
  private String base;
  private DrainCoordinator coordinator;
  private TrackedHttpClient client;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(serverThreads);
    server.createContext("/ok", exchange -> respond(exchange, "ok"));
    server.createContext(
        "/held",
        exchange -> {
          arrived.countDown();
          await(release);
          respond(exchange, "held");
        });
    // Headers only once released, then a body that does not end until finished.
    server.createContext(
        "/late-stream",
        exchange -> {
          arrived.countDown();
          await(release);
          exchange.sendResponseHeaders(200, 0);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write("first\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            await(finish);
            out.write("second\n".getBytes(StandardCharsets.UTF_8));
          } catch (IOException clientWentAway) {
            // The client closed the body early, as these tests expect it to.
          }
        });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
    coordinator =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(false)
            .propagationDelay(Duration.ofMillis(50))
            .deadline(Duration.ofSeconds(10))
            .build();
    client =
        TrackedHttpClient.newClient(
            coordinator,
            "edge-client",
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1));
  }

  @AfterEach
  void stop() {
    release.countDown();
    finish.countDown();
    coordinator.close();
    client.close();
    server.stop(0);
    serverThreads.shutdownNow();
  }

  // ------------------------------------------------------------ callers that give up

  @Test
  void whenCallerTimesOutBeforeAStreamedResponseArrivesThenItsBodyIsClosedAndTheCallEnds()
      throws Exception {
    CountDownLatch bodyClosed = new CountDownLatch(1);
    BodyHandler<InputStream> handler =
        info ->
            BodySubscribers.mapping(
                BodySubscribers.ofInputStream(),
                in ->
                    new FilterInputStream(in) {
                      @Override
                      public void close() throws IOException {
                        bodyClosed.countDown();
                        super.close();
                      }
                    });
    CompletableFuture<HttpResponse<InputStream>> call =
        client.sendAsync(get("/late-stream"), handler).orTimeout(20, MILLISECONDS);
    assertThat(arrived.await(10, SECONDS)).isTrue();

    assertThatThrownBy(() -> call.get(10, SECONDS)).hasCauseInstanceOf(TimeoutException.class);
    assertThat(coordinator.inflight(UnitKind.OUTBOUND))
        .as("giving up on the future does not abort the exchange, which still uses a connection")
        .isEqualTo(1);

    release.countDown();
    assertThat(bodyClosed.await(10, SECONDS))
        .as("nobody can read the late response's body any more: it is closed")
        .isTrue();
    assertDrainEndsWithNothingInFlight();
  }

  @Test
  void whenCallerTimesOutBeforeAStringResponseArrivesThenTheLateResponseStillEndsTheCall()
      throws Exception {
    CompletableFuture<HttpResponse<String>> call =
        client.sendAsync(get("/held"), BodyHandlers.ofString());
    assertThat(arrived.await(10, SECONDS)).isTrue();
    call.completeExceptionally(new TimeoutException("the caller gave up"));
    assertThat(coordinator.inflight(UnitKind.OUTBOUND)).isEqualTo(1);

    release.countDown();

    assertDrainEndsWithNothingInFlight();
  }

  @Test
  void whenTheLateBodyFailsToCloseThenTheCallEndsAnyway() throws Exception {
    CountDownLatch closeTried = new CountDownLatch(1);
    BodyHandler<AutoCloseable> handler =
        info ->
            BodySubscribers.mapping(
                BodySubscribers.ofInputStream(),
                in ->
                    () -> {
                      closeTried.countDown();
                      in.close();
                      throw new InterruptedException("close interrupted");
                    });
    CompletableFuture<HttpResponse<AutoCloseable>> call =
        client.sendAsync(get("/late-stream"), handler);
    assertThat(arrived.await(10, SECONDS)).isTrue();
    call.completeExceptionally(new TimeoutException("the caller gave up"));

    release.countDown();

    assertThat(closeTried.await(10, SECONDS)).isTrue();
    assertDrainEndsWithNothingInFlight();
  }

  @Test
  void whenACompletedCallIsCancelledThenNothingChanges() throws Exception {
    CompletableFuture<HttpResponse<String>> call =
        client.sendAsync(get("/ok"), BodyHandlers.ofString());
    assertThat(call.get(10, SECONDS).body()).isEqualTo("ok");

    assertThat(call.cancel(true)).isFalse();

    assertThat(call.isCancelled()).isFalse();
    assertThat(call.get(10, SECONDS).body()).isEqualTo("ok");
    assertDrainEndsWithNothingInFlight();
  }

  // ------------------------------------------------------------ bad requests and handlers

  @Test
  void whenTheJdkClientRejectsTheRequestThenTheErrorReachesTheCallerAndNoUnitStays() {
    HttpRequest connect = new FixedRequest("CONNECT", URI.create(base + "/ok"));

    assertThatThrownBy(() -> client.sendAsync(connect, BodyHandlers.ofString()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CONNECT");
    assertThatThrownBy(() -> client.sendAsync(connect, BodyHandlers.ofString(), null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> client.send(connect, BodyHandlers.ofString()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(coordinator.inflight(UnitKind.OUTBOUND)).isZero();
  }

  @Test
  void whenTheBodyHandlerReturnsNoSubscriberThenTheCallFailsSayingSoAndEnds() {
    BodyHandler<String> broken = info -> null;

    assertThatThrownBy(() -> client.send(get("/ok"), broken))
        .hasStackTraceContaining("the response body handler returned no body subscriber");
    assertThat(coordinator.inflight(UnitKind.OUTBOUND)).isZero();
  }

  @Test
  void whenTheRequestUriHasNoHostOrPathThenTheUnitIsNamedByItsMethod() {
    assertThat(TrackedHttpClient.unitName(new FixedRequest("GET", URI.create("mailto:ops"))))
        .isEqualTo("GET ");
  }

  // ------------------------------------------------------------ wrapped clients not from the JDK

  @Test
  void whenTheWrappedClientAnswersWithoutReadingABodyThenTheCallEndsWhenHandedOver()
      throws Exception {
    HttpClient cache =
        new ForwardingClient(HttpClient.newHttpClient()) {
          @Override
          public <T> HttpResponse<T> send(HttpRequest request, BodyHandler<T> handler) {
            return new CachedResponse<>(request);
          }

          @Override
          public <T> CompletableFuture<HttpResponse<T>> sendAsync(
              HttpRequest request, BodyHandler<T> handler) {
            return CompletableFuture.completedFuture(new CachedResponse<>(request));
          }
        };
    TrackedHttpClient tracked = TrackedHttpClient.wrap(coordinator, "cache", cache);

    assertThat(tracked.send(get("/ok"), BodyHandlers.ofString()).statusCode()).isEqualTo(304);
    assertThat(coordinator.inflight(UnitKind.OUTBOUND)).isZero();
    assertThat(tracked.sendAsync(get("/ok"), BodyHandlers.ofString()).get(10, SECONDS).statusCode())
        .isEqualTo(304);
    assertThat(coordinator.inflight(UnitKind.OUTBOUND)).isZero();
  }

  @Test
  void whenTheWrappedClientIsCloseableThenTheDrainClosesItOnce() throws Exception {
    AtomicInteger closes = new AtomicInteger();
    TrackedHttpClient tracked =
        TrackedHttpClient.wrap(
            coordinator, "closeable", new CloseableClient(() -> closes.incrementAndGet()));

    assertDrainEndsWithNothingInFlight();
    tracked.close();

    assertThat(tracked.isClosed()).isTrue();
    assertThat(closes.get()).isEqualTo(1);
    assertThat(tracked.toString()).contains("closeable, closed");
  }

  @Test
  void whenClosingTheWrappedClientFailsThenCloseSaysSoWithTheClientsName() {
    IOException broken = new IOException("socket trouble");
    TrackedHttpClient checked =
        TrackedHttpClient.wrap(
            coordinator,
            "checked",
            new CloseableClient(
                () -> {
                  throw broken;
                }));
    IllegalStateException unchecked = new IllegalStateException("already broken");
    TrackedHttpClient runtime =
        TrackedHttpClient.wrap(
            coordinator,
            "runtime",
            new CloseableClient(
                () -> {
                  throw unchecked;
                }));

    assertThatThrownBy(checked::close)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("checked: closing the JDK HttpClient failed")
        .hasCause(broken);
    assertThatThrownBy(runtime::close).isSameAs(unchecked);
    assertThat(checked.isClosed()).isTrue();
    assertThat(runtime.isClosed()).isTrue();
    checked.close(); // idempotent: the failure is reported once
  }

  @Test
  void whenClosingTheWrappedClientIsInterruptedThenTheInterruptIsKept() {
    TrackedHttpClient tracked =
        TrackedHttpClient.wrap(
            coordinator,
            "interrupted",
            new CloseableClient(
                () -> {
                  throw new InterruptedException("interrupted while closing");
                }));

    try {
      assertThatThrownBy(tracked::close)
          .isInstanceOf(IllegalStateException.class)
          .hasCauseInstanceOf(InterruptedException.class);
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void whenRegistrationIsRefusedAndClosingFailsTooThenBothAreReported() throws Exception {
    coordinator.startDrain();
    coordinator.whenDrained().get(10, SECONDS);
    IllegalStateException closeFailure = new IllegalStateException("close failed");

    assertThatThrownBy(
            () ->
                TrackedHttpClient.wrap(
                    coordinator,
                    "late",
                    new CloseableClient(
                        () -> {
                          throw closeFailure;
                        })))
        .isInstanceOf(DrainedException.class)
        .hasSuppressedException(closeFailure);
  }

  @Test
  void whenBuiltWithoutANameThenTheDefaultNameIsUsedForItsThreads() throws Exception {
    TrackedHttpClient unnamed =
        TrackedHttpClient.newClient(
            coordinator, HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1));
    CompletableFuture<String> thread = new CompletableFuture<>();

    assertThat(unnamed.send(get("/ok"), BodyHandlers.ofString()).body()).isEqualTo("ok");
    unnamed
        .executor()
        .orElseThrow()
        .execute(() -> thread.complete(Thread.currentThread().getName()));

    assertThat(unnamed.name()).isEqualTo(TrackedHttpClient.DEFAULT_NAME);
    assertThat(thread.get(10, SECONDS)).startsWith(TrackedHttpClient.DEFAULT_NAME + "-worker-");
    assertThat(unnamed.sslParameters()).isNotNull();
    unnamed.close();
    assertThat(((ExecutorService) unnamed.executor().orElseThrow()).isShutdown()).isTrue();
  }

  @Test
  void whenTheBuilderFailsThenTheExecutorMadeForItIsShutDownAndNothingIsRegistered()
      throws Exception {
    AtomicReference<Executor> given = new AtomicReference<>();
    IllegalStateException failure = new IllegalStateException("bad builder");
    HttpClient.Builder builder = new FailingBuilder(given, failure);

    assertThatThrownBy(() -> TrackedHttpClient.newClient(coordinator, "failing", builder))
        .isSameAs(failure);

    assertThat(((ExecutorService) given.get()).isShutdown()).isTrue();
    assertDrainEndsWithNothingInFlight();
  }

  // ------------------------------------------------------------ helpers

  private void assertDrainEndsWithNothingInFlight() throws Exception {
    coordinator.startDrain();
    DrainStatus drained = coordinator.whenDrained().get(10, SECONDS);
    assertThat(drained.forced()).isFalse();
    assertThat(drained.inflight()).isZero();
  }

  private HttpRequest get(String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build();
  }

  private static void respond(HttpExchange exchange, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** What closing a {@link CloseableClient} does. */
  @FunctionalInterface
  interface CloseAction {
    void close() throws Exception;
  }

  /**
   * A request as a caller's own {@link HttpRequest} implementation may be: the JDK builder refuses
   * the method {@code CONNECT} and URIs without a host, a hand-written request does not.
   */
  private static final class FixedRequest extends HttpRequest {
    private final String method;
    private final URI uri;

    FixedRequest(String method, URI uri) {
      this.method = method;
      this.uri = uri;
    }

    @Override
    public Optional<BodyPublisher> bodyPublisher() {
      return Optional.empty();
    }

    @Override
    public String method() {
      return method;
    }

    @Override
    public Optional<Duration> timeout() {
      return Optional.empty();
    }

    @Override
    public boolean expectContinue() {
      return false;
    }

    @Override
    public URI uri() {
      return uri;
    }

    @Override
    public Optional<HttpClient.Version> version() {
      return Optional.empty();
    }

    @Override
    public HttpHeaders headers() {
      return HttpHeaders.of(Map.of(), (name, value) -> true);
    }
  }

  /** A client that forwards to a JDK client: the base of clients not made by the JDK. */
  private static class ForwardingClient extends HttpClient {
    final HttpClient jdk;

    ForwardingClient(HttpClient jdk) {
      this.jdk = jdk;
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
      return jdk.cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
      return jdk.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
      return jdk.followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
      return jdk.proxy();
    }

    @Override
    public SSLContext sslContext() {
      return jdk.sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
      return jdk.sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
      return jdk.authenticator();
    }

    @Override
    public Version version() {
      return jdk.version();
    }

    @Override
    public Optional<Executor> executor() {
      return jdk.executor();
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, BodyHandler<T> handler)
        throws IOException, InterruptedException {
      return jdk.send(request, handler);
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(
        HttpRequest request, BodyHandler<T> handler) {
      return jdk.sendAsync(request, handler);
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(
        HttpRequest request,
        BodyHandler<T> handler,
        HttpResponse.PushPromiseHandler<T> pushPromiseHandler) {
      return jdk.sendAsync(request, handler, pushPromiseHandler);
    }
  }

  /** A closeable client, as the JDK's is from JDK 21 on. */
  // The close may throw InterruptedException on purpose: the test checks the interrupt is kept.
  @SuppressWarnings("try")
  private static final class CloseableClient extends ForwardingClient implements AutoCloseable {
    private final CloseAction onClose;

    CloseableClient(CloseAction onClose) {
      super(HttpClient.newHttpClient());
      this.onClose = onClose;
    }

    @Override
    public void close() throws Exception {
      onClose.close();
    }
  }

  /** A response a caching client answers from memory: 304, no body read from the network. */
  private static final class CachedResponse<T> implements HttpResponse<T> {
    private final HttpRequest request;

    CachedResponse(HttpRequest request) {
      this.request = request;
    }

    @Override
    public int statusCode() {
      return 304;
    }

    @Override
    public HttpRequest request() {
      return request;
    }

    @Override
    public Optional<HttpResponse<T>> previousResponse() {
      return Optional.empty();
    }

    @Override
    public HttpHeaders headers() {
      return HttpHeaders.of(Map.of(), (name, value) -> true);
    }

    @Override
    public T body() {
      return null;
    }

    @Override
    public Optional<SSLSession> sslSession() {
      return Optional.empty();
    }

    @Override
    public URI uri() {
      return request.uri();
    }

    @Override
    public HttpClient.Version version() {
      return HttpClient.Version.HTTP_1_1;
    }
  }

  /** A builder whose build fails, as a misconfigured one can; it records the executor given. */
  private static final class FailingBuilder implements HttpClient.Builder {
    private final HttpClient.Builder real = HttpClient.newBuilder();
    private final AtomicReference<Executor> given;
    private final RuntimeException failure;

    FailingBuilder(AtomicReference<Executor> given, RuntimeException failure) {
      this.given = given;
      this.failure = failure;
    }

    @Override
    public HttpClient.Builder cookieHandler(CookieHandler cookieHandler) {
      real.cookieHandler(cookieHandler);
      return this;
    }

    @Override
    public HttpClient.Builder connectTimeout(Duration duration) {
      real.connectTimeout(duration);
      return this;
    }

    @Override
    public HttpClient.Builder sslContext(SSLContext sslContext) {
      real.sslContext(sslContext);
      return this;
    }

    @Override
    public HttpClient.Builder sslParameters(SSLParameters sslParameters) {
      real.sslParameters(sslParameters);
      return this;
    }

    @Override
    public HttpClient.Builder executor(Executor executor) {
      given.set(executor);
      real.executor(executor);
      return this;
    }

    @Override
    public HttpClient.Builder followRedirects(HttpClient.Redirect policy) {
      real.followRedirects(policy);
      return this;
    }

    @Override
    public HttpClient.Builder version(HttpClient.Version version) {
      real.version(version);
      return this;
    }

    @Override
    public HttpClient.Builder priority(int priority) {
      real.priority(priority);
      return this;
    }

    @Override
    public HttpClient.Builder proxy(ProxySelector proxySelector) {
      real.proxy(proxySelector);
      return this;
    }

    @Override
    public HttpClient.Builder authenticator(Authenticator authenticator) {
      real.authenticator(authenticator);
      return this;
    }

    @Override
    public HttpClient build() {
      throw failure;
    }
  }
}

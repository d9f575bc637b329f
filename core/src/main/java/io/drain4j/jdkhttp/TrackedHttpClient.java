package io.drain4j.jdkhttp;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import io.drain4j.DrainedException;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.PushPromiseHandler;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A JDK {@link HttpClient} whose calls are tracked as {@link UnitKind#OUTBOUND} units of a {@link
 * DrainCoordinator}: the drain waits for them, and the client stays usable until the coordinator is
 * {@link DrainState#DRAINED}, so that requests still in flight during a drain can make the outbound
 * calls they need.
 *
 * <pre>{@code
 * HttpClient http = TrackedHttpClient.newClient(drain, "orders-api",
 *     HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)));
 * HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
 * }</pre>
 *
 * <h2>What is tracked</h2>
 *
 * <p>Every {@code send} and {@code sendAsync} enters one outbound unit named {@code METHOD
 * host/path} (for example {@code GET orders.internal/v1/orders}) when it starts, and exits it
 * exactly once, when the call is over:
 *
 * <ul>
 *   <li>when the response has been handed to the caller ({@code send} returns; the future of {@code
 *       sendAsync} is completed and the callbacks already attached to it have run) and its body has
 *       been received completely, or its body subscriber failed or was cancelled; a body that is
 *       streamed ({@code BodyHandlers.ofInputStream()}, {@code ofLines()}, {@code ofPublisher()})
 *       keeps the call in flight until it has been read to its end or closed, because the
 *       connection is in use until then: close such bodies;
 *   <li>when the call fails, after the failure has been handed to the caller;
 *   <li>when the caller cancels the future returned by {@code sendAsync} (or a future derived from
 *       it): the cancellation is passed on to the JDK client's future, which aborts the exchange
 *       and ends the call; if the response had already arrived, its body is closed when it is
 *       {@link AutoCloseable} (an {@code InputStream} or a {@code Stream}), since nobody can read
 *       it any more.
 * </ul>
 *
 * <p>Not tracked: websockets opened through {@link #newWebSocketBuilder()} (end them from a {@link
 * io.drain4j.DrainListener}) and HTTP/2 server pushes.
 *
 * <h2>During the drain</h2>
 *
 * <p>The client registers itself with {@link DrainCoordinator#registerOutboundClient} when it is
 * created. Calls are admitted in every state but {@link DrainState#DRAINED}. When the coordinator
 * closes its outbound clients (after the work in flight reached zero, or at the deadline) it calls
 * {@link #close()}: from then on every call fails at once with a {@link DrainedException} naming
 * this client; {@code send} throws it, {@code sendAsync} returns a future completed with it.
 *
 * <h2>Closing the JDK client</h2>
 *
 * <p>{@link #close()} closes the wrapped client when the running JDK's {@code HttpClient} is {@link
 * AutoCloseable} (JDK 21 and later, where that waits for its exchanges to end), and shuts down the
 * executor that {@link #newClient} created. On JDK 17 the JDK client has no close: its selector
 * thread (a daemon thread) ends when the client becomes unreachable. Because this class is compiled
 * for Java 17, on JDK 21 and later its {@code shutdown()}, {@code shutdownNow()}, {@code
 * awaitTermination(Duration)} and {@code isTerminated()} are {@code HttpClient}'s defaults, which
 * do nothing: use {@link #close()}.
 */
public final class TrackedHttpClient extends HttpClient implements AutoCloseable {

  /** The name used for logs and messages when none is given: {@value}. */
  public static final String DEFAULT_NAME = "jdk-http-client";

  private final String name;
  private final HttpClient delegate;
  private final DrainCoordinator coordinator;

  /** The executor {@link #newClient} created, shut down on close; {@code null} for wrap. */
  private final ExecutorService ownedExecutor;

  private final AtomicBoolean closing = new AtomicBoolean();
  private volatile boolean closed;

  /** Undone on close, so that a client closed before the drain is not held by the coordinator. */
  private volatile DrainCoordinator.Registration registration;

  private TrackedHttpClient(
      DrainCoordinator coordinator,
      String name,
      HttpClient delegate,
      ExecutorService ownedExecutor) {
    this.coordinator = coordinator;
    this.name = name;
    this.delegate = delegate;
    this.ownedExecutor = ownedExecutor;
  }

  /**
   * Wraps a JDK client so that its calls are tracked, under the name {@value #DEFAULT_NAME}, and
   * registers the wrapper with the coordinator. See {@link #wrap(DrainCoordinator, String,
   * HttpClient)}.
   *
   * @param coordinator the coordinator that tracks the calls; must not be {@code null}
   * @param delegate the client that makes the calls; must not be {@code null}
   * @return the tracking client, open until the coordinator closes it
   * @throws DrainedException when the coordinator is already drained
   */
  public static TrackedHttpClient wrap(DrainCoordinator coordinator, HttpClient delegate) {
    return wrap(coordinator, DEFAULT_NAME, delegate);
  }

  /**
   * Wraps a JDK client so that its calls are tracked, and registers the wrapper with the
   * coordinator as an outbound client. Make every call through the wrapper: calls made on the
   * delegate directly are not tracked. Closing the wrapper closes the delegate (JDK 21 and later).
   *
   * @param coordinator the coordinator that tracks the calls; must not be {@code null}
   * @param name a name for logs and messages, such as {@code orders-api}; must not be {@code null}
   *     or blank
   * @param delegate the client that makes the calls; must not be {@code null}
   * @return the tracking client, open until the coordinator closes it
   * @throws IllegalArgumentException when the name is blank
   * @throws DrainedException when the coordinator is already drained
   */
  public static TrackedHttpClient wrap(
      DrainCoordinator coordinator, String name, HttpClient delegate) {
    Objects.requireNonNull(coordinator, "coordinator");
    Objects.requireNonNull(delegate, "delegate");
    return register(new TrackedHttpClient(coordinator, checkName(name), delegate, null));
  }

  /**
   * Builds a JDK client from the builder, with an executor of its own, named {@value
   * #DEFAULT_NAME}. See {@link #newClient(DrainCoordinator, String, HttpClient.Builder)}.
   *
   * @param coordinator the coordinator that tracks the calls; must not be {@code null}
   * @param builder the configured builder; must not be {@code null}; its executor is replaced
   * @return the tracking client, open until the coordinator closes it
   * @throws DrainedException when the coordinator is already drained
   */
  public static TrackedHttpClient newClient(
      DrainCoordinator coordinator, HttpClient.Builder builder) {
    return newClient(coordinator, DEFAULT_NAME, builder);
  }

  /**
   * Builds a JDK client from the builder and wraps it as {@link #wrap(DrainCoordinator, String,
   * HttpClient)} does. The builder's executor is replaced by one that this client owns: a cached
   * pool of daemon threads named {@code <name>-worker-<n>}, shut down when the client is closed, so
   * that nothing of the client outlives the drain. The builder is changed by this call.
   *
   * @param coordinator the coordinator that tracks the calls; must not be {@code null}
   * @param name a name for logs, messages and thread names; must not be {@code null} or blank
   * @param builder the configured builder; must not be {@code null}; its executor is replaced
   * @return the tracking client, open until the coordinator closes it
   * @throws IllegalArgumentException when the name is blank
   * @throws DrainedException when the coordinator is already drained
   */
  public static TrackedHttpClient newClient(
      DrainCoordinator coordinator, String name, HttpClient.Builder builder) {
    Objects.requireNonNull(coordinator, "coordinator");
    Objects.requireNonNull(builder, "builder");
    String checked = checkName(name);
    ExecutorService executor = newExecutor(checked);
    HttpClient delegate;
    try {
      delegate = builder.executor(executor).build();
    } catch (RuntimeException | Error e) {
      executor.shutdown();
      throw e;
    }
    return register(new TrackedHttpClient(coordinator, checked, delegate, executor));
  }

  private static TrackedHttpClient register(TrackedHttpClient client) {
    try {
      client.registration = client.coordinator.registerOutboundClient(client.name, client);
    } catch (RuntimeException e) {
      try {
        client.close();
      } catch (RuntimeException closeFailure) {
        e.addSuppressed(closeFailure);
      }
      throw e;
    }
    return client;
  }

  private static String checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank");
    }
    return name;
  }

  /** A cached pool like the JDK client's default one, but with daemon threads this class owns. */
  private static ExecutorService newExecutor(String name) {
    AtomicInteger count = new AtomicInteger();
    return new ThreadPoolExecutor(
        0,
        Integer.MAX_VALUE,
        60L,
        TimeUnit.SECONDS,
        new SynchronousQueue<>(),
        task -> {
          Thread t = new Thread(task, name + "-worker-" + count.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  /**
   * The name given when the client was created, used in logs and messages.
   *
   * @return never {@code null}
   */
  public String name() {
    return name;
  }

  /**
   * Whether the client has been closed (by the drain or by {@link #close()}); calls then fail with
   * {@link DrainedException}.
   *
   * @return {@code true} once closed
   */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Closes the client: from now on every call fails at once with {@link DrainedException}; calls in
   * flight run on. Then closes the wrapped client when it is {@link AutoCloseable} (JDK 21 and
   * later; that waits for its exchanges to end) and shuts down the executor created by {@link
   * #newClient}. A client closed before the drain also withdraws its registration, so the
   * coordinator no longer holds it (on JDK 17 its selector thread ends once it is unreachable).
   * Called by the coordinator during the drain; idempotent.
   *
   * @throws IllegalStateException when closing the wrapped client failed with a checked exception
   */
  @Override
  public void close() {
    closed = true;
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    DrainCoordinator.Registration r = registration;
    if (r != null) {
      r.close();
    }
    try {
      // A plain instanceof: HttpClient is AutoCloseable from JDK 21 on; on 17 this is false.
      if (delegate instanceof AutoCloseable c) {
        c.close();
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException(name + ": closing the JDK HttpClient failed", e);
    } finally {
      if (ownedExecutor != null) {
        ownedExecutor.shutdown();
      }
    }
  }

  // ---------------------------------------------------------------- calls

  /**
   * Sends the request through the wrapped client, tracked as an outbound unit until the response
   * body has been received (or closed) or the call failed.
   *
   * @param request the request; must not be {@code null}
   * @param responseBodyHandler the response body handler; must not be {@code null}
   * @param <T> the response body type
   * @return the response
   * @throws DrainedException at once when the client is closed or the coordinator drained
   * @throws IOException when the wrapped client fails to send or receive
   * @throws InterruptedException when interrupted while waiting
   */
  @Override
  public <T> HttpResponse<T> send(HttpRequest request, BodyHandler<T> responseBodyHandler)
      throws IOException, InterruptedException {
    TrackedCall<T> call = begin(request, responseBodyHandler);
    HttpResponse<T> response;
    try {
      response = delegate.send(request, call);
    } catch (Throwable t) {
      call.exit();
      throw t;
    }
    call.handedOver();
    return response;
  }

  /**
   * Sends the request asynchronously through the wrapped client, tracked as an outbound unit until
   * the response body has been received (or closed), the call failed, or the caller cancelled the
   * returned future.
   *
   * @param request the request; must not be {@code null}
   * @param responseBodyHandler the response body handler; must not be {@code null}
   * @param <T> the response body type
   * @return the response future; completed exceptionally with {@link DrainedException} at once when
   *     the client is closed or the coordinator drained; cancelling it (or a future derived from
   *     it) cancels the call
   */
  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request, BodyHandler<T> responseBodyHandler) {
    return sendAsync(request, responseBodyHandler, null, false);
  }

  /**
   * Sends the request asynchronously through the wrapped client, with a push promise handler,
   * tracked as {@link #sendAsync(HttpRequest, BodyHandler)} is. Pushed responses are not tracked.
   *
   * @param request the request; must not be {@code null}
   * @param responseBodyHandler the response body handler; must not be {@code null}
   * @param pushPromiseHandler the push promise handler; {@code null} rejects push promises
   * @param <T> the response body type
   * @return the response future; completed exceptionally with {@link DrainedException} at once when
   *     the client is closed or the coordinator drained; cancelling it cancels the call
   */
  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request,
      BodyHandler<T> responseBodyHandler,
      PushPromiseHandler<T> pushPromiseHandler) {
    return sendAsync(request, responseBodyHandler, pushPromiseHandler, true);
  }

  private <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request,
      BodyHandler<T> responseBodyHandler,
      PushPromiseHandler<T> pushPromiseHandler,
      boolean withPushPromises) {
    TrackedCall<T> call;
    try {
      call = begin(request, responseBodyHandler);
    } catch (DrainedException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<HttpResponse<T>> source;
    try {
      source =
          withPushPromises
              ? delegate.sendAsync(request, call, pushPromiseHandler)
              : delegate.sendAsync(request, call);
    } catch (RuntimeException | Error e) {
      call.exit();
      throw e;
    }
    CallFuture<HttpResponse<T>> result = new CallFuture<>(source);
    // finish() completes result with the outcome either way; this stage has nothing to report.
    CompletableFuture<?> unused =
        source.whenComplete((response, failure) -> call.finish(response, failure, result));
    return result;
  }

  /** Admits a call, or throws the {@link DrainedException} the caller must see. */
  private <T> TrackedCall<T> begin(HttpRequest request, BodyHandler<T> responseBodyHandler) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(responseBodyHandler, "responseBodyHandler");
    if (closed) {
      throw refused(request, null);
    }
    InFlight unit;
    try {
      unit = coordinator.enter(UnitKind.OUTBOUND, unitName(request));
    } catch (DrainedException e) {
      throw refused(request, e);
    }
    // Checked again after entering: the drain may have closed this client in between.
    if (closed) {
      unit.exit();
      throw refused(request, null);
    }
    return new TrackedCall<>(unit, responseBodyHandler);
  }

  private DrainedException refused(HttpRequest request, DrainedException cause) {
    if (cause == null) {
      return new DrainedException(
          "drain4j: outbound client "
              + name
              + " is closed (the application is drained or shutting down); "
              + unitName(request)
              + " refused");
    }
    DrainedException e =
        new DrainedException(
            "drain4j: the application is drained; outbound client "
                + name
                + " refused "
                + unitName(request));
    e.initCause(cause);
    return e;
  }

  /** {@code METHOD host/path}: cheap to build, without the query, which may carry secrets. */
  static String unitName(HttpRequest request) {
    URI uri = request.uri();
    String host = uri.getHost();
    String path = uri.getRawPath();
    return request.method() + ' ' + (host == null ? "" : host) + (path == null ? "" : path);
  }

  // ---------------------------------------------------------------- configuration (delegated)

  /**
   * The wrapped client's cookie handler.
   *
   * @return the cookie handler, empty when none is set
   */
  @Override
  public Optional<CookieHandler> cookieHandler() {
    return delegate.cookieHandler();
  }

  /**
   * The wrapped client's connect timeout.
   *
   * @return the connect timeout, empty when none is set
   */
  @Override
  public Optional<Duration> connectTimeout() {
    return delegate.connectTimeout();
  }

  /**
   * The wrapped client's redirect policy.
   *
   * @return never {@code null}
   */
  @Override
  public Redirect followRedirects() {
    return delegate.followRedirects();
  }

  /**
   * The wrapped client's proxy selector.
   *
   * @return the proxy selector, empty when none is set
   */
  @Override
  public Optional<ProxySelector> proxy() {
    return delegate.proxy();
  }

  /**
   * The wrapped client's SSL context.
   *
   * @return never {@code null}
   */
  @Override
  public SSLContext sslContext() {
    return delegate.sslContext();
  }

  /**
   * A copy of the wrapped client's SSL parameters.
   *
   * @return never {@code null}
   */
  @Override
  public SSLParameters sslParameters() {
    return delegate.sslParameters();
  }

  /**
   * The wrapped client's authenticator.
   *
   * @return the authenticator, empty when none is set
   */
  @Override
  public Optional<Authenticator> authenticator() {
    return delegate.authenticator();
  }

  /**
   * The wrapped client's preferred HTTP version.
   *
   * @return never {@code null}
   */
  @Override
  public Version version() {
    return delegate.version();
  }

  /**
   * The wrapped client's executor; for a client made by {@link #newClient}, the executor this
   * client owns.
   *
   * @return the executor, empty when the wrapped client uses its default one
   */
  @Override
  public Optional<Executor> executor() {
    return delegate.executor();
  }

  /**
   * The wrapped client's websocket builder. Websockets are long-lived and not tracked: end them
   * from a {@link io.drain4j.DrainListener}.
   *
   * @return a websocket builder
   * @throws UnsupportedOperationException when the wrapped client has no websocket support
   */
  @Override
  public WebSocket.Builder newWebSocketBuilder() {
    return delegate.newWebSocketBuilder();
  }

  /**
   * Describes the client for logs.
   *
   * @return the name, whether closed, and the wrapped client
   */
  @Override
  public String toString() {
    return "TrackedHttpClient[" + name + (closed ? ", closed" : "") + ", " + delegate + "]";
  }
}

package io.drain4j;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;

/**
 * The shutdown coordinator: tracks the inbound requests, outbound calls and background tasks in
 * flight, runs the drain lifecycle of {@link DrainState}, and keeps registered outbound clients
 * open until the application's own work is done.
 *
 * <p>One coordinator per application. Create it with {@link #fromEnvironment()} (configuration from
 * {@code drain4j.*} system properties and {@code DRAIN4J_*} environment variables) or with {@link
 * #builder()}:
 *
 * <pre>{@code
 * DrainCoordinator drain = DrainCoordinator.builder()
 *     .propagationDelay(Duration.ofSeconds(5))
 *     .deadline(Duration.ofSeconds(25))
 *     .build();                       // status endpoint on 127.0.0.1:9401, SIGTERM hook installed
 *
 * InFlight unit = drain.admitInbound("GET /orders");
 * if (unit == null) { respond503(); return; }
 * try { handle(); } finally { unit.exit(); }
 * }</pre>
 *
 * <p>All methods are thread-safe. The drain is started by {@link #startDrain()}, by the JVM
 * shutdown hook (SIGTERM), by {@code POST /drain} on the status endpoint, or by a framework
 * integration; every trigger is idempotent and the drain runs once.
 */
public interface DrainCoordinator extends AutoCloseable {

  /**
   * A builder with the defaults of the design contract: propagation delay 5 s, deadline 25 s,
   * status endpoint on {@code 127.0.0.1:9401}, JVM shutdown hook on.
   *
   * @return a new builder, never {@code null}
   */
  static DrainCoordinatorBuilder builder() {
    return new DrainCoordinatorBuilder();
  }

  /**
   * Builds a coordinator configured from {@code DRAIN4J_*} environment variables and {@code
   * drain4j.*} system properties (system properties win).
   *
   * @return a started coordinator, never {@code null}
   * @throws DrainConfigException when a value is invalid; the message names the key, the value and
   *     what is accepted
   */
  static DrainCoordinator fromEnvironment() {
    return builder().configureFromEnvironment().build();
  }

  /**
   * Admits a unit of work of any kind. Units are admitted in every state but {@link
   * DrainState#DRAINED}: outbound calls and background tasks started by requests in flight must be
   * allowed while quiescing. Servers should use {@link #admitInbound(String)} instead, which also
   * applies the quiescing policy.
   *
   * @param kind the kind of unit; must not be {@code null}
   * @param name a short name for reports, such as {@code GET /orders}; {@code null} for none
   * @return the admitted unit; call {@link InFlight#exit()} exactly when the work ends
   * @throws DrainedException when the coordinator is drained
   */
  InFlight enter(UnitKind kind, String name);

  /**
   * Asks whether a new inbound request may be served now and, if so, admits it. Answers {@code
   * null} from {@link DrainState#QUIESCING} on: the caller must then answer {@code 503} with {@code
   * Connection: close} and {@code Retry-After: 1}; the refusal is counted in {@link
   * #rejectedCount()}. Whether the response must close its connection is told by {@link
   * #isDraining()}, asked when the response is committed.
   *
   * @param name a short name for reports, such as {@code GET /orders}; {@code null} for none
   * @return the admitted unit, or {@code null} when the request must be refused
   */
  InFlight admitInbound(String name);

  /**
   * Whether the drain has started: readiness fails, HTTP/1.1 responses must carry {@code
   * Connection: close} and HTTP/2 connections must be sent a GOAWAY.
   *
   * @return {@code true} in every state but {@link DrainState#SERVING}
   */
  boolean isDraining();

  /**
   * The current state.
   *
   * @return never {@code null}
   */
  DrainState state();

  /**
   * A snapshot of the drain: state, units in flight per kind, ages and timings.
   *
   * @return never {@code null}
   */
  DrainStatus status();

  /**
   * Units of one kind in flight now.
   *
   * @param kind the kind; must not be {@code null}
   * @return the count, 0 or more
   */
  int inflight(UnitKind kind);

  /**
   * Inbound requests refused (answered {@code 503}) since the coordinator was built.
   *
   * @return the count, 0 or more
   */
  long rejectedCount();

  /**
   * Starts the drain. Idempotent: any number of calls, from any number of threads and triggers,
   * start it once.
   *
   * @return {@code true} when this call started the drain, {@code false} when it had started
   */
  boolean startDrain();

  /**
   * Starts the drain, as {@link #startDrain()}, and says what started it: the call that starts the
   * drain logs {@code trigger} once at INFO, so that the log tells who drained the process.
   *
   * <p>The default implementation only calls {@link #startDrain()}.
   *
   * @param trigger what asks for the drain, for example {@code "actuator endpoint, principal
   *     alice"}; must not be {@code null}
   * @return {@code true} when this call started the drain, {@code false} when it had started
   */
  default boolean startDrain(String trigger) {
    Objects.requireNonNull(trigger, "trigger");
    return startDrain();
  }

  /**
   * A future completed when the drain starts ({@link DrainState#DRAINING}). Each call returns a new
   * dependent future; completing or cancelling it does not affect the coordinator.
   *
   * @return never {@code null}
   */
  CompletableFuture<Void> whenDraining();

  /**
   * A future completed when {@link DrainState#QUIESCING} begins (or at once with {@link
   * DrainState#DRAINED} if the deadline came first). Each call returns a new dependent future.
   *
   * @return never {@code null}
   */
  CompletableFuture<Void> whenQuiescing();

  /**
   * A future completed with the final status when {@link DrainState#DRAINED} is reported. Each call
   * returns a new dependent future.
   *
   * @return never {@code null}
   */
  CompletableFuture<DrainStatus> whenDrained();

  /**
   * Blocks until the coordinator is drained or the timeout passes.
   *
   * @param timeout how long to wait at most; must not be {@code null} or negative
   * @return {@code true} when drained, {@code false} on timeout
   * @throws InterruptedException when the waiting thread is interrupted
   */
  boolean awaitDrained(Duration timeout) throws InterruptedException;

  /**
   * Adds a listener for the drain's transitions. A transition that already happened is delivered at
   * once, on the calling thread; later ones on drain4j's callback threads (see {@link
   * DrainListener}).
   *
   * @param listener the listener; must not be {@code null}
   */
  void addListener(DrainListener listener);

  /**
   * Registers a client (HTTP client, connection pool, event loop group) that must stay open until
   * the application's work is done. Registered clients are closed after the units in flight reached
   * zero (or at the deadline), in reverse order of registration, each close bounded by the outbound
   * close timeout (a failure or a timeout is logged), and before {@link DrainState#DRAINED} is
   * reported.
   *
   * <p>The coordinator holds the client until the drain closes it, so a client that the application
   * closes or drops earlier must be deregistered: close the returned registration (clients of
   * drain4j's own, such as {@code TrackedHttpClient}, do it in their {@code close()}).
   *
   * @param name a name for logs; must not be {@code null}
   * @param client closed once during the drain; must not be {@code null}
   * @return the registration; closing it forgets the client without closing it; never {@code null}
   * @throws DrainedException when the coordinator is already drained
   */
  Registration registerOutboundClient(String name, AutoCloseable client);

  /**
   * An outbound client's registration with the coordinator, from {@link
   * #registerOutboundClient(String, AutoCloseable)}.
   */
  interface Registration extends AutoCloseable {
    /**
     * Forgets the client: the drain will not close it, and the coordinator no longer refers to it.
     * Does not close the client. Idempotent; harmless once the drain has closed the client.
     */
    @Override
    void close();
  }

  /**
   * Wraps an executor so that every task submitted through the wrapper is tracked as a {@link
   * UnitKind#BACKGROUND} unit, from submission until the task ends. After the coordinator is
   * drained, submission fails with {@link DrainedException}.
   *
   * @param executor the executor that runs the tasks; must not be {@code null}
   * @return the tracking wrapper
   */
  Executor trackExecutor(Executor executor);

  /**
   * Wraps an executor service so that every task submitted through the wrapper is tracked as a
   * {@link UnitKind#BACKGROUND} unit, from submission until the task ends or is cancelled. Shutting
   * the wrapper down shuts the delegate down.
   *
   * @param executor the executor service that runs the tasks; must not be {@code null}
   * @return the tracking wrapper
   */
  ExecutorService trackExecutorService(ExecutorService executor);

  /**
   * The configured propagation delay.
   *
   * @return never {@code null}
   */
  Duration propagationDelay();

  /**
   * The configured deadline, counted from the start of the drain.
   *
   * @return never {@code null}
   */
  Duration deadline();

  /**
   * The address the status endpoint is bound to (with the actual port when configured as 0).
   *
   * @return the bound address, or {@code null} when the status endpoint is disabled
   */
  InetSocketAddress statusAddress();

  /**
   * Bounds the process's exit once the JVM is shutting down (DESIGN invariant 7): when {@link
   * DrainState#DRAINED} has been reached and the JVM still runs {@code grace} later (a shutdown
   * hook or a framework's own stop blocks), halts it with {@link Runtime#halt(int)
   * Runtime.halt(143)}, the status a SIGTERM gives, after logging which non-daemon threads were
   * still alive. drain4j's own JVM shutdown hook arms this with 900 ms; a framework that runs the
   * drain from its own shutdown hook (Spring) calls it from there. Does nothing when the JVM is not
   * shutting down, so a drain started by {@code POST /drain} never halts a running process.
   * Idempotent: the first call that arms the bound wins.
   *
   * @param grace how long after DRAINED the JVM may take to exit; must not be {@code null} or
   *     negative
   * @return {@code true} when the bound was armed by this call, {@code false} when the JVM is not
   *     shutting down or the bound was armed before
   */
  boolean haltAfterDrained(Duration grace);

  /**
   * Ends the coordinator's life. In {@link DrainState#SERVING} this ends the lifecycle at once:
   * admission closes, the state becomes {@link DrainState#DRAINED} (forced when units are still in
   * flight, which the WARN report lists), listeners and futures complete, registered outbound
   * clients are closed; a later {@link #startDrain()} returns {@code false}. During a drain it
   * starts nothing and stops nothing: the drain runs on to DRAINED, and the status endpoint and the
   * timer stop only then, so that the sidecar's {@code /drain/await} is never answered early. Then
   * it stops the status endpoint and the timer thread and removes the JVM shutdown hook. Returns
   * without waiting for a drain. Idempotent.
   */
  @Override
  void close();
}

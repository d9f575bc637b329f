package io.drain4j.status;

import com.sun.net.httpserver.HttpServer;
import io.drain4j.DrainCoordinator;
import io.drain4j.DrainListener;
import io.drain4j.DrainStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status endpoint of a {@link DrainCoordinator}: a small HTTP/1.1 server on the JDK's built-in
 * {@code com.sun.net.httpserver}, separate from the application's port so that it stays up while
 * that port stops accepting. The coordinator starts it when {@code drain4j.status.enabled} is on
 * (default bind {@code 127.0.0.1:9401}) and closes it when it is closed.
 *
 * <table>
 *   <caption>Requests</caption>
 *   <tr><th>request</th><th>answer</th></tr>
 *   <tr><td>{@code GET /ready}</td><td>200 {@code ready} in SERVING, 503 otherwise</td></tr>
 *   <tr><td>{@code GET /live}</td><td>200 {@code live}</td></tr>
 *   <tr><td>{@code GET /drain}</td><td>200 when DRAINED, 503 before; the JSON of
 *       {@link io.drain4j.DrainStatus#toJson()}</td></tr>
 *   <tr><td>{@code POST /drain}</td><td>starts the drain; 202 with the JSON status (which may
 *       already say DRAINED when nothing was in flight), 200 when the drain was complete before
 *       this request; only from exactly {@code 127.0.0.1} or {@code ::1}, else
 *       403 (a mesh's inbound passthrough arrives from {@code 127.0.0.6})</td></tr>
 *   <tr><td>{@code GET /drain/await?timeout=30s}</td><td>200 with the JSON status once DRAINED,
 *       503 with it when the timeout passes first; the timeout is written like the configuration's
 *       durations ({@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}, {@code PT5S}), defaults to
 *       the remaining deadline plus one second, which also caps any longer one, and a bad one is
 *       answered 400; at most 256 waiters at once, 429 with {@code Retry-After: 1} beyond, except
 *       for a poll from exactly {@code 127.0.0.1} or {@code ::1} once the drain started, which
 *       takes the place of the oldest waiter; a waiter whose client went away frees its place
 *       within about a second</td></tr>
 *   <tr><td>any other path</td><td>404</td></tr>
 *   <tr><td>any other method</td><td>405 with {@code Allow}</td></tr>
 * </table>
 *
 * <p>{@code HEAD} is allowed wherever {@code GET} is and answers the same status and headers
 * without a body ({@code HEAD /drain/await} waits as {@code GET} does). Plain endpoints answer
 * {@code text/plain}, {@code /drain} and {@code /drain/await} answer {@code application/json};
 * every answer carries {@code Cache-Control: no-store}.
 *
 * <p><b>Long polls</b> hold no thread: {@code /drain/await} parks the exchange and returns its
 * worker; the drain's end or the waiter's timeout, both handled on the endpoint's single timer
 * thread, answers it exactly once.
 *
 * <p><b>Hostile or broken clients.</b> Requests are read and answered by four worker threads with a
 * queue of 64; beyond that, new requests get their connection closed. A request must be fully read
 * (request line, headers, body) within 5 s of its first bytes, or its connection is closed: the JDK
 * server reads requests with blocking reads and, by default, no time limit, so the endpoint
 * enforces this itself by interrupting the worker (its socket channel is interruptible). Request
 * bodies are read up to 8 KiB; a larger one is answered 413 and the connection closed. The JDK
 * server's own limits apply on top: request headers at most {@code
 * sun.net.httpserver.maxReqHeaderSize} (380 KB; an oversized request line or header closes the
 * connection) and {@code sun.net.httpserver.maxReqHeaders} (200), idle connections closed after
 * {@code sun.net.httpserver.idleInterval} (30 s), a connection that never sends a byte costs a
 * socket but no thread until then. So the endpoint uses at most six threads of its own (four
 * workers, the timer, the JDK's dispatcher) plus the JDK's idle-connection timer, all daemon
 * threads: the endpoint never keeps a JVM alive. The number of open connections itself is bounded
 * only by that idle timeout and {@code jdk.httpserver.maxConnections} (unset by default); set it
 * where untrusted local processes could open sockets by the thousand.
 *
 * <p>The endpoint deliberately sets no {@code sun.net.httpserver.*} system property: those are read
 * once per JVM and apply to every {@code HttpServer} in it, including an application's own; {@code
 * maxRspTime} in particular would cut the long polls of {@code /drain/await}. Do not set {@code
 * sun.net.httpserver.maxRspTime} in a JVM that serves this endpoint.
 */
public final class StatusEndpoint implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StatusEndpoint.class);

  private final HttpServer server;
  private final InetSocketAddress address;
  private final RequestExecutor workers;
  private final ScheduledThreadPoolExecutor timer;
  private final DrainWaiters waiters;
  private final AtomicBoolean closed = new AtomicBoolean();

  private StatusEndpoint(DrainCoordinator coordinator, HttpServer server, Limits limits) {
    this.server = server;
    this.timer =
        new ScheduledThreadPoolExecutor(1, new StatusThreads("drain4j-status-timer-", this));
    timer.setRemoveOnCancelPolicy(true);
    timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.workers =
        new RequestExecutor(limits, timer, new StatusThreads("drain4j-status-worker-", this));
    this.waiters =
        new DrainWaiters(
            coordinator,
            timer,
            new StatusThreads("drain4j-status-sweeper-", this),
            limits.maxWaiters());
    try {
      server.setExecutor(workers);
      server.createContext("/", new StatusHandler(coordinator, waiters, limits.maxBodyBytes()));
      // Started from the timer's daemon thread, whose daemon status the JDK's dispatcher thread
      // inherits.
      timer.submit(server::start).get();
      this.address = server.getAddress();
      // One registration for all waiters, as a listener rather than on whenDrained(): a listener
      // hears of DRAINED at once, where the future waits for slow listeners. Answering hops to the
      // endpoint's timer thread so that no drain4j callback thread writes to a socket.
      coordinator.addListener(
          new DrainListener() {
            @Override
            public void onDrained(DrainStatus status) {
              if (closed.get()) {
                return;
              }
              try {
                timer.execute(waiters::onDrained);
              } catch (RejectedExecutionException e) {
                // closed meanwhile; close() answered the waiters
              }
            }

            @Override
            public String toString() {
              return "StatusEndpoint[" + address + "]";
            }
          });
    } catch (InterruptedException e) {
      stopThreads();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the status endpoint", e);
    } catch (ExecutionException e) {
      stopThreads();
      throw new IllegalStateException("the status endpoint did not start", e.getCause());
    } catch (RuntimeException | Error e) {
      stopThreads();
      throw e;
    }
  }

  private void stopThreads() {
    waiters.stopSweeping();
    workers.shutdownNow();
    timer.shutdownNow();
  }

  /**
   * Binds the endpoint and starts serving the coordinator's status.
   *
   * @param coordinator the coordinator to publish and to drain on {@code POST /drain}; must not be
   *     {@code null}
   * @param bind the address and port to bind; port 0 picks a free port (see {@link #address()});
   *     must not be {@code null}
   * @return the running endpoint, never {@code null}
   * @throws java.io.UncheckedIOException naming the address when it cannot be bound (in use, not
   *     local, unresolved)
   */
  public static StatusEndpoint start(DrainCoordinator coordinator, InetSocketAddress bind) {
    return start(coordinator, bind, Limits.DEFAULT);
  }

  static StatusEndpoint start(DrainCoordinator coordinator, InetSocketAddress bind, Limits limits) {
    Objects.requireNonNull(coordinator, "coordinator");
    Objects.requireNonNull(bind, "bind");
    HttpServer server;
    try {
      server = HttpServer.create(bind, limits.backlog());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "drain4j status endpoint cannot bind "
              + describe(bind)
              + ": "
              + e.getMessage()
              + " (set drain4j.status.address / drain4j.status.port, port 0 picks a"
              + " free port, or drain4j.status.enabled=false)",
          e);
    }
    try {
      StatusEndpoint endpoint = new StatusEndpoint(coordinator, server, limits);
      log.debug("drain4j status endpoint listening on {}", endpoint.address);
      return endpoint;
    } catch (RuntimeException | Error e) {
      server.stop(0);
      throw e;
    }
  }

  private static String describe(InetSocketAddress a) {
    String host = a.isUnresolved() ? a.getHostString() : a.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  /**
   * The address the endpoint is bound to, with the actual port when it was bound to port 0.
   *
   * @return never {@code null}; unchanged after {@link #close()}
   */
  public InetSocketAddress address() {
    return address;
  }

  /**
   * Stops the endpoint: answers parked {@code /drain/await} requests with the current status and
   * lets answers already being written finish (bounded to about a second each), then closes the
   * listening socket and every connection, and stops the endpoint's threads (waiting for them up to
   * a few seconds, unless called from one of them). Idempotent; does not drain.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    boolean own = StatusThreads.isOwnedBy(this);
    // The sockets close below, and the JVM often exits right after: a long poll answered in half
    // is what a preStop hook must never see. The timer thread writes the drained answers, so the
    // rest are answered behind it, and the workers finish what they are writing.
    if (own) {
      waiters.close();
    } else {
      answerWaitersOnTimer();
    }
    workers.shutdown();
    try {
      if (!own && !workers.awaitTermination(1, TimeUnit.SECONDS)) {
        log.warn("drain4j status endpoint: answers still being written after 1 s were cut");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.stop(0);
    stopThreads();
    if (own) {
      return; // a thread cannot wait for its own end
    }
    try {
      if (!workers.awaitTermination(2, TimeUnit.SECONDS)
          || !timer.awaitTermination(2, TimeUnit.SECONDS)) {
        log.warn("drain4j status endpoint threads did not stop within 2 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.debug(
        "drain4j status endpoint on {} closed; {} connection(s) had been closed as the"
            + " endpoint was busy, {} request(s) as they were not read within the deadline",
        address,
        workers.refused(),
        workers.expired());
  }

  private void answerWaitersOnTimer() {
    try {
      timer.submit(waiters::close).get(1, TimeUnit.SECONDS);
    } catch (RejectedExecutionException | ExecutionException e) {
      waiters.close();
    } catch (TimeoutException e) {
      log.warn("drain4j status endpoint: /drain/await answers not written within 1 s were cut");
      waiters.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      waiters.close();
    }
  }

  /** Parked {@code /drain/await} polls, for tests. */
  int parkedWaiters() {
    return waiters.parkedCount();
  }

  @Override
  public String toString() {
    return "StatusEndpoint[" + address + (closed.get() ? ", closed]" : "]");
  }
}

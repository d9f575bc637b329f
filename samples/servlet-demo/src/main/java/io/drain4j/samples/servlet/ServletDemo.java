package io.drain4j.samples.servlet;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainStatus;
import io.drain4j.jdkhttp.TrackedHttpClient;
import io.drain4j.servlet.DrainFilter;
import io.drain4j.servlet.jetty.JettyDrain;
import jakarta.servlet.DispatcherType;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servlet demo: embedded Jetty 12 serving {@code /work}, {@code /call}, {@code /job} and {@code
 * /stream} behind {@link DrainFilter}, with {@link JettyDrain} connector control, the status
 * endpoint, a tracked JDK {@code HttpClient} for {@code /call} and a tracked executor for {@code
 * /job}.
 *
 * <p>Environment: {@code PORT} (default 8080), {@code UPSTREAM_URL}, the {@code DRAIN4J_*}
 * settings, and {@code DRAIN4J_ENABLED=false} to run the same server without drain4j at all.
 *
 * <p>Shutdown: SIGTERM runs drain4j's JVM hook, which drains and keeps the JVM alive until DRAINED;
 * the demo's own hook waits for DRAINED as well and only then stops Jetty, so the last responses
 * are written out. Jetty's own stop-at-shutdown hook is off, since it would stop the server at
 * once.
 */
public final class ServletDemo {

  private static final Logger log = LoggerFactory.getLogger(ServletDemo.class);

  private static final int JOB_THREADS = 16;
  private static final int JOB_QUEUE = 10_000;

  /** Without drain4j: how long Jetty's graceful stop waits for requests in flight (Boot's 30 s). */
  private static final Duration GRACEFUL_STOP_TIMEOUT = Duration.ofSeconds(30);

  private ServletDemo() {}

  /**
   * Starts the demo and returns when the server has stopped.
   *
   * @param args not used
   * @throws Exception when the server cannot start; a bad setting exits with status 2 and a message
   *     naming it
   */
  public static void main(String[] args) throws Exception {
    Server server;
    try {
      DemoConfig config = DemoConfig.from(System.getenv());
      server = config.drainEnabled() ? startWithDrain(config) : startWithoutDrain(config);
    } catch (IllegalArgumentException e) {
      // A bad PORT, UPSTREAM_URL, DRAIN4J_ENABLED or DRAIN4J_* value (DrainConfigException).
      log.error("servlet-demo: {}", e.getMessage());
      System.exit(2);
      return;
    }
    server.join();
  }

  private static Server startWithDrain(DemoConfig config) throws Exception {
    DrainCoordinator drain = DrainCoordinator.fromEnvironment();
    HttpClient client =
        TrackedHttpClient.wrap(
            drain, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
    ExecutorService jobs = drain.trackExecutorService(newJobExecutor());

    Server server = new Server();
    ServerConnector connector = newConnector(server, config);
    ServletContextHandler context = newContext(client, config, jobs);
    FilterHolder filter = new FilterHolder(new DrainFilter(drain));
    filter.setAsyncSupported(true);
    context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
    server.setHandler(context);
    server.setStopAtShutdown(false);
    JettyDrain.install(drain, server);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> stopAfterDrain(drain, server, jobs), "servlet-demo-shutdown"));

    server.start();
    log.info(
        "servlet-demo listening on port {} (drain4j on: status endpoint {}, propagation"
            + " delay {}, deadline {}, upstream {})",
        connector.getLocalPort(),
        drain.statusAddress() == null ? "disabled" : drain.statusAddress(),
        drain.propagationDelay(),
        drain.deadline(),
        config.upstream());
    return server;
  }

  private static Server startWithoutDrain(DemoConfig config) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    ExecutorService jobs = newJobExecutor();
    Server server = new Server();
    ServerConnector connector = newConnector(server, config);
    // Jetty's own graceful shutdown, as an application without drain4j has it (and as Spring Boot
    // sets it up for Jetty): at SIGTERM Jetty's hook stops accepting, then waits up to the stop
    // timeout for the requests in flight (the mesh simulator's "today" rows).
    GracefulHandler graceful = new GracefulHandler(newContext(client, config, jobs));
    server.setHandler(graceful);
    server.setStopTimeout(GRACEFUL_STOP_TIMEOUT.toMillis());
    server.setStopAtShutdown(true);
    server.start();
    log.info(
        "servlet-demo listening on port {} (drain4j off: DRAIN4J_ENABLED=false, upstream {})",
        connector.getLocalPort(),
        config.upstream());
    return server;
  }

  private static ServerConnector newConnector(Server server, DemoConfig config) {
    ServerConnector connector = new ServerConnector(server);
    connector.setPort(config.port());
    server.addConnector(connector);
    return connector;
  }

  private static ServletContextHandler newContext(
      HttpClient client, DemoConfig config, ExecutorService jobs) {
    ServletContextHandler context = new ServletContextHandler("/");
    ServletHolder servlet = new ServletHolder(new DemoServlet(client, config.upstream(), jobs));
    servlet.setAsyncSupported(true);
    context.addServlet(servlet, "/");
    return context;
  }

  /** Bounded, so that a flood of {@code /job} requests is refused instead of exhausting memory. */
  private static ExecutorService newJobExecutor() {
    AtomicInteger n = new AtomicInteger();
    return new ThreadPoolExecutor(
        JOB_THREADS,
        JOB_THREADS,
        60,
        TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(JOB_QUEUE),
        r -> {
          Thread t = new Thread(r, "job-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  /**
   * The demo's shutdown hook. The drain normally comes from drain4j's own hook (or from {@code POST
   * /drain}); {@link JettyDrain#stopAfterDrain} starts it too, which is idempotent and covers
   * {@code DRAIN4J_SHUTDOWN_HOOK=false}, waits for DRAINED and stops Jetty within a bounded time
   * (at once after a forced drain), so that the process exits within a second of DRAINED.
   */
  private static void stopAfterDrain(DrainCoordinator drain, Server server, ExecutorService jobs) {
    try {
      DrainStatus status = JettyDrain.stopAfterDrain(drain, server);
      log.info("servlet-demo drained: {}", status == null ? "(no DRAINED)" : status.toJson());
      log.info("servlet-demo stopped");
    } finally {
      jobs.shutdown();
      drain.close();
    }
  }
}

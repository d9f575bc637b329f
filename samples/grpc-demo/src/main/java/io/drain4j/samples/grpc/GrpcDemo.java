package io.drain4j.samples.grpc;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainListener;
import io.drain4j.DrainStatus;
import io.drain4j.grpc.GrpcDrain;
import io.drain4j.samples.support.DemoExit;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the demo: {@code java -jar grpc-demo.jar}. Environment: {@code PORT} (default 8080,
 * plaintext HTTP/2 with prior knowledge), {@code UPSTREAM_TARGET} ({@code host:port} that {@code
 * Call} calls), the {@code DRAIN4J_*} keys, and {@code DRAIN4J_ENABLED=false} for the same server
 * without drain4j.
 *
 * <p>On SIGTERM the coordinator's JVM shutdown hook drains: the health service turns NOT_SERVING,
 * after the propagation delay the server stops accepting and sends GOAWAY, calls, upstream calls
 * and jobs in flight finish, the upstream channel closes, then the server terminates and the
 * process exits (at a forced drain the calls left are closed with {@code UNAVAILABLE: server
 * shutting down}, and the process exits at once).
 *
 * <p>A drain started otherwise ({@code POST /drain} on the status endpoint, as a sidecar's preStop
 * hook does) stops the server the same way, but the process stays up, its status endpoint
 * answering, until it is stopped, as the other demos do.
 */
public final class GrpcDemo {

  private GrpcDemo() {}

  /**
   * Starts the demo and returns when it has stopped.
   *
   * @param args ignored
   * @throws IOException when the port cannot be bound
   * @throws InterruptedException when interrupted while waiting for the end
   */
  public static void main(String[] args) throws IOException, InterruptedException {
    DemoConfig config;
    DrainCoordinator drain = null;
    try {
      config = DemoConfig.from(System.getenv());
      if (config.drainEnabled()) {
        drain = DrainCoordinator.fromEnvironment();
      }
    } catch (IllegalArgumentException e) { // DrainConfigException included
      System.err.println("grpc-demo: " + e.getMessage());
      System.exit(2);
      return;
    }
    ExecutorService jobPool = Executors.newCachedThreadPool(daemonThreads("demo-job"));
    ManagedChannel upstreamChannel =
        config.upstream() == null
            ? null
            : NettyChannelBuilder.forTarget(config.upstream()).usePlaintext().build();
    ServerBuilder<?> builder = NettyServerBuilder.forPort(config.port());
    GrpcDrain grpcDrain = null;
    Channel upstream = upstreamChannel;
    ExecutorService jobs = jobPool;
    if (drain == null) {
      HealthStatusManager health = new HealthStatusManager();
      health.setStatus("drain4j.demo.v1.DemoService", ServingStatus.SERVING);
      builder.addService(health.getHealthService());
    } else {
      grpcDrain = GrpcDrain.create(drain);
      builder.intercept(grpcDrain.serverInterceptor()).addService(grpcDrain.healthService());
      if (upstreamChannel != null) {
        upstream = grpcDrain.trackChannel("upstream " + config.upstream(), upstreamChannel);
      }
      jobs = drain.trackExecutorService(jobPool);
    }
    Server server = builder.addService(new DemoServiceImpl(upstream, jobs)).build().start();

    if (grpcDrain == null) {
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(() -> stopAsToday(server, upstreamChannel), "grpc-demo-shutdown"));
      System.out.println("grpc-demo listening on port " + server.getPort() + ", drain4j disabled");
      server.awaitTermination();
      return;
    }
    grpcDrain.manage(server);
    InetSocketAddress status = drain.statusAddress();
    System.out.println(
        "grpc-demo listening on port "
            + server.getPort()
            + ", drain4j status "
            + (status == null ? "off" : status.getHostString() + ":" + status.getPort()));
    drain.addListener(
        new DrainListener() {
          @Override
          public void onDrained(DrainStatus drained) {
            System.out.println("grpc-demo drained " + drained.toJson());
          }
        });
    DemoExit exit = DemoExit.install(drain, "grpc-demo");
    // Not server.awaitTermination(): the server terminates when its calls are done, which may be
    // before the jobs and upstream calls they started are.
    grpcDrain.terminated().join();
    jobPool.shutdown();
    // The coordinator stays open: its status endpoint answers until the process exits, whatever
    // started the drain. The JVM exits at SIGTERM once the shutdown hooks have returned.
    System.out.println("grpc-demo stopped serving; the status endpoint answers until exit");
    exit.awaitExit();
  }

  /**
   * The stop of a grpc-java server without drain4j, as grpc-java's own examples and the
   * maintainers' advice (grpc-java#8770) have it: {@code shutdown()} (GOAWAY, no new calls), wait
   * up to 30 s for the calls in flight, then {@code shutdownNow()}. It is the baseline of the mesh
   * simulator's "today" rows: no propagation delay, nothing that waits for jobs or upstream calls
   * beyond the calls themselves, no coordination with the sidecar.
   */
  private static void stopAsToday(Server server, ManagedChannel upstream) {
    server.shutdown();
    try {
      if (!server.awaitTermination(30, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    if (upstream != null) {
      upstream.shutdownNow();
    }
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicLong n = new AtomicLong();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}

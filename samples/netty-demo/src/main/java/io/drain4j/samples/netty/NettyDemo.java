package io.drain4j.samples.netty;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainListener;
import io.drain4j.DrainStatus;
import io.drain4j.samples.support.DemoExit;
import java.net.InetSocketAddress;

/**
 * Runs the demo: {@code java -jar netty-demo.jar}. Environment: {@code PORT} (default 8080), {@code
 * UPSTREAM_URL} (base URL for {@code /call}), the {@code DRAIN4J_*} keys, and {@code
 * DRAIN4J_ENABLED=false} for the same server without drain4j.
 *
 * <p>On SIGTERM the coordinator's JVM shutdown hook drains: requests, upstream calls and jobs in
 * flight finish, then the server's event loops shut down and the process exits (at a forced drain,
 * the connections left are closed at the deadline, and the process exits at once).
 *
 * <p>A drain started otherwise ({@code POST /drain} on the status endpoint, as a sidecar's preStop
 * hook does) stops the server the same way, but the process stays up, its status endpoint answering
 * ({@code GET /drain} 200, a second {@code POST /drain} 200), until it is stopped: a pod gets its
 * SIGTERM anyway, and the sidecar's hook polls the endpoint meanwhile. The servlet and Spring demos
 * behave the same way.
 */
public final class NettyDemo {

  private NettyDemo() {}

  /**
   * Starts the demo and returns when it has stopped.
   *
   * @param args ignored
   * @throws InterruptedException when interrupted while binding
   */
  public static void main(String[] args) throws InterruptedException {
    DemoConfig config;
    DrainCoordinator drain = null;
    try {
      config = DemoConfig.from(System.getenv());
      if (config.drainEnabled()) {
        drain = DrainCoordinator.fromEnvironment();
      }
    } catch (IllegalArgumentException e) { // DrainConfigException included
      System.err.println("netty-demo: " + e.getMessage());
      System.exit(2);
      return;
    }
    DemoServer server = new DemoServer(config, drain);
    if (drain == null) {
      System.out.println("netty-demo listening on port " + server.port() + ", drain4j disabled");
    } else {
      InetSocketAddress status = drain.statusAddress();
      System.out.println(
          "netty-demo listening on port "
              + server.port()
              + ", drain4j status "
              + (status == null ? "off" : status.getHostString() + ":" + status.getPort()));
      drain.addListener(
          new DrainListener() {
            @Override
            public void onDrained(DrainStatus drained) {
              System.out.println("netty-demo drained " + drained.toJson());
            }
          });
    }
    DemoExit exit = drain == null ? null : DemoExit.install(drain, "netty-demo");
    server.terminated().join();
    server.close();
    if (drain == null) {
      System.out.println("netty-demo stopped");
      return;
    }
    // The coordinator stays open: its status endpoint answers until the process exits, whatever
    // started the drain. The JVM exits at SIGTERM once the shutdown hooks have returned.
    System.out.println("netty-demo stopped serving; the status endpoint answers until exit");
    exit.awaitExit();
  }
}

package io.drain4j.samples.netty;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainListener;
import io.drain4j.DrainStatus;
import java.net.InetSocketAddress;

/**
 * Runs the demo: {@code java -jar netty-demo.jar}. Environment: {@code PORT} (default 8080), {@code
 * UPSTREAM_URL} (base URL for {@code /call}), the {@code DRAIN4J_*} keys, and {@code
 * DRAIN4J_ENABLED=false} for the same server without drain4j.
 *
 * <p>On SIGTERM the coordinator's JVM shutdown hook drains: requests, upstream calls and jobs in
 * flight finish, then the server's event loops shut down and the process exits.
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
    server.terminated().join();
    server.close();
    if (drain != null) {
      drain.close();
    }
    System.out.println("netty-demo stopped");
  }
}

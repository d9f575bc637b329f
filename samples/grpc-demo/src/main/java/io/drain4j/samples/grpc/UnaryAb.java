package io.drain4j.samples.grpc;

import io.drain4j.DrainCoordinator;
import io.drain4j.grpc.GrpcDrain;
import io.drain4j.samples.grpc.v1.DemoServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * The interceptor's cost in one JVM, alternated at a fine grain so that a loaded machine's drift
 * hits both variants alike: {@code java -cp grpc-demo.jar io.drain4j.samples.grpc.UnaryAb ROUNDS
 * BLOCK_MS CONCURRENCY}. Two demo servers on loopback, one with drain4j's interceptor (and a
 * coordinator, status endpoint off) and one without, each with its own channel; after a warm-up,
 * each round runs a closed-loop block of {@code Work(ms=0)} calls on each, in ABBA order. Prints
 * every block, then the medians and their ratio.
 */
public final class UnaryAb {
  private UnaryAb() {}

  /**
   * Runs the comparison.
   *
   * @param args rounds, block milliseconds, concurrency
   * @throws IOException when a server cannot bind
   * @throws InterruptedException when interrupted
   */
  public static void main(String[] args) throws IOException, InterruptedException {
    int rounds = Integer.parseInt(args[0]);
    long block = Long.parseLong(args[1]);
    int concurrency = Integer.parseInt(args[2]);
    DrainCoordinator drain =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(false)
            .propagationDelay(Duration.ofSeconds(5))
            .deadline(Duration.ofSeconds(25))
            .build();
    GrpcDrain grpcDrain = GrpcDrain.create(drain);
    Server on =
        server(NettyServerBuilder.forAddress(loopback(0)).intercept(grpcDrain.serverInterceptor()));
    Server off = server(NettyServerBuilder.forAddress(loopback(0)));
    ManagedChannel onChannel = channel(on);
    ManagedChannel offChannel = channel(off);
    ClosedLoop onLoad = new ClosedLoop(DemoServiceGrpc.newStub(onChannel));
    ClosedLoop offLoad = new ClosedLoop(DemoServiceGrpc.newStub(offChannel));
    for (int i = 0; i < 3; i++) {
      onLoad.run(concurrency, 0, 2000);
      offLoad.run(concurrency, 0, 2000);
    }
    List<Double> onRates = new ArrayList<>();
    List<Double> offRates = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      boolean onFirst = r % 2 == 0;
      for (int k = 0; k < 2; k++) {
        boolean isOn = (k == 0) == onFirst;
        double rate = (isOn ? onLoad : offLoad).run(concurrency, 0, block);
        (isOn ? onRates : offRates).add(rate);
        System.out.printf("round %d %s %.0f%n", r + 1, isOn ? "on" : "off", rate);
      }
    }
    double medOn = median(onRates);
    double medOff = median(offRates);
    System.out.printf(
        "median calls/s on %.0f off %.0f ratio %.3f (failed on %d off %d)%n",
        medOn, medOff, medOn / medOff, onLoad.failed(), offLoad.failed());
    onChannel.shutdownNow();
    offChannel.shutdownNow();
    on.shutdownNow();
    off.shutdownNow();
    drain.close();
  }

  private static InetSocketAddress loopback(int port) {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  private static Server server(ServerBuilder<?> builder) throws IOException {
    return builder
        .addService(new DemoServiceImpl(null, Executors.newSingleThreadExecutor()))
        .build()
        .start();
  }

  private static ManagedChannel channel(Server server) {
    return NettyChannelBuilder.forAddress(loopback(server.getPort())).usePlaintext().build();
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}

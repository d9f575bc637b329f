package io.drain4j.samples.grpc;

import io.drain4j.samples.grpc.v1.DemoServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

/**
 * A closed-loop unary load against a running demo, for the throughput benchmark ({@code
 * docs/benchmarks.md}): {@code java -cp grpc-demo.jar io.drain4j.samples.grpc.UnaryLoad HOST:PORT
 * CONCURRENCY WARMUP_S MEASURE_S}. Keeps CONCURRENCY {@code Work(ms=0)} calls outstanding on one
 * channel and prints the completed calls per second of the measured window and the failures.
 */
public final class UnaryLoad {
  private UnaryLoad() {}

  /**
   * Runs the load.
   *
   * @param args target, concurrency, warm-up seconds, measured seconds
   * @throws InterruptedException when interrupted
   */
  public static void main(String[] args) throws InterruptedException {
    if (args.length != 4) {
      System.err.println("usage: UnaryLoad HOST:PORT CONCURRENCY WARMUP_S MEASURE_S");
      System.exit(2);
    }
    ManagedChannel channel = NettyChannelBuilder.forTarget(args[0]).usePlaintext().build();
    ClosedLoop load = new ClosedLoop(DemoServiceGrpc.newStub(channel));
    double rate =
        load.run(
            Integer.parseInt(args[1]),
            Long.parseLong(args[2]) * 1000,
            Long.parseLong(args[3]) * 1000);
    System.out.printf("calls/s %.0f failed %d%n", rate, load.failed());
    channel.shutdownNow();
  }
}

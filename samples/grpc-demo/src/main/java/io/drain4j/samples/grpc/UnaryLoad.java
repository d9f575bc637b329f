package io.drain4j.samples.grpc;

import io.drain4j.samples.grpc.v1.DemoServiceGrpc;
import io.drain4j.samples.grpc.v1.Reply;
import io.drain4j.samples.grpc.v1.WorkRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop unary load for the throughput benchmark ({@code docs/benchmarks.md}): {@code java
 * -cp grpc-demo.jar io.drain4j.samples.grpc.UnaryLoad HOST:PORT CONCURRENCY WARMUP_S MEASURE_S}.
 * Keeps CONCURRENCY {@code Work(ms=0)} calls outstanding on one channel, each completion starting
 * the next, and prints the completed calls per second of the measured window and the failures.
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
    int concurrency = Integer.parseInt(args[1]);
    long warmup = Long.parseLong(args[2]);
    long measure = Long.parseLong(args[3]);
    ManagedChannel channel = NettyChannelBuilder.forTarget(args[0]).usePlaintext().build();
    DemoServiceGrpc.DemoServiceStub stub = DemoServiceGrpc.newStub(channel);
    WorkRequest request = WorkRequest.newBuilder().setMs(0).build();
    AtomicLong done = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicBoolean running = new AtomicBoolean(true);
    CountDownLatch stopped = new CountDownLatch(concurrency);
    for (int i = 0; i < concurrency; i++) {
      new Caller(stub, request, done, failed, running, stopped).next();
    }
    TimeUnit.SECONDS.sleep(warmup);
    long start = done.get();
    long t0 = System.nanoTime();
    TimeUnit.SECONDS.sleep(measure);
    long calls = done.get() - start;
    double seconds = (System.nanoTime() - t0) / 1e9;
    running.set(false);
    stopped.await(10, TimeUnit.SECONDS);
    System.out.printf("calls/s %.0f failed %d%n", calls / seconds, failed.get());
    channel.shutdownNow();
  }

  /** One outstanding call at a time, the next started from the previous one's completion. */
  private static final class Caller implements StreamObserver<Reply> {
    private final DemoServiceGrpc.DemoServiceStub stub;
    private final WorkRequest request;
    private final AtomicLong done;
    private final AtomicLong failed;
    private final AtomicBoolean running;
    private final CountDownLatch stopped;

    Caller(
        DemoServiceGrpc.DemoServiceStub stub,
        WorkRequest request,
        AtomicLong done,
        AtomicLong failed,
        AtomicBoolean running,
        CountDownLatch stopped) {
      this.stub = stub;
      this.request = request;
      this.done = done;
      this.failed = failed;
      this.running = running;
      this.stopped = stopped;
    }

    void next() {
      if (running.get()) {
        stub.work(request, this);
      } else {
        stopped.countDown();
      }
    }

    @Override
    public void onNext(Reply value) {}

    @Override
    public void onError(Throwable t) {
      failed.incrementAndGet();
      next();
    }

    @Override
    public void onCompleted() {
      done.incrementAndGet();
      next();
    }
  }
}

package io.drain4j.samples.grpc;

import io.drain4j.samples.grpc.v1.DemoServiceGrpc;
import io.drain4j.samples.grpc.v1.Reply;
import io.drain4j.samples.grpc.v1.WorkRequest;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop unary load for the benchmarks: a number of {@code Work(ms=0)} calls kept
 * outstanding, each completion starting the next.
 */
final class ClosedLoop {
  private static final WorkRequest REQUEST = WorkRequest.newBuilder().setMs(0).build();

  private final DemoServiceGrpc.DemoServiceStub stub;
  private final AtomicLong done = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  ClosedLoop(DemoServiceGrpc.DemoServiceStub stub) {
    this.stub = stub;
  }

  /**
   * Runs {@code concurrency} callers for {@code warmupMs} then {@code measureMs}, stops them and
   * waits (bounded) until their last calls are back.
   *
   * @return completed calls per second over the measured window
   */
  double run(int concurrency, long warmupMs, long measureMs) throws InterruptedException {
    AtomicBoolean running = new AtomicBoolean(true);
    CountDownLatch stopped = new CountDownLatch(concurrency);
    for (int i = 0; i < concurrency; i++) {
      new Caller(running, stopped).next();
    }
    TimeUnit.MILLISECONDS.sleep(warmupMs);
    long start = done.get();
    long t0 = System.nanoTime();
    TimeUnit.MILLISECONDS.sleep(measureMs);
    long calls = done.get() - start;
    double seconds = (System.nanoTime() - t0) / 1e9;
    running.set(false);
    if (!stopped.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("calls still outstanding 30 s after the load stopped");
    }
    return calls / seconds;
  }

  long failed() {
    return failed.get();
  }

  /** One outstanding call at a time, the next started from the previous one's completion. */
  private final class Caller implements StreamObserver<Reply> {
    private final AtomicBoolean running;
    private final CountDownLatch stopped;

    Caller(AtomicBoolean running, CountDownLatch stopped) {
      this.running = running;
      this.stopped = stopped;
    }

    void next() {
      if (running.get()) {
        stub.work(REQUEST, this);
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

package io.drain4j.samples.grpc;

import io.drain4j.samples.grpc.v1.DemoServiceGrpc;
import io.drain4j.samples.grpc.v1.Reply;
import io.drain4j.samples.grpc.v1.StreamRequest;
import io.drain4j.samples.grpc.v1.WorkRequest;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * {@code drain4j.demo.v1.DemoService}: the four operations of the HTTP demos. Handlers block their
 * thread (grpc-java's executor) while they wait, as a plain blocking service does.
 */
final class DemoServiceImpl extends DemoServiceGrpc.DemoServiceImplBase {
  private static final long MAX_MS = TimeUnit.MINUTES.toMillis(10);

  private final DemoServiceGrpc.DemoServiceBlockingStub upstream;
  private final Executor jobs;

  /**
   * @param upstream the (tracked) channel to {@code UPSTREAM_TARGET}, {@code null} when unset
   * @param jobs runs the jobs (tracked as background units with drain4j)
   */
  DemoServiceImpl(Channel upstream, Executor jobs) {
    this.upstream = upstream == null ? null : DemoServiceGrpc.newBlockingStub(upstream);
    this.jobs = jobs;
  }

  @Override
  public void work(WorkRequest request, StreamObserver<Reply> out) {
    long ms = millis(request.getMs(), out);
    if (ms < 0) {
      return;
    }
    if (sleep(ms, out)) {
      reply(out, "ok");
    }
  }

  @Override
  public void call(WorkRequest request, StreamObserver<Reply> out) {
    if (upstream == null) {
      out.onError(
          Status.FAILED_PRECONDITION
              .withDescription("UPSTREAM_TARGET is not set")
              .asRuntimeException());
      return;
    }
    try {
      reply(out, upstream.work(request).getText());
    } catch (StatusRuntimeException e) {
      // The upstream's own status, so that a caller tells a refused call from a failed one.
      out.onError(e.getStatus().augmentDescription("upstream call failed").asRuntimeException());
    }
  }

  @Override
  public void job(WorkRequest request, StreamObserver<Reply> out) {
    long ms = millis(request.getMs(), out);
    if (ms < 0) {
      return;
    }
    try {
      jobs.execute(() -> pause(ms));
    } catch (RejectedExecutionException e) { // DrainedException included
      out.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    reply(out, "accepted");
  }

  @Override
  public void stream(StreamRequest request, StreamObserver<Reply> out) {
    long ms = millis(request.getMs(), out);
    if (ms < 0) {
      return;
    }
    int chunks = request.getChunks();
    if (chunks < 1 || chunks > 10_000) {
      out.onError(
          Status.INVALID_ARGUMENT
              .withDescription("chunks=" + chunks + "; accepted: 1 to 10000")
              .asRuntimeException());
      return;
    }
    for (int i = 0; i < chunks; i++) {
      // Chunk i is due after (i+1)/chunks of the time: the last one after ms.
      if (!sleep(ms * (i + 1) / chunks - ms * i / chunks, out)) {
        return;
      }
      out.onNext(Reply.newBuilder().setText("chunk " + i).build());
    }
    out.onCompleted();
  }

  private static long millis(long ms, StreamObserver<Reply> out) {
    if (ms < 0 || ms > MAX_MS) {
      out.onError(
          Status.INVALID_ARGUMENT
              .withDescription("ms=" + ms + "; accepted: 0 to " + MAX_MS)
              .asRuntimeException());
      return -1;
    }
    return ms;
  }

  private static void reply(StreamObserver<Reply> out, String text) {
    out.onNext(Reply.newBuilder().setText(text).build());
    out.onCompleted();
  }

  /** Sleeps; answers {@code false} (after failing the call) when interrupted. */
  private static boolean sleep(long ms, StreamObserver<Reply> out) {
    if (pause(ms)) {
      return true;
    }
    out.onError(Status.ABORTED.withDescription("interrupted").asRuntimeException());
    return false;
  }

  private static boolean pause(long ms) {
    try {
      Thread.sleep(ms);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}

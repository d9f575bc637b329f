package io.drain4j.meshsim;

import io.drain4j.samples.grpc.v1.DemoServiceGrpc;
import io.drain4j.samples.grpc.v1.Reply;
import io.drain4j.samples.grpc.v1.WorkRequest;
import io.grpc.Context;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC service outside the pod that grpc-demo's {@code Call} reaches through the egress
 * sidecar: {@code DemoService/Work}, counting every call whose caller went away before the answer.
 * grpc-java cancels a call's {@link Context} as soon as its stream is reset or its connection
 * closes (an egress killed mid-call), even while the handler still waits, so a broken call is seen
 * at once.
 */
final class GrpcUpstream implements UpstreamService {

  private static final long MAX_MS = 600_000;

  private final Server server;
  private final List<Long> brokenAt = new ArrayList<>();

  /**
   * Starts listening.
   *
   * @param address the address to bind; never the wildcard, the upstream serves one pod only
   * @param port the port, 0 for any free one
   */
  GrpcUpstream(InetAddress address, int port) throws IOException {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress(address, port))
            .addService(new Work())
            .build()
            .start();
  }

  @Override
  public int port() {
    return server.getPort();
  }

  @Override
  public synchronized List<Long> brokenAt() {
    return List.copyOf(brokenAt);
  }

  private synchronized void broken() {
    brokenAt.add(System.nanoTime());
  }

  @Override
  public void close() {
    server.shutdownNow();
  }

  private final class Work extends DemoServiceGrpc.DemoServiceImplBase {
    @Override
    public void work(WorkRequest request, StreamObserver<Reply> out) {
      long ms = request.getMs();
      if (ms < 0 || ms > MAX_MS) {
        out.onError(Status.INVALID_ARGUMENT.withDescription("ms=" + ms).asRuntimeException());
        return;
      }
      CountDownLatch cancelled = new CountDownLatch(1);
      Context.current().addListener(c -> cancelled.countDown(), Runnable::run);
      try {
        if (cancelled.await(ms, TimeUnit.MILLISECONDS)) {
          broken();
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      out.onNext(Reply.newBuilder().setText("upstream ok").build());
      out.onCompleted();
    }
  }
}

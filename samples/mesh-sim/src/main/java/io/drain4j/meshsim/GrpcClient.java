package io.drain4j.meshsim;

import io.drain4j.samples.grpc.v1.DemoServiceGrpc;
import io.drain4j.samples.grpc.v1.Reply;
import io.drain4j.samples.grpc.v1.StreamRequest;
import io.drain4j.samples.grpc.v1.WorkRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * The workload's gRPC client: each call on a channel (one HTTP/2 connection) of its own, plaintext
 * with prior knowledge, no retries (grpc-java's transparent retry of a stream refused by a GOAWAY
 * is kept: it happens before the server saw the call, as in every gRPC client).
 */
final class GrpcClient implements Client {

  private final InetSocketAddress target;

  GrpcClient(InetSocketAddress target) {
    this.target = target;
  }

  @Override
  public Outcome.Classified send(Endpoint endpoint, long ms, Duration silence) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(target).usePlaintext().disableRetry().build();
    int replies = 0;
    try {
      DemoServiceGrpc.DemoServiceBlockingStub stub =
          DemoServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(silence.toMillis(), TimeUnit.MILLISECONDS);
      WorkRequest work = WorkRequest.newBuilder().setMs(ms).build();
      switch (endpoint) {
        case WORK -> replies += expect(stub.work(work), "ok");
        case CALL -> replies += stub.call(work).getText().isEmpty() ? 0 : 1;
        case JOB -> replies += expect(stub.job(work), "accepted");
        case STREAM -> {
          Iterator<Reply> it =
              stub.stream(
                  StreamRequest.newBuilder().setMs(ms).setChunks(Endpoint.chunksFor(ms)).build());
          while (it.hasNext()) {
            it.next();
            replies++;
          }
        }
      }
      return Outcome.classifyGrpc(endpoint, ms, "OK", null, replies);
    } catch (StatusRuntimeException e) {
      Status s = e.getStatus();
      return Outcome.classifyGrpc(endpoint, ms, s.getCode().name(), s.getDescription(), replies);
    } finally {
      channel.shutdownNow();
    }
  }

  private static int expect(Reply reply, String text) {
    return text.equals(reply.getText()) ? 1 : 0;
  }
}

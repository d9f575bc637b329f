package io.drain4j.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC service with string messages (no generated code) whose handlers the tests steer with
 * latches: {@code test.Demo/Hold} (unary, blocks its handler thread), {@code Stream} (server
 * streaming), {@code Chat} (bidirectional, ends politely when QUIESCING begins), {@code Forever}
 * (server streaming that never ends) and {@code Call} (unary, calls the upstream through a tracked
 * channel).
 */
final class TestService {
  static final String SERVICE = "test.Demo";

  static final MethodDescriptor.Marshaller<String> STRING =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
          try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  static final MethodDescriptor<String, String> HOLD =
      method("Hold", MethodDescriptor.MethodType.UNARY);
  static final MethodDescriptor<String, String> STREAM =
      method("Stream", MethodDescriptor.MethodType.SERVER_STREAMING);
  static final MethodDescriptor<String, String> CHAT =
      method("Chat", MethodDescriptor.MethodType.BIDI_STREAMING);
  static final MethodDescriptor<String, String> FOREVER =
      method("Forever", MethodDescriptor.MethodType.SERVER_STREAMING);
  static final MethodDescriptor<String, String> CALL =
      method("Call", MethodDescriptor.MethodType.UNARY);

  /** Counted down when a {@code Hold} or {@code Stream} handler has started. */
  final CountDownLatch entered = new CountDownLatch(1);

  /** Opened by the test to let {@code Hold} answer, and {@code Stream} send its second half. */
  final CountDownLatch release = new CountDownLatch(1);

  /** Counted down when a handler saw its call's context cancelled while it was still working. */
  final CountDownLatch sawCancel = new CountDownLatch(1);

  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();

  /** The upstream channel {@code Call} calls {@code Hold} on; set by the test that uses it. */
  volatile Channel upstream;

  static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<String, String>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(STRING)
        .setResponseMarshaller(STRING)
        .build();
  }

  ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(HOLD, ServerCalls.asyncUnaryCall(this::hold))
        .addMethod(STREAM, ServerCalls.asyncServerStreamingCall(this::stream))
        .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall(this::chat))
        .addMethod(FOREVER, ServerCalls.asyncServerStreamingCall(this::forever))
        .addMethod(CALL, ServerCalls.asyncUnaryCall(this::call))
        .build();
  }

  void shutdown() {
    ticker.shutdownNow();
  }

  /** Blocks the handler thread until released, then answers {@code ok <request>}. */
  private void hold(String request, StreamObserver<String> out) {
    Context.current()
        .addListener(c -> sawCancel.countDown(), Runnable::run); // on cancellation only
    entered.countDown();
    await(release);
    out.onNext("ok " + request);
    out.onCompleted();
  }

  /** Sends {@code request} chunks, the second half once released. */
  private void stream(String request, StreamObserver<String> out) {
    int chunks = Integer.parseInt(request);
    for (int i = 0; i < chunks; i++) {
      if (i == chunks / 2) {
        entered.countDown();
        await(release);
      }
      out.onNext("chunk " + i);
    }
    out.onCompleted();
  }

  /** Echoes every message; says {@code bye} and completes when QUIESCING begins. */
  private StreamObserver<String> chat(StreamObserver<String> out) {
    Object lock = new Object();
    CompletableFuture<Void> unused =
        GrpcDrain.whenQuiescing()
            .thenRun(
                () -> {
                  synchronized (lock) {
                    out.onNext("bye");
                    out.onCompleted();
                  }
                });
    return new StreamObserver<>() {
      @Override
      public void onNext(String value) {
        synchronized (lock) {
          out.onNext(value);
        }
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }

  /** Sends a tick every 20 ms until the call is cancelled. */
  private void forever(String request, StreamObserver<String> out) {
    ServerCallStreamObserver<String> call = (ServerCallStreamObserver<String>) out;
    call.setOnCancelHandler(() -> {}); // a tick after the cut is dropped, not thrown
    entered.countDown();
    Runnable tick =
        new Runnable() {
          @Override
          public void run() {
            if (call.isCancelled()) {
              return;
            }
            call.onNext("tick");
            reschedule(this);
          }
        };
    tick.run();
  }

  private void reschedule(Runnable tick) {
    try {
      var unused = ticker.schedule(tick, 20, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // the test is over
    }
  }

  /** Waits until released, then calls {@code Hold} upstream and answers with its reply. */
  private void call(String request, StreamObserver<String> out) {
    entered.countDown();
    await(release);
    try {
      String reply = ClientCalls.blockingUnaryCall(upstream, HOLD, CallOptions.DEFAULT, request);
      out.onNext("upstream " + reply);
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(Status.fromThrowable(e).asRuntimeException());
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("never released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

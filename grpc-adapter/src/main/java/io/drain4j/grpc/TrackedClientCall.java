package io.drain4j.grpc;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainedException;
import io.drain4j.InFlight;
import io.drain4j.UnitKind;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

/**
 * An outbound call: an {@code outbound} unit named {@code grpc <full method name>} from {@code
 * start} until the listener's {@code onClose} has returned (every response message was delivered
 * before it). After DRAINED the call fails at start with {@code UNAVAILABLE}, its cause the
 * coordinator's {@link DrainedException}, and nothing reaches the channel.
 */
final class TrackedClientCall<ReqT, RespT>
    extends ForwardingClientCall.SimpleForwardingClientCall<ReqT, RespT> {
  private final DrainCoordinator coordinator;
  private final String name;

  /** Written by {@code start}, on the caller's thread that uses the call afterwards. */
  private boolean refused;

  TrackedClientCall(ClientCall<ReqT, RespT> delegate, DrainCoordinator coordinator, String name) {
    super(delegate);
    this.coordinator = coordinator;
    this.name = name;
  }

  /** The interceptor: one tracked call per call on the channel. */
  static final class Interceptor implements ClientInterceptor {
    private final DrainCoordinator coordinator;

    Interceptor(DrainCoordinator coordinator) {
      this.coordinator = coordinator;
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
        MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
      return new TrackedClientCall<>(
          next.newCall(method, callOptions), coordinator, "grpc " + method.getFullMethodName());
    }
  }

  @Override
  public void start(Listener<RespT> responseListener, Metadata headers) {
    InFlight unit;
    try {
      unit = coordinator.enter(UnitKind.OUTBOUND, name);
    } catch (DrainedException e) {
      // As grpc-java's own failing calls do: closed at once, from start, on the caller's thread.
      refused = true;
      responseListener.onClose(
          Status.UNAVAILABLE.withDescription(e.getMessage()).withCause(e), new Metadata());
      return;
    }
    try {
      super.start(new TrackedListener<>(responseListener, unit), headers);
    } catch (RuntimeException | Error e) {
      unit.exit();
      throw e;
    }
  }

  @Override
  public void request(int numMessages) {
    if (!refused) {
      super.request(numMessages);
    }
  }

  @Override
  public void sendMessage(ReqT message) {
    if (!refused) {
      super.sendMessage(message);
    }
  }

  @Override
  public void halfClose() {
    if (!refused) {
      super.halfClose();
    }
  }

  @Override
  public void cancel(String message, Throwable cause) {
    if (!refused) {
      super.cancel(message, cause);
    }
  }

  @Override
  public boolean isReady() {
    return !refused && super.isReady();
  }

  private static final class TrackedListener<RespT>
      extends ForwardingClientCallListener.SimpleForwardingClientCallListener<RespT> {
    private final InFlight unit;

    TrackedListener(Listener<RespT> delegate, InFlight unit) {
      super(delegate);
      this.unit = unit;
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      try {
        super.onClose(status, trailers);
      } finally {
        unit.exit();
      }
    }
  }
}

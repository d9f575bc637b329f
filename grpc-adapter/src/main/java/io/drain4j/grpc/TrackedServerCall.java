package io.drain4j.grpc;

import io.drain4j.InFlight;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;

/**
 * One server call seen by the interceptor: its unit, and the guard that lets the drain close it at
 * DRAINED without racing the application's own writes.
 *
 * <p>The application's writes and the drain's close are serialised on this object: a {@code
 * ServerCall} is not thread-safe, and the drain closes a call from one of its own threads while the
 * application may still be writing to it from another.
 */
final class TrackedServerCall<ReqT, RespT>
    extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT> {
  /** The description of the status a call left at DRAINED is closed with (DESIGN §8). */
  static final String SHUTTING_DOWN = "server shutting down";

  private final ServerDrainInterceptor owner;

  /** The call's unit; {@code null} for an untracked call (health checks). */
  private final InFlight unit;

  /** Guarded by {@code this}: the application or the drain closed the call. */
  private boolean closed;

  /** Guarded by {@code this}: the drain closed the call; later writes are dropped. */
  private boolean cut;

  TrackedServerCall(ServerCall<ReqT, RespT> delegate, InFlight unit, ServerDrainInterceptor owner) {
    super(delegate);
    this.unit = unit;
    this.owner = owner;
  }

  @Override
  public void sendHeaders(Metadata headers) {
    synchronized (this) {
      if (!cut) {
        super.sendHeaders(headers);
      }
    }
  }

  @Override
  public void sendMessage(RespT message) {
    synchronized (this) {
      if (!cut) {
        super.sendMessage(message);
      }
    }
  }

  @Override
  public void close(Status status, Metadata trailers) {
    synchronized (this) {
      if (cut) {
        return; // the drain closed the call already; the application's answer comes too late
      }
      closed = true;
      super.close(status, trailers);
    }
  }

  /**
   * Closes the call with {@code UNAVAILABLE} ({@value #SHUTTING_DOWN}) unless it is closed already:
   * the call ran into DRAINED.
   *
   * @return whether this closed it
   */
  boolean cut() {
    synchronized (this) {
      if (closed) {
        return false;
      }
      closed = true;
      cut = true;
      try {
        super.close(Status.UNAVAILABLE.withDescription(SHUTTING_DOWN), new Metadata());
      } catch (RuntimeException e) {
        // The stream failed under us (its transport is gone): nothing is left to close.
        return false;
      }
      return true;
    }
  }

  /** The call is over for the server (status sent, or cancelled) and its last callback returned. */
  void ended() {
    owner.forget(this);
    if (unit != null) {
      unit.exit();
    }
  }

  String methodName() {
    return getMethodDescriptor().getFullMethodName();
  }

  /**
   * Wraps the application's listener: the call's unit ends when {@code onComplete} (the status was
   * written to the transport) or {@code onCancel} (the client cancelled, the deadline passed, the
   * connection failed) has returned. grpc-java delivers a call's callbacks one at a time, in order,
   * and these two last: when one of them has returned, no handler callback of the application is
   * running, so a handler still working when its client cancelled (a blocking unary handler, inside
   * {@code onHalfClose}) keeps the call in flight until it returns.
   */
  static final class Listener<ReqT>
      extends ForwardingServerCallListener.SimpleForwardingServerCallListener<ReqT> {
    private final TrackedServerCall<ReqT, ?> call;

    Listener(ServerCall.Listener<ReqT> delegate, TrackedServerCall<ReqT, ?> call) {
      super(delegate);
      this.call = call;
    }

    @Override
    public void onComplete() {
      try {
        super.onComplete();
      } finally {
        call.ended();
      }
    }

    @Override
    public void onCancel() {
      try {
        super.onCancel();
      } finally {
        call.ended();
      }
    }
  }
}

package io.drain4j.grpc;

import io.drain4j.DrainCoordinator;
import io.drain4j.InFlight;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tracks every server call as an inbound unit named {@code grpc <full method name>}, refuses calls
 * with {@code UNAVAILABLE} from QUIESCING on, puts the coordinator into each call's {@link Context}
 * for {@link GrpcDrain#whenDraining()}, and keeps the calls open now so that DRAINED can close the
 * ones left.
 */
final class ServerDrainInterceptor implements ServerInterceptor {
  /** The description of the status of a call refused while quiescing. */
  static final String REFUSED = "server draining; retry on another endpoint";

  /**
   * Health checks hold no work of the application and must keep answering (NOT_SERVING) while the
   * server drains; a {@code Watch} stream never ends by itself. They are not tracked, and DRAINED
   * closes the watches left.
   */
  static final String HEALTH_SERVICE = "grpc.health.v1.Health";

  private static final ServerCall.Listener<Object> REFUSED_LISTENER =
      new ServerCall.Listener<>() {};

  private final DrainCoordinator coordinator;
  private final Set<TrackedServerCall<?, ?>> open = ConcurrentHashMap.newKeySet();

  /** Unit names per full method name: the methods of a server are few and fixed. */
  private final ConcurrentHashMap<String, String> names = new ConcurrentHashMap<>();

  ServerDrainInterceptor(DrainCoordinator coordinator) {
    this.coordinator = coordinator;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    InFlight unit = null;
    if (!HEALTH_SERVICE.equals(call.getMethodDescriptor().getServiceName())) {
      unit = coordinator.admitInbound(name(method));
      if (unit == null) {
        // QUIESCING or later: a mesh, or the client's own transparent retry, sends it elsewhere.
        call.close(Status.UNAVAILABLE.withDescription(REFUSED), new Metadata());
        @SuppressWarnings("unchecked") // holds no state of any type
        ServerCall.Listener<ReqT> refused = (ServerCall.Listener<ReqT>) REFUSED_LISTENER;
        return refused;
      }
    }
    TrackedServerCall<ReqT, RespT> tracked = new TrackedServerCall<>(call, unit, this);
    open.add(tracked);
    try {
      Context context = Context.current().withValue(GrpcDrain.COORDINATOR, coordinator);
      return new TrackedServerCall.Listener<>(
          Contexts.interceptCall(context, tracked, headers, next), tracked);
    } catch (RuntimeException | Error e) {
      // The handler failed to start: the server closes the call, and no callback will follow.
      tracked.ended();
      throw e;
    }
  }

  private String name(String method) {
    String name = names.get(method);
    if (name == null) {
      name = "grpc " + method;
      names.putIfAbsent(method, name);
    }
    return name;
  }

  void forget(TrackedServerCall<?, ?> call) {
    open.remove(call);
  }

  /**
   * Closes every call still open with {@code UNAVAILABLE} ({@code server shutting down}).
   *
   * @return the full method names of the calls this closed
   */
  List<String> cutOpenCalls() {
    List<String> cut = new ArrayList<>();
    for (TrackedServerCall<?, ?> call : open) {
      if (call.cut()) {
        cut.add(call.methodName());
      }
    }
    return cut;
  }

  int openCalls() {
    return open.size();
  }
}

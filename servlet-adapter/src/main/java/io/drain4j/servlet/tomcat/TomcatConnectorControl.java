package io.drain4j.servlet.tomcat;

import io.drain4j.DrainListener;
import io.drain4j.DrainStatus;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.apache.catalina.connector.Connector;
import org.apache.coyote.AbstractProtocol;
import org.apache.coyote.ProtocolHandler;
import org.apache.tomcat.util.net.AbstractEndpoint;
import org.apache.tomcat.util.net.SocketWrapperBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The drain listener behind {@link TomcatDrain}. Each callback is short and does not block. */
final class TomcatConnectorControl implements DrainListener {

  private static final Logger log = LoggerFactory.getLogger(TomcatDrain.class);
  private static final AtomicBoolean warnedEndpoint = new AtomicBoolean();
  private static final Method GET_ENDPOINT = endpointAccessor();

  private final Supplier<List<Connector>> connectors;

  TomcatConnectorControl(Supplier<List<Connector>> connectors) {
    this.connectors = connectors;
  }

  @Override
  public void onQuiescing() {
    int idle = 0;
    for (Connector connector : connectors.get()) {
      stopAccepting(connector);
      idle += closeIdle(connector);
    }
    log.info("drain4j: Tomcat paused its connectors, closed {} idle connection(s)", idle);
  }

  @Override
  public void onDrained(DrainStatus status) {
    int closed = 0;
    for (Connector connector : connectors.get()) {
      closed += status.forced() ? closeAll(connector) : closeIdle(connector);
    }
    if (closed > 0) {
      log.info(
          "drain4j: Tomcat closed {} {}connection(s) at DRAINED",
          closed,
          status.forced() ? "" : "idle ");
    }
  }

  /**
   * Stops the connector from accepting. A connector that binds on start closes its listening
   * socket: its acceptor stops, new connections are refused, and HTTP/2 connections are told to
   * stop opening streams (GOAWAY); it is not paused, because a paused connector answers a request
   * on an open connection with a bare {@code 503} of its own (no {@code Retry-After}, not counted),
   * while an unpaused one hands it to {@link io.drain4j.servlet.DrainFilter}, which refuses it as
   * the contract says. A connector bound on init cannot close its socket early: pausing is the only
   * way to stop it from accepting.
   *
   * <p>The close is not clean for connections that arrive at that very moment (README, Deviations):
   * the kernel resets those it completed but Tomcat did not accept yet, and Tomcat's acceptor,
   * woken by a connection of Tomcat's own, closes unread a client connection it takes instead.
   * Neither request reached the application.
   */
  private static void stopAccepting(Connector connector) {
    try {
      if ("false".equals(String.valueOf(connector.getProperty("bindOnInit")))) {
        connector.getProtocolHandler().closeServerSocketGraceful();
        return;
      }
      connector.pause();
      log.warn(
          "drain4j: {} binds its port on init, so its listening socket stays open while"
              + " paused, and Tomcat answers requests on open connections with a bare 503;"
              + " install TomcatDrain before tomcat.start() or set bindOnInit=false",
          connector);
    } catch (RuntimeException e) {
      log.warn("drain4j: could not stop {} from accepting", connector, e);
    }
  }

  /**
   * Closes the HTTP/1.1 connections that wait between requests. A connection is idle when no
   * processor is attached to it (a request being handled asynchronously, or an upgraded connection,
   * keeps its processor) and no thread processes it: Tomcat processes a connection under its lock,
   * so holding the lock while closing keeps a request from starting on it.
   */
  private static int closeIdle(Connector connector) {
    int closed = 0;
    for (SocketWrapperBase<?> socket : connections(connector)) {
      if (socket.getCurrentProcessor() != null || socket.isClosed()) {
        continue;
      }
      ReentrantLock lock = socket.getLock();
      if (!lock.tryLock()) {
        continue;
      }
      try {
        if (socket.getCurrentProcessor() == null && !socket.isClosed()) {
          socket.close();
          closed++;
        }
      } finally {
        lock.unlock();
      }
    }
    return closed;
  }

  private static int closeAll(Connector connector) {
    int closed = 0;
    for (SocketWrapperBase<?> socket : connections(connector)) {
      if (!socket.isClosed()) {
        socket.close();
        closed++;
      }
    }
    return closed;
  }

  private static Collection<? extends SocketWrapperBase<?>> connections(Connector connector) {
    ProtocolHandler handler = connector.getProtocolHandler();
    if (GET_ENDPOINT == null || !(handler instanceof AbstractProtocol)) {
      return List.of();
    }
    try {
      AbstractEndpoint<?, ?> endpoint = (AbstractEndpoint<?, ?>) GET_ENDPOINT.invoke(handler);
      Set<? extends SocketWrapperBase<?>> open = endpoint.getConnections();
      return new ArrayList<>(open);
    } catch (ReflectiveOperationException | RuntimeException e) {
      warnNoEndpoint(e);
      return List.of();
    }
  }

  /** {@code AbstractProtocol.getEndpoint()} is protected; the open connections are behind it. */
  private static Method endpointAccessor() {
    try {
      Method method = AbstractProtocol.class.getDeclaredMethod("getEndpoint");
      method.setAccessible(true);
      return method;
    } catch (ReflectiveOperationException | RuntimeException e) {
      warnNoEndpoint(e);
      return null;
    }
  }

  private static void warnNoEndpoint(Exception e) {
    if (warnedEndpoint.compareAndSet(false, true)) {
      LoggerFactory.getLogger(TomcatDrain.class)
          .warn(
              "drain4j: cannot reach Tomcat's open"
                  + " connections ({}); idle connections close when Tomcat stops",
              e.toString());
    }
  }
}

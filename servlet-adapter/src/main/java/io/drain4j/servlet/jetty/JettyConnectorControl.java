package io.drain4j.servlet.jetty;

import io.drain4j.DrainListener;
import io.drain4j.DrainStatus;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drain listener behind {@link JettyDrain}. Each callback is short; the only wait is the
 * bounded one of {@link #stopAccepting} for the kernel to let go of a listening socket.
 */
final class JettyConnectorControl implements DrainListener {

  private static final Logger log = LoggerFactory.getLogger(JettyDrain.class);

  /** How long {@link #stopAccepting} waits at most for a closed listening socket to refuse. */
  private static final long UNLOCK_WAIT_MS = 1_000;

  /** The connect timeout of one unlocking connection: loopback answers in microseconds. */
  private static final int UNLOCK_CONNECT_TIMEOUT_MS = 100;

  private static final AtomicBoolean warnedIdleCheck = new AtomicBoolean();

  private final Server server;

  JettyConnectorControl(Server server) {
    this.server = server;
  }

  /** HTTP/2 clients learn of the drain from a GOAWAY, as HTTP/1.1 ones from Connection: close. */
  @Override
  public void onDraining() {
    if (!JettyHttp2.AVAILABLE) {
      return;
    }
    int sessions = 0;
    for (Connector connector : server.getConnectors()) {
      for (EndPoint endPoint : snapshot(connector)) {
        if (endPoint.isOpen() && JettyHttp2.goAway(unwrap(endPoint.getConnection()))) {
          sessions++;
        }
      }
    }
    log.info("drain4j: Jetty sent GOAWAY to {} HTTP/2 connection(s)", sessions);
  }

  @Override
  public void onQuiescing() {
    int idle = 0;
    for (Connector connector : server.getConnectors()) {
      stopAccepting(connector);
      idle += closeIdle(connector);
    }
    log.info("drain4j: Jetty stopped accepting connections, closed {} idle connection(s)", idle);
  }

  @Override
  public void onDrained(DrainStatus status) {
    int closed = 0;
    for (Connector connector : server.getConnectors()) {
      // A forced drain leaves requests running; closing their connections lets clients know now
      // instead of at the process exit.
      closed += status.forced() ? closeAll(connector) : closeIdle(connector);
    }
    if (closed > 0) {
      log.info(
          "drain4j: Jetty closed {} {}connection(s) at DRAINED",
          closed,
          status.forced() ? "" : "idle ");
    }
  }

  private static void stopAccepting(Connector connector) {
    try {
      if (connector instanceof AbstractConnector accepting) {
        // With acceptors == 0 this deregisters the accept from the selector; with acceptor
        // threads it keeps them from accepting again once the channel is closed below.
        accepting.setAccepting(false);
      }
      Object transport = connector.getTransport();
      // Acceptor threads accept in blocking mode; read the address while the channel is open.
      SocketAddress unlock =
          transport instanceof ServerSocketChannel channel
                  && channel.isOpen()
                  && channel.isBlocking()
              ? channel.getLocalAddress()
              : null;
      if (connector instanceof NetworkConnector network) {
        network.close();
      }
      // ServerConnector.close() leaves the channel to the selector when it has no acceptor
      // threads; close it here so that the port refuses connections instead of queueing them.
      if (transport instanceof ServerSocketChannel channel && channel.isOpen()) {
        channel.close();
      }
      if (unlock instanceof InetSocketAddress bound) {
        unlockAcceptors(bound);
      }
    } catch (IOException | RuntimeException e) {
      log.warn("drain4j: could not stop {} from accepting", connector, e);
    }
  }

  /**
   * Waits, bounded, until a closed listening socket refuses connections. An acceptor thread blocked
   * in {@code accept()} keeps the kernel's socket listening after the channel is closed, until the
   * thread is scheduled again and leaves the call: meanwhile a connection is still accepted (and
   * served), not refused. As Tomcat does when it pauses, connect to the port: each connection that
   * is still accepted unblocks an acceptor (which finds accepting off and stops), and the first
   * refused one shows that the socket is gone.
   */
  private static void unlockAcceptors(InetSocketAddress bound) {
    InetSocketAddress target =
        bound.getAddress().isAnyLocalAddress()
            ? new InetSocketAddress(InetAddress.getLoopbackAddress(), bound.getPort())
            : bound;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(UNLOCK_WAIT_MS);
    while (System.nanoTime() - deadline < 0) {
      try (Socket socket = new Socket()) {
        socket.connect(target, UNLOCK_CONNECT_TIMEOUT_MS);
      } catch (IOException refused) {
        return;
      }
      // Accepted: let the acceptor thread it unblocked run and leave accept().
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    log.warn(
        "drain4j: {} still accepted connections {} ms after its channel was closed",
        target,
        UNLOCK_WAIT_MS);
  }

  private static int closeIdle(Connector connector) {
    int closed = 0;
    for (EndPoint endPoint : snapshot(connector)) {
      if (endPoint.isOpen() && isIdle(endPoint)) {
        endPoint.close();
        closed++;
      }
    }
    return closed;
  }

  private static int closeAll(Connector connector) {
    int closed = 0;
    for (EndPoint endPoint : snapshot(connector)) {
      if (endPoint.isOpen()) {
        endPoint.close();
        closed++;
      }
    }
    return closed;
  }

  private static List<EndPoint> snapshot(Connector connector) {
    return new ArrayList<>(connector.getConnectedEndPoints());
  }

  /** The protocol's connection behind TLS. */
  private static Connection unwrap(Connection connection) {
    return connection instanceof SslConnection ssl
        ? ssl.getSslEndPoint().getConnection()
        : connection;
  }

  /**
   * Whether an HTTP/1.x connection waits between requests. Other protocols (HTTP/2, upgraded
   * connections) are not judged idle: they are closed when the server stops.
   */
  static boolean isIdle(EndPoint endPoint) {
    Connection connection = unwrap(endPoint.getConnection());
    try {
      // Jetty's own idle check (HttpConnection.onIdleExpired) asks the same question; it is not
      // public API, so the check is guarded for runtimes that do not export the package.
      return connection instanceof HttpConnection http
          && http.getHttpChannel().getRequest() == null;
    } catch (LinkageError e) {
      if (warnedIdleCheck.compareAndSet(false, true)) {
        log.warn(
            "drain4j: cannot inspect Jetty connections ({}); idle keep-alive connections"
                + " close when the server stops",
            e.toString());
      }
      return false;
    }
  }
}

package io.drain4j.servlet.jetty;

import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.io.Connection;

/**
 * Jetty's HTTP/2 support, kept apart so that {@link JettyConnectorControl} loads without it: the
 * {@code jetty-http2} jars are only present when the server speaks HTTP/2.
 */
final class JettyHttp2 {

  /** Whether the HTTP/2 classes are on the class path. */
  static final boolean AVAILABLE = present();

  private JettyHttp2() {}

  /**
   * Starts Jetty's graceful shutdown of an HTTP/2 connection: a GOAWAY that lets the streams
   * already open finish and tells the client to open new ones elsewhere (DESIGN §3, DRAINING); the
   * session closes once its streams are done.
   *
   * @return whether {@code connection} is an HTTP/2 connection
   */
  static boolean goAway(Connection connection) {
    if (connection instanceof HTTP2Connection http2) {
      // Completes when the session has closed; nothing waits for it: the connector control closes
      // what is left at DRAINED.
      CompletableFuture<Void> unused = http2.getSession().shutdown();
      return true;
    }
    return false;
  }

  private static boolean present() {
    try {
      Class.forName(
          "org.eclipse.jetty.http2.HTTP2Connection", false, JettyHttp2.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}

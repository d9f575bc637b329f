package io.drain4j.servlet;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.drain4j.DrainCoordinator;
import io.drain4j.servlet.tomcat.TomcatDrain;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TomcatDrain} installed on connectors given one by one (as Spring Boot's {@code
 * TomcatWebServer} hands them out), before and after Tomcat binds its port.
 */
class TomcatDrainTest {

  @TempDir Path baseDir;

  private DrainCoordinator drain;
  private Tomcat tomcat;

  /** Tells when the connector control, a listener on a callback thread, has done its QUIESCING. */
  private ListenerWatch control;

  @BeforeEach
  void newServer() {
    drain =
        DrainCoordinator.builder()
            .statusEnabled(false)
            .shutdownHook(false)
            .propagationDelay(Duration.ofMillis(200))
            .deadline(Duration.ofSeconds(5))
            .build();
    control = new ListenerWatch(drain);
    tomcat = TomcatSupport.newTomcat(baseDir);
    TomcatSupport.addFilteredContext(tomcat, new DrainFilter(drain), TestServlets.all());
  }

  @AfterEach
  void stop() throws Exception {
    tomcat.stop();
    tomcat.destroy();
    drain.close();
  }

  private int port() {
    return tomcat.getConnector().getLocalPort();
  }

  private void drainToQuiescing() throws Exception {
    drain.startDrain();
    drain.whenQuiescing().get(10, SECONDS);
    control.awaitQuiescingCallbacks();
  }

  @Test
  void whenNoConnectorIsGivenThenInstallFailsWithAClearMessage() {
    assertThatThrownBy(() -> TomcatDrain.install(drain, new Connector[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one connector");
    assertThatThrownBy(() -> TomcatDrain.install(null, tomcat.getConnector()))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("coordinator");
  }

  @Test
  void whenConnectorIsGivenBeforeStartThenQuiescingClosesIdleConnectionsAndRefusesNewOnes()
      throws Exception {
    TomcatDrain.install(control.coordinator(), tomcat.getConnector());
    tomcat.start();
    int port = port();
    try (RawHttpConnection idle = new RawHttpConnection(port)) {
      assertThat(idle.get("/fast").closesConnection()).isFalse();

      drainToQuiescing();
      assertThat(idle.awaitClosedByServer()).as("idle keep-alive connection closed").isTrue();
    }
    assertThatThrownBy(
            () -> {
              try (Socket socket = new Socket()) {
                socket.connect(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
              }
            })
        .isInstanceOf(ConnectException.class);
    assertThat(drain.whenDrained().get(10, SECONDS).forced()).isFalse();
  }

  @Test
  void whenConnectorIsGivenAfterStartThenQuiescingClosesIdleConnectionsButThePortStaysBound()
      throws Exception {
    tomcat.start();
    int port = port();
    TomcatDrain.install(control.coordinator(), tomcat.getConnector());
    try (RawHttpConnection idle = new RawHttpConnection(port)) {
      assertThat(idle.get("/fast").status()).isEqualTo(200);

      drainToQuiescing();
      assertThat(idle.awaitClosedByServer()).as("idle keep-alive connection closed").isTrue();
    }
    // Bound on init, the listening socket stays open while paused: connections wait in the
    // backlog (as the javadoc warns) instead of being refused.
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
      assertThat(socket.isConnected()).isTrue();
    }
    assertThat(drain.whenDrained().get(10, SECONDS).forced()).isFalse();
  }
}

package io.drain4j.servlet;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.drain4j.DrainCoordinator;
import io.drain4j.UnitKind;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registration without code, as a WAR gets it: {@link DrainServletContainerInitializer} and the
 * {@code web.xml} form of {@link DrainFilter}, in a real Tomcat 11 context.
 */
class DrainServletContainerInitializerTest {

  @TempDir Path baseDir;

  private Tomcat tomcat;
  private DrainCoordinator published;

  @AfterEach
  void stop() throws Exception {
    Gate.releaseAll();
    if (tomcat != null) {
      tomcat.stop();
      tomcat.destroy();
    }
    if (published != null) {
      published.close();
    }
  }

  private Context newContext() {
    tomcat = TomcatSupport.newTomcat(baseDir);
    Context context = tomcat.addContext("", null);
    TestServlets.all()
        .forEach(
            (path, servlet) -> {
              Tomcat.addServlet(context, path.substring(1), servlet).setAsyncSupported(true);
              context.addServletMapping(path, path.substring(1));
            });
    return context;
  }

  private static DrainCoordinator newCoordinator() {
    return DrainCoordinator.builder()
        .statusPort(0)
        .shutdownHook(false)
        .propagationDelay(Duration.ofMillis(200))
        .deadline(Duration.ofSeconds(5))
        .build();
  }

  /** An application initializer that runs first and publishes its coordinator. */
  private static ServletContainerInitializer publishing(DrainCoordinator coordinator) {
    return (classes, servletContext) ->
        servletContext.setAttribute(DrainFilter.COORDINATOR_ATTRIBUTE, coordinator);
  }

  /**
   * A context whose application publishes {@link #published}, a new coordinator, before {@link
   * DrainServletContainerInitializer} runs.
   */
  private Context newContextWithPublishedCoordinator() {
    published = newCoordinator();
    Context context = newContext();
    context.addServletContainerInitializer(publishing(published), null);
    context.addServletContainerInitializer(new DrainServletContainerInitializer(), null);
    return context;
  }

  private int port() {
    return tomcat.getConnector().getLocalPort();
  }

  @Test
  void whenApplicationPublishedACoordinatorThenTheInitializerTracksRequestsWithIt()
      throws Exception {
    newContextWithPublishedCoordinator();
    tomcat.start();

    Gate gate = Gate.open();
    try (RawHttpConnection connection = new RawHttpConnection(port())) {
      connection.send("/block?id=" + gate.id);
      gate.awaitEntered();
      assertThat(published.inflight(UnitKind.INBOUND)).isEqualTo(1);
      published.startDrain();
      published.whenQuiescing().get(10, SECONDS);
      try (RawHttpConnection late = new RawHttpConnection(port())) {
        assertThat(late.get("/fast").status()).isEqualTo(503);
      }
      gate.release();
      assertThat(connection.read().status()).isEqualTo(200);
    }
    assertThat(published.whenDrained().get(10, SECONDS).forced()).isFalse();

    tomcat.stop();
    assertThat(published.statusAddress())
        .as("the application's coordinator stays open")
        .isNotNull();
    try (Socket socket = new Socket()) {
      socket.connect(published.statusAddress(), 5_000);
    }
  }

  /**
   * Starts Tomcat with only the initializer, which builds its coordinator from {@code drain4j.*}
   * system properties: status endpoint on any free port, no shutdown hook.
   */
  private DrainCoordinator startWithBuiltCoordinator(String propagationDelay) throws Exception {
    String[][] properties = {
      {"drain4j.status.port", "0"}, {"drain4j.shutdown-hook", "false"},
      {"drain4j.propagation-delay", propagationDelay}, {"drain4j.deadline", "3s"}
    };
    for (String[] p : properties) {
      System.setProperty(p[0], p[1]);
    }
    try {
      Context context = newContext();
      context.addServletContainerInitializer(new DrainServletContainerInitializer(), null);
      tomcat.start();
      return (DrainCoordinator)
          context.getServletContext().getAttribute(DrainFilter.COORDINATOR_ATTRIBUTE);
    } finally {
      for (String[] p : properties) {
        System.clearProperty(p[0]);
      }
    }
  }

  @Test
  void whenNoCoordinatorIsPublishedThenTheInitializerBuildsOneFromTheEnvironmentAndClosesIt()
      throws Exception {
    DrainCoordinator built = startWithBuiltCoordinator("200ms");
    assertThat(built).isNotNull();
    assertThat(built.propagationDelay()).isEqualTo(Duration.ofMillis(200));
    InetSocketAddress status = built.statusAddress();
    assertThat(status).isNotNull();

    Gate gate = Gate.open();
    try (RawHttpConnection connection = new RawHttpConnection(port())) {
      connection.send("/block?id=" + gate.id);
      gate.awaitEntered();
      assertThat(built.inflight(UnitKind.INBOUND)).isEqualTo(1);
      gate.release();
      assertThat(connection.read().status()).isEqualTo(200);
    }
    Inflight.awaitCount(built, UnitKind.INBOUND, 0);

    tomcat.stop();
    assertThatThrownBy(
            () -> {
              try (Socket socket = new Socket()) {
                socket.connect(status, 5_000);
              }
            })
        .as("status endpoint closed with the context")
        .isInstanceOf(ConnectException.class);
  }

  @Test
  void whenEnabledParameterIsFalseThenNothingIsRegistered() throws Exception {
    Context context = newContext();
    context.addParameter(DrainServletContainerInitializer.ENABLED_PARAMETER, "false");
    context.addServletContainerInitializer(new DrainServletContainerInitializer(), null);
    tomcat.start();

    assertThat(context.getServletContext().getAttribute(DrainFilter.COORDINATOR_ATTRIBUTE))
        .isNull();
    assertThat(context.findFilterDef(DrainServletContainerInitializer.FILTER_NAME)).isNull();
    try (RawHttpConnection connection = new RawHttpConnection(port())) {
      assertThat(connection.get("/fast").status()).isEqualTo(200);
    }
  }

  @Test
  void whenEnabledParameterIsNotABooleanThenTheContextFailsToStart() throws Exception {
    Context context = newContext();
    context.addParameter(DrainServletContainerInitializer.ENABLED_PARAMETER, "yes");
    context.addServletContainerInitializer(new DrainServletContainerInitializer(), null);
    startExpectingFailure(context);
  }

  @Test
  void whenFilterIsDeclaredWithoutCoordinatorThenItTakesThePublishedOne() throws Exception {
    published = newCoordinator();
    Context context = newContext();
    context.addServletContainerInitializer(publishing(published), null);
    declareFilterByClassName(context);
    tomcat.start();

    Gate gate = Gate.open();
    try (RawHttpConnection connection = new RawHttpConnection(port())) {
      connection.send("/block?id=" + gate.id);
      gate.awaitEntered();
      assertThat(published.inflight(UnitKind.INBOUND)).isEqualTo(1);
      gate.release();
      assertThat(connection.read().status()).isEqualTo(200);
    }
  }

  @Test
  void whenFilterIsDeclaredWithoutCoordinatorAndNoneIsPublishedThenTheContextFailsToStart()
      throws Exception {
    Context context = newContext();
    declareFilterByClassName(context);
    startExpectingFailure(context);
  }

  private static void declareFilterByClassName(Context context) {
    declareFilterByClassName(context, "drain4j");
  }

  /** Declares the filter as {@code web.xml} does: by class name, for {@code /*}. */
  private static void declareFilterByClassName(Context context, String name) {
    declareFilterByClassName(context, name, DispatcherType.REQUEST);
  }

  private static void declareFilterByClassName(
      Context context, String name, DispatcherType... dispatchers) {
    FilterDef def = new FilterDef();
    def.setFilterName(name);
    def.setFilterClass(DrainFilter.class.getName());
    def.setAsyncSupported("true");
    context.addFilterDef(def);
    FilterMap map = new FilterMap();
    map.setFilterName(name);
    map.addURLPattern("/*");
    for (DispatcherType dispatcher : dispatchers) {
      map.setDispatcher(dispatcher.name());
    }
    context.addFilterMap(map);
  }

  private void startExpectingFailure(Context context) throws Exception {
    try {
      tomcat.start();
    } catch (org.apache.catalina.LifecycleException expected) {
      // Tomcat versions differ in whether a failed context fails the whole start.
    }
    assertThat(context.getState()).isNotEqualTo(LifecycleState.STARTED);
    assertThat(context.getState().isAvailable()).isFalse();
  }

  @Test
  void whenContextIsDestroyedDuringTheDrainThenTheBuiltCoordinatorClosesOnlyAfterDrained()
      throws Exception {
    DrainCoordinator built = startWithBuiltCoordinator("500ms");
    InetSocketAddress status = built.statusAddress();
    built.startDrain();

    // Undeploy while the drain still waits out its propagation delay: the context listener holds
    // the close until DRAINED, so the sidecar's preStop hook sees the end of the drain.
    tomcat.stop();
    assertThat(built.whenDrained()).as("drained before the context was gone").isDone();
    assertThat(built.whenDrained().get().forced()).isFalse();
    assertThatThrownBy(
            () -> {
              try (Socket socket = new Socket()) {
                socket.connect(status, 5_000);
              }
            })
        .as("status endpoint closed after the drain")
        .isInstanceOf(ConnectException.class);
  }

  @Test
  void whenEnabledParameterIsTrueInAnyCaseThenTheFilterIsRegistered() throws Exception {
    published = DrainCoordinator.builder().statusEnabled(false).shutdownHook(false).build();
    Context context = newContext();
    context.addParameter(DrainServletContainerInitializer.ENABLED_PARAMETER, " True ");
    context.addServletContainerInitializer(publishing(published), null);
    context.addServletContainerInitializer(new DrainServletContainerInitializer(), null);
    tomcat.start();

    assertThat(context.findFilterDef(DrainServletContainerInitializer.FILTER_NAME)).isNotNull();
    Gate gate = Gate.open();
    try (RawHttpConnection connection = new RawHttpConnection(port())) {
      connection.send("/block?id=" + gate.id);
      gate.awaitEntered();
      assertThat(published.inflight(UnitKind.INBOUND)).isEqualTo(1);
      gate.release();
      assertThat(connection.read().status()).isEqualTo(200);
    }
  }

  @Test
  void whenCoordinatorAttributeHoldsSomethingElseThenTheInitializerFailsNamingIt()
      throws Exception {
    Context context = newContext();
    context.addServletContainerInitializer(
        (classes, servletContext) ->
            servletContext.setAttribute(DrainFilter.COORDINATOR_ATTRIBUTE, "not a coordinator"),
        null);
    AtomicReference<ServletException> failure = new AtomicReference<>();
    context.addServletContainerInitializer(
        (classes, servletContext) -> {
          try {
            new DrainServletContainerInitializer().onStartup(classes, servletContext);
          } catch (ServletException e) {
            failure.set(e);
            throw e;
          }
        },
        null);
    startExpectingFailure(context);

    assertThat(failure.get()).isNotNull();
    assertThat(failure.get().getMessage())
        .contains(DrainFilter.COORDINATOR_ATTRIBUTE, String.class.getName());
  }

  @Test
  void whenFilterIsDeclaredWithoutCoordinatorAndTheAttributeHoldsSomethingElseThenTheContextFails()
      throws Exception {
    Context context = newContext();
    context.addServletContainerInitializer(
        (classes, servletContext) ->
            servletContext.setAttribute(DrainFilter.COORDINATOR_ATTRIBUTE, "not a coordinator"),
        null);
    declareFilterByClassName(context);
    startExpectingFailure(context);
  }

  @Test
  void whenWebXmlDeclaresAFilterNamedDrain4jThenTheInitializerLeavesItInPlace() throws Exception {
    Context context = newContextWithPublishedCoordinator();
    declareFilterByClassName(context);
    tomcat.start();

    assertThat(context.findFilterDefs()).hasSize(1);
    FilterDef kept = context.findFilterDef(DrainServletContainerInitializer.FILTER_NAME);
    assertThat(kept.getFilterClass()).isEqualTo(DrainFilter.class.getName());
    Gate gate = Gate.open();
    try (RawHttpConnection connection = new RawHttpConnection(port())) {
      connection.send("/block?id=" + gate.id);
      gate.awaitEntered();
      assertThat(published.inflight(UnitKind.INBOUND)).isEqualTo(1);
      gate.release();
      assertThat(connection.read().status()).isEqualTo(200);
    }
  }

  @Test
  void whenTwoDrainFiltersAreInTheChainThenEachRequestIsTrackedOnce() throws Exception {
    Context context = newContextWithPublishedCoordinator();
    declareFilterByClassName(context, "drain4j-from-web-xml");
    tomcat.start();
    assertThat(context.findFilterDefs()).hasSize(2);

    assertTrackedOnceThenDrained("/block?");
  }

  @Test
  void whenTheFilterIsMappedForEveryDispatcherTypeThenARequestDispatchedAgainIsTrackedOnce()
      throws Exception {
    Context context = newContextWithPublishedCoordinator();
    declareFilterByClassName(
        context, DrainServletContainerInitializer.FILTER_NAME, DispatcherType.values());
    tomcat.start();

    // Three async cycles: the request passes the filter again on each of its two ASYNC
    // dispatches before it waits at the gate.
    assertTrackedOnceThenDrained("/async?dispatches=3&");
  }

  /**
   * Sends {@code pathAndQuery + "id=" + gate} and holds it at its gate: one unit in flight; once
   * answered, the drain ends unforced, so the unit exited (once is enough: exit is idempotent).
   */
  private void assertTrackedOnceThenDrained(String pathAndQuery) throws Exception {
    Gate gate = Gate.open();
    try (RawHttpConnection connection = new RawHttpConnection(port())) {
      connection.send(pathAndQuery + "id=" + gate.id);
      gate.awaitEntered();
      assertThat(published.inflight(UnitKind.INBOUND)).as("tracked once").isEqualTo(1);
      gate.release();
      assertThat(connection.read().status()).isEqualTo(200);
    }
    published.startDrain();
    assertThat(published.whenDrained().get(10, SECONDS).forced()).isFalse();
  }
}

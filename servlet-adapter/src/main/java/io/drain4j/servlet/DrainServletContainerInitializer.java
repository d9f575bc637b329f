package io.drain4j.servlet;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers {@link DrainFilter} in a web application without code: a servlet container that runs
 * {@code ServletContainerInitializer}s (a WAR in Tomcat, Jetty, or any Jakarta EE 11 container)
 * finds this class through {@code META-INF/services/jakarta.servlet.ServletContainerInitializer} as
 * soon as {@code drain4j-servlet} is in {@code WEB-INF/lib}.
 *
 * <p>At startup it:
 *
 * <ol>
 *   <li>does nothing when the context parameter {@value #ENABLED_PARAMETER} is {@code false};
 *   <li>uses the {@link DrainCoordinator} found in the servlet-context attribute {@value
 *       DrainFilter#COORDINATOR_ATTRIBUTE} (put there by an earlier initializer of the
 *       application), or else builds one with {@link DrainCoordinator#fromEnvironment()} ({@code
 *       DRAIN4J_*} environment variables and {@code drain4j.*} system properties: status endpoint
 *       on {@code 127.0.0.1:9401} and the JVM shutdown hook by default) and publishes it in that
 *       attribute, so that the application can use it for its outbound clients and executors;
 *   <li>registers {@link DrainFilter} as {@value #FILTER_NAME}, for {@code /*}, the {@code REQUEST}
 *       dispatcher type, with async support, before the filters of {@code web.xml}; a filter of
 *       that name declared in {@code web.xml} wins and is left alone.
 * </ol>
 *
 * <p>A coordinator it built is closed when the context is destroyed (undeploy, container shutdown);
 * if its drain is running then, the close waits for {@link DrainState#DRAINED}, at most the rest of
 * the deadline, so that the sidecar's preStop hook sees the end of the drain. A coordinator the
 * application published stays the application's to close.
 */
public final class DrainServletContainerInitializer implements ServletContainerInitializer {

  /**
   * The context parameter ({@code <context-param>} in {@code web.xml}) that turns the automatic
   * registration off when {@code false}: {@value}. Default {@code true}.
   */
  public static final String ENABLED_PARAMETER = "drain4j.servlet.enabled";

  /** The name under which the filter is registered: {@value}. */
  public static final String FILTER_NAME = "drain4j";

  private static final Logger log = LoggerFactory.getLogger(DrainServletContainerInitializer.class);

  /** Called by the container, which finds this class through the service loader. */
  public DrainServletContainerInitializer() {}

  /**
   * Registers the filter, building and publishing the coordinator if the application did not.
   *
   * @param classes not used; {@code null} is fine
   * @param context the web application's context
   * @throws ServletException when {@value #ENABLED_PARAMETER} is neither {@code true} nor {@code
   *     false}, or when {@value DrainFilter#COORDINATOR_ATTRIBUTE} holds something other than a
   *     coordinator
   * @throws io.drain4j.DrainConfigException when a {@code DRAIN4J_*} or {@code drain4j.*} value is
   *     invalid
   */
  @Override
  public void onStartup(Set<Class<?>> classes, ServletContext context) throws ServletException {
    if (!enabled(context.getInitParameter(ENABLED_PARAMETER))) {
      log.info(
          "drain4j filter not registered in '{}': {}=false",
          context.getContextPath(),
          ENABLED_PARAMETER);
      return;
    }
    Object published = context.getAttribute(DrainFilter.COORDINATOR_ATTRIBUTE);
    DrainCoordinator coordinator;
    if (published instanceof DrainCoordinator given) {
      coordinator = given;
    } else if (published != null) {
      throw new ServletException(
          "servlet-context attribute "
              + DrainFilter.COORDINATOR_ATTRIBUTE
              + " holds a "
              + published.getClass().getName()
              + ", not a "
              + DrainCoordinator.class.getName());
    } else {
      coordinator = DrainCoordinator.fromEnvironment();
      context.setAttribute(DrainFilter.COORDINATOR_ATTRIBUTE, coordinator);
      context.addListener(new CloseOnDestroy(coordinator));
    }
    FilterRegistration.Dynamic registration =
        context.addFilter(FILTER_NAME, new DrainFilter(coordinator));
    if (registration == null) {
      log.info(
          "drain4j: a filter named '{}' is already declared in '{}'; not registering another",
          FILTER_NAME,
          context.getContextPath());
      return;
    }
    registration.setAsyncSupported(true);
    registration.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
    log.info(
        "drain4j filter registered in '{}', status endpoint {}",
        context.getContextPath(),
        coordinator.statusAddress() == null ? "disabled" : coordinator.statusAddress());
  }

  private static boolean enabled(String value) throws ServletException {
    if (value == null) {
      return true;
    }
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new ServletException(
              ENABLED_PARAMETER + "=" + value + " is not a boolean; accepted values: true, false");
    };
  }

  /** Closes the coordinator the initializer built, after its drain if one is running. */
  static final class CloseOnDestroy implements ServletContextListener {
    private final DrainCoordinator coordinator;

    CloseOnDestroy(DrainCoordinator coordinator) {
      this.coordinator = coordinator;
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
      try {
        if (coordinator.isDraining()) {
          Duration rest = Duration.ofMillis(coordinator.status().deadlineRemainingMs());
          coordinator.awaitDrained(rest.plusSeconds(1));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        coordinator.close();
      }
    }
  }
}

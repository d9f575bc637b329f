package io.drain4j.servlet;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainState;
import io.drain4j.InFlight;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletResponseWrapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Jakarta Servlet filter that tracks every request as an inbound unit of a {@link
 * DrainCoordinator} and applies the drain policy to the responses.
 *
 * <ul>
 *   <li>A request is admitted with {@link DrainCoordinator#admitInbound(String)}, named by its
 *       method and path ({@code GET /orders}), and exits exactly once, when its work is done: when
 *       the filter chain has returned and the filter has written the response out (it closes the
 *       response's output, which the container would otherwise do after the chain, outside the
 *       tracked region); when the container still has an error page to write after the chain
 *       ({@code sendError}, or an exception thrown by the chain), once the container has written it
 *       out, if the container offers that (see {@link #RESPONSE_COMPLETION_ATTRIBUTE}), or else
 *       when the chain returns; or, for an asynchronous request ({@code startAsync}), when its
 *       {@link AsyncListener} sees it complete, however many times it is dispatched in between. A
 *       timeout or an error of an async request is not its end: the dispatch that handles it ends
 *       it.
 *   <li>From {@link DrainState#DRAINING} on, HTTP/1.x responses carry {@code Connection: close}:
 *       the header is set when the response commits (at the first flush, when the buffer fills, on
 *       {@code sendError}/{@code sendRedirect}, or when the chain returns), so a response that
 *       started before the drain and commits during it closes its connection too. A response
 *       already committed when the drain starts cannot be changed; the connector control of {@link
 *       io.drain4j.servlet.jetty.JettyDrain} and {@link io.drain4j.servlet.tomcat.TomcatDrain}
 *       takes care of such connections.
 *   <li>From {@link DrainState#QUIESCING} on, new requests are answered {@code 503} with {@code
 *       Connection: close} and {@code Retry-After: 1}, without reaching the application; the
 *       coordinator counts them as rejected. Requests already in flight run to their end.
 * </ul>
 *
 * <p>Register it first in the chain, for every path ({@code /*}), with async support, for the
 * {@code REQUEST} dispatcher type. Embedded servers register an instance built with {@link
 * #DrainFilter(DrainCoordinator)}; a WAR gets it from {@link DrainServletContainerInitializer}
 * without any code, or declares it in {@code web.xml} with the no-argument constructor, which reads
 * the coordinator from the servlet-context attribute {@value #COORDINATOR_ATTRIBUTE}.
 *
 * <p>A request is tracked once, at its {@code REQUEST} dispatch: a forward, include, async or error
 * dispatch mapped to the filter passes through, and so does a second registration of the filter in
 * the same chain (it finds the first one's response wrapper).
 */
public final class DrainFilter implements Filter {

  /**
   * The servlet-context attribute that holds the application's {@link DrainCoordinator}: {@value}.
   * {@link DrainServletContainerInitializer} uses the coordinator found there, or publishes the one
   * it creates there; the no-argument constructor reads it in {@link #init(FilterConfig)}.
   */
  public static final String COORDINATOR_ATTRIBUTE = "io.drain4j.DrainCoordinator";

  /**
   * The request attribute in which a container integration offers to run the unit's exit once the
   * response has been written out, for the responses whose end the filter cannot see: {@value}. Its
   * value is an {@link Executor} whose {@code execute} runs the given command, once, after the
   * container has written the whole response to the connection (or the write failed), on any
   * thread. The filter uses it only when the container still has an error page to write after the
   * chain returns (after {@code sendError}, or for an exception the chain threw); without it, such
   * a unit exits when the chain returns. {@link io.drain4j.servlet.jetty.JettyDrain#install} and
   * {@link io.drain4j.servlet.tomcat.TomcatDrain#install} publish it.
   */
  public static final String RESPONSE_COMPLETION_ATTRIBUTE =
      "io.drain4j.servlet.responseCompletion";

  /** Unit names go into logs and the deadline report: long URIs are cut to this length. */
  static final int MAX_NAME_LENGTH = 200;

  private static final Logger log = LoggerFactory.getLogger(DrainFilter.class);
  private static final byte[] REFUSAL =
      "503 Service Unavailable: this instance is shutting down, retry elsewhere\n"
          .getBytes(StandardCharsets.US_ASCII);

  private volatile DrainCoordinator coordinator;

  /**
   * A filter that tracks requests with the given coordinator.
   *
   * @param coordinator the application's coordinator; must not be {@code null}
   */
  public DrainFilter(DrainCoordinator coordinator) {
    this.coordinator = Objects.requireNonNull(coordinator, "coordinator");
  }

  /**
   * A filter for declaration in {@code web.xml}: {@link #init(FilterConfig)} takes the coordinator
   * from the servlet-context attribute {@value #COORDINATOR_ATTRIBUTE}.
   */
  public DrainFilter() {
    this.coordinator = null;
  }

  /**
   * Resolves the coordinator when the filter was built without one.
   *
   * @param config the filter configuration given by the container
   * @throws ServletException when no coordinator was given and the servlet-context attribute
   *     {@value #COORDINATOR_ATTRIBUTE} does not hold one
   */
  @Override
  public void init(FilterConfig config) throws ServletException {
    if (coordinator != null) {
      return;
    }
    Object attribute = config.getServletContext().getAttribute(COORDINATOR_ATTRIBUTE);
    if (!(attribute instanceof DrainCoordinator published)) {
      throw new ServletException(
          "DrainFilter '"
              + config.getFilterName()
              + "' was declared without a coordinator and the servlet-context attribute "
              + COORDINATOR_ATTRIBUTE
              + " holds "
              + describe(attribute)
              + "; publish the application's DrainCoordinator there before the filter starts"
              + " (or let DrainServletContainerInitializer register the filter)");
    }
    coordinator = published;
  }

  /**
   * Tracks the request, or refuses it with {@code 503} while the coordinator is quiescing. Requests
   * that are not HTTP pass through untracked.
   */
  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    DrainCoordinator drain = coordinator;
    if (drain == null) {
      throw new ServletException("DrainFilter used before init(FilterConfig)");
    }
    if (!(req instanceof HttpServletRequest request)
        || !(res instanceof HttpServletResponse response)
        || request.getDispatcherType() != DispatcherType.REQUEST
        || tracked(response)) {
      chain.doFilter(req, res);
      return;
    }
    boolean http1 = isHttp1(request);
    InFlight unit = drain.admitInbound(unitName(request));
    if (unit == null) {
      refuse(response, http1);
      return;
    }
    // Set once nothing is left for the container to write: the unit may exit here.
    boolean writtenOut = false;
    try {
      // An async response is written through the unwrapped response (startAsync() hands the
      // original objects to the AsyncContext), so mark it now if the drain already runs.
      if (http1 && drain.isDraining()) {
        response.setHeader(DrainResponse.CONNECTION, DrainResponse.CLOSE);
      }
      // The wrapper also marks the request as tracked, for a second registration down the chain;
      // a request attribute would do the same at the price of an attribute map per request.
      DrainResponse wrapped = new DrainResponse(response, drain, unit, http1);
      chain.doFilter(request, wrapped);
      if (!request.isAsyncStarted()) {
        // The container commits the response after the chain returns.
        wrapped.closeConnectionIfDraining();
        writtenOut = writeOut(wrapped, unit);
      }
    } finally {
      if (request.isAsyncStarted()) {
        if (!exitWhenAsyncEnds(request, unit)) {
          unit.exit();
        }
      } else if (writtenOut || !exitAfterResponse(request, unit)) {
        unit.exit();
      }
    }
  }

  /**
   * Writes the response out before the unit exits: a response the container would write after the
   * chain returns is not done yet (a large buffered body takes as long as the client takes to read
   * it). A write that fails ends the unit all the same: the client has gone.
   *
   * @return {@code false} when the container still has an error page to write into the response
   */
  private static boolean writeOut(DrainResponse response, InFlight unit) {
    try {
      return response.finish();
    } catch (IOException e) {
      log.debug("drain4j: the response of {} could not be written out", unit.name(), e);
      return true;
    }
  }

  /**
   * Hands the exit to the container when it still has an error page to write after the chain (after
   * {@code sendError}, or for an exception the chain threw), if the container publishes {@value
   * #RESPONSE_COMPLETION_ATTRIBUTE}.
   *
   * @return {@code false} when the container does not, or refused the exit; the caller then exits
   *     at once
   */
  private static boolean exitAfterResponse(HttpServletRequest request, InFlight unit) {
    if (!(request.getAttribute(RESPONSE_COMPLETION_ATTRIBUTE) instanceof Executor completion)) {
      return false;
    }
    try {
      completion.execute(unit::exit);
      return true;
    } catch (RuntimeException e) {
      log.warn(
          "drain4j could not wait for the error page of {}; it stops being tracked now",
          unit.name(),
          e);
      return false;
    }
  }

  /** Nothing to release: the coordinator belongs to the application. */
  @Override
  public void destroy() {}

  /**
   * Attaches the exit to the request's async cycle.
   *
   * @return {@code false} when the container refused the listener; the caller then exits at once,
   *     because a unit that never exits would hold the drain until the deadline
   */
  private static boolean exitWhenAsyncEnds(HttpServletRequest request, InFlight unit) {
    try {
      request.getAsyncContext().addListener(new ExitOnAsyncEnd(unit));
      return true;
    } catch (IllegalStateException e) {
      log.warn(
          "drain4j could not follow async request {}; it stops being tracked now", unit.name(), e);
      return false;
    }
  }

  private static void refuse(HttpServletResponse response, boolean http1) throws IOException {
    response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
    if (http1) {
      response.setHeader(DrainResponse.CONNECTION, DrainResponse.CLOSE);
    }
    response.setHeader("Retry-After", "1");
    response.setContentType("text/plain;charset=US-ASCII");
    response.setContentLength(REFUSAL.length);
    response.getOutputStream().write(REFUSAL);
  }

  static String unitName(HttpServletRequest request) {
    String method = request.getMethod();
    String uri = request.getRequestURI();
    int room = MAX_NAME_LENGTH - method.length() - 1;
    if (uri.length() > room) {
      uri = uri.substring(0, Math.max(0, room - 3)) + "...";
    }
    return method + ' ' + uri;
  }

  /** Whether an earlier registration of this filter already wrapped the response. */
  private static boolean tracked(HttpServletResponse response) {
    return response instanceof DrainResponse
        || (response instanceof ServletResponseWrapper wrapper
            && wrapper.isWrapperFor(DrainResponse.class));
  }

  /** {@code Connection} is an HTTP/1.x header; HTTP/2 and later forbid it. */
  private static boolean isHttp1(HttpServletRequest request) {
    String protocol = request.getProtocol();
    return protocol != null && protocol.startsWith("HTTP/1.");
  }

  private static String describe(Object attribute) {
    return attribute == null ? "nothing" : "a " + attribute.getClass().getName();
  }

  /**
   * Exits the unit when the async cycle ends, and follows the request into every new cycle: a
   * listener does not receive the events of a cycle started by a later {@code startAsync} unless it
   * registers again.
   */
  static final class ExitOnAsyncEnd implements AsyncListener {
    private final InFlight unit;

    ExitOnAsyncEnd(InFlight unit) {
      this.unit = unit;
    }

    /** The container calls this once the response has been written out, or has failed. */
    @Override
    public void onComplete(AsyncEvent event) {
      unit.exit();
    }

    /**
     * Not the end: the application (Spring MVC's {@code DeferredResult} timeout handling) may
     * dispatch and write the answer afterwards, and the container always completes the request, and
     * calls {@link #onComplete}, when nobody else does.
     */
    @Override
    public void onTimeout(AsyncEvent event) {}

    /** Not the end either, for the same reason as {@link #onTimeout}. */
    @Override
    public void onError(AsyncEvent event) {}

    @Override
    public void onStartAsync(AsyncEvent event) {
      event.getAsyncContext().addListener(this);
    }
  }
}

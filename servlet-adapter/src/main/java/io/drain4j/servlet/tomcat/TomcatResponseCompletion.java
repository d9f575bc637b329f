package io.drain4j.servlet.tomcat;

import io.drain4j.servlet.DrainFilter;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.util.concurrent.Executor;
import org.apache.catalina.Container;
import org.apache.catalina.Pipeline;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offers {@link DrainFilter} the end of each Tomcat request ({@value
 * DrainFilter#RESPONSE_COMPLETION_ATTRIBUTE}): a valve of the engine, which runs around the host's
 * error handling (custom error pages and the {@code ErrorReportValve}), gives every request an
 * {@link Executor} that keeps the filter's exit. When the rest of the pipeline has returned, and
 * the request is not asynchronous, the valve writes the response out as Tomcat's adapter would a
 * moment later (Tomcat finishes a response once: the adapter's own finish then has nothing left to
 * do) and runs the exit. If the pipeline throws, the exit runs at once.
 */
final class TomcatResponseCompletion extends ValveBase {

  private static final Logger log = LoggerFactory.getLogger(TomcatResponseCompletion.class);

  /** The note of the Catalina request that keeps the exit handed over by the filter. */
  private static final String EXIT_NOTE = "io.drain4j.servlet.exitAfterResponse";

  TomcatResponseCompletion() {
    super(true);
  }

  /** Adds the valve, once, to the pipeline of {@code engine}. */
  static void install(Container engine) {
    Pipeline pipeline = engine.getPipeline();
    synchronized (pipeline) {
      for (Valve valve : pipeline.getValves()) {
        if (valve instanceof TomcatResponseCompletion) {
          return;
        }
      }
      pipeline.addValve(new TomcatResponseCompletion());
    }
  }

  @Override
  public void invoke(Request request, Response response) throws IOException, ServletException {
    Executor completion = exit -> request.setNote(EXIT_NOTE, exit);
    request.setAttribute(DrainFilter.RESPONSE_COMPLETION_ATTRIBUTE, completion);
    boolean returned = false;
    try {
      getNext().invoke(request, response);
      returned = true;
    } finally {
      if (request.getNote(EXIT_NOTE) instanceof Runnable exit) {
        request.removeNote(EXIT_NOTE);
        try {
          if (returned && !request.isAsync()) {
            writeOut(request, response);
          }
        } finally {
          exit.run();
        }
      }
    }
  }

  /**
   * What Tomcat's adapter does after the pipeline; a write that fails means the client has gone.
   */
  private static void writeOut(Request request, Response response) {
    try {
      request.finishRequest();
      response.finishResponse();
    } catch (IOException e) {
      log.debug("drain4j: the error response of {} could not be written out", request, e);
    }
  }
}

package io.drain4j.samples.servlet;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The endpoints every drain4j demo serves (DESIGN §8): {@code /work}, {@code /call}, {@code /job}
 * and {@code /stream}. Anything else is 404, any other method 405.
 */
final class DemoServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;
  private static final Logger log = LoggerFactory.getLogger(DemoServlet.class);
  private static final long MAX_MS = 600_000;
  private static final int MAX_CHUNKS = 10_000;

  private final transient HttpClient client;
  private final transient URI upstream;
  private final transient ExecutorService jobs;

  /**
   * @param client the outbound client for {@code /call} (tracked when drain4j is on)
   * @param upstream base URL of {@code /call}; {@code null} when not configured
   * @param jobs the executor for {@code /job} (tracked when drain4j is on)
   */
  DemoServlet(HttpClient client, URI upstream, ExecutorService jobs) {
    this.client = client;
    this.upstream = upstream;
    this.jobs = jobs;
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String path = request.getRequestURI().substring(request.getContextPath().length());
    try {
      switch (path) {
        case "/work" -> work(request, response);
        case "/call" -> call(request, response);
        case "/job" -> job(request, response);
        case "/stream" -> stream(request, response);
        default -> response.sendError(HttpServletResponse.SC_NOT_FOUND);
      }
    } catch (BadParameter e) {
      text(response, HttpServletResponse.SC_BAD_REQUEST, e.getMessage() + "\n");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      text(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "interrupted\n");
    }
  }

  /** {@code GET /work?ms=N}: waits N ms, answers 200 {@code ok}. */
  private static void work(HttpServletRequest request, HttpServletResponse response)
      throws IOException, InterruptedException {
    Thread.sleep(millis(request));
    text(response, HttpServletResponse.SC_OK, "ok");
  }

  /** {@code GET /call?ms=N}: {@code UPSTREAM_URL/work?ms=N} through the outbound client. */
  private void call(HttpServletRequest request, HttpServletResponse response)
      throws IOException, InterruptedException {
    long ms = millis(request);
    if (upstream == null) {
      text(response, HttpServletResponse.SC_BAD_GATEWAY, "UPSTREAM_URL is not set\n");
      return;
    }
    HttpRequest call =
        HttpRequest.newBuilder(URI.create(upstream + "/work?ms=" + ms))
            .timeout(Duration.ofMillis(ms).plusSeconds(30))
            .GET()
            .build();
    try {
      HttpResponse<String> answer = client.send(call, HttpResponse.BodyHandlers.ofString());
      if (answer.statusCode() / 100 == 2) {
        text(response, HttpServletResponse.SC_OK, answer.body());
      } else {
        text(
            response,
            HttpServletResponse.SC_BAD_GATEWAY,
            "upstream answered " + answer.statusCode() + "\n");
      }
    } catch (IOException | RuntimeException e) {
      // RuntimeException covers DrainedException: the client closed at the end of a drain.
      log.warn("call to {} failed: {}", call.uri(), e.toString());
      text(response, HttpServletResponse.SC_BAD_GATEWAY, "upstream call failed: " + e + "\n");
    }
  }

  /** {@code GET /job?ms=N}: starts a background task of N ms, answers 202 at once. */
  private void job(HttpServletRequest request, HttpServletResponse response) throws IOException {
    long ms = millis(request);
    try {
      jobs.execute(
          () -> {
            try {
              Thread.sleep(ms);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      text(response, HttpServletResponse.SC_ACCEPTED, "accepted\n");
    } catch (RejectedExecutionException e) {
      text(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "job rejected: " + e + "\n");
    }
  }

  /**
   * {@code GET /stream?ms=N&chunks=K}: commits the response at once, then sends K chunks, one every
   * N/K ms, and ends.
   */
  private static void stream(HttpServletRequest request, HttpServletResponse response)
      throws IOException, InterruptedException {
    long ms = millis(request);
    int chunks = (int) parameter(request, "chunks", 1, MAX_CHUNKS);
    response.setStatus(HttpServletResponse.SC_OK);
    response.setContentType("text/plain;charset=UTF-8");
    response.flushBuffer();
    PrintWriter out = response.getWriter();
    long intervalNanos = Duration.ofMillis(ms).toNanos() / chunks;
    long start = System.nanoTime();
    for (int i = 1; i <= chunks; i++) {
      long wait = start + i * intervalNanos - System.nanoTime();
      if (wait > 0) {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      }
      out.write("chunk " + i + "/" + chunks + "\n");
      out.flush();
    }
  }

  private static long millis(HttpServletRequest request) {
    return parameter(request, "ms", 0, MAX_MS);
  }

  private static long parameter(HttpServletRequest request, String name, long min, long max) {
    String value = request.getParameter(name);
    if (value == null) {
      throw new BadParameter("query parameter " + name + " is required");
    }
    try {
      long n = Long.parseLong(value);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new BadParameter(
        name + "=" + value + " must be a whole number from " + min + " to " + max);
  }

  private static void text(HttpServletResponse response, int status, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    response.setContentType("text/plain;charset=UTF-8");
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
  }

  /** A missing or malformed query parameter: answered 400. */
  private static final class BadParameter extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadParameter(String message) {
      super(message, null, false, false);
    }
  }
}

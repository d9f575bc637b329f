package io.drain4j.servlet;

import io.drain4j.InFlight;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** The servlets the contract tests run in each container, by path. */
final class TestServlets {

  /** Completes async requests on threads that are not the container's. */
  static final ExecutorService COMPLETER =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "async-completer");
            t.setDaemon(true);
            return t;
          });

  private TestServlets() {}

  static Map<String, HttpServlet> all() {
    Map<String, HttpServlet> servlets = new LinkedHashMap<>();
    servlets.put("/fast", new Fast());
    servlets.put("/block", new Block());
    servlets.put("/async", new Async());
    servlets.put("/stream", new Stream());
    servlets.put("/commit", new Commit());
    servlets.put("/nonblocking", new NonBlocking());
    servlets.put("/write-to-closed", new WriteToClosed());
    servlets.put("/name/*", new UnitName());
    servlets.put("/large", new Large());
    servlets.put("/fail", new Fail());
    servlets.put(ErrorPage.PATH, new ErrorPage());
    return servlets;
  }

  /** Answers {@code ok} at once. */
  static final class Fast extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      resp.setContentType("text/plain");
      resp.getWriter().write("ok");
    }
  }

  /** Holds the request at gate {@code id}, then answers {@code done}. */
  static final class Block extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      boolean released = Gate.hold(req.getParameter("id"));
      resp.setContentType("text/plain");
      resp.getWriter().write(released ? "done" : "not released");
    }
  }

  /**
   * Starts async, dispatches itself {@code dispatches - 1} times (each dispatch starts a new async
   * cycle), then holds the request at gate {@code id} and completes it from a thread of {@link
   * #COMPLETER}. Other modes, by the parameter {@code mode}:
   *
   * <ul>
   *   <li>{@code timeout}: starts async with a timeout of {@code timeoutMs}, enters gate {@code id}
   *       and never completes, so that the container times the request out;
   *   <li>{@code timeoutDispatch}: starts async with a timeout of {@code timeoutMs} and answers the
   *       timeout in a dispatch that waits at gate {@code id};
   *   <li>{@code failDispatch}: starts async and dispatches itself; the dispatch throws;
   *   <li>{@code completeEarly}: starts async and has a {@link #COMPLETER} thread write {@code
   *       early} and complete the request before this dispatch returns.
   * </ul>
   */
  static final class Async extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final String LEFT = "dispatches.left";

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      String mode = req.getParameter("mode");
      if ("timeout".equals(mode)) {
        AsyncContext async = req.startAsync();
        async.setTimeout(Long.parseLong(req.getParameter("timeoutMs")));
        Gate.find(req.getParameter("id")).enter();
        return;
      }
      if ("timeoutDispatch".equals(mode)) {
        answerTimeoutInADispatch(req, resp);
        return;
      }
      if ("failDispatch".equals(mode)) {
        if (req.getDispatcherType() == DispatcherType.ASYNC) {
          throw new IllegalStateException("the async dispatch fails, as the test wants");
        }
        AsyncContext async = req.startAsync();
        async.setTimeout(60_000);
        async.dispatch();
        return;
      }
      if ("completeEarly".equals(mode)) {
        completeBeforeReturning(req.startAsync());
        return;
      }
      Object left = req.getAttribute(LEFT);
      int dispatches =
          left == null ? Integer.parseInt(req.getParameter("dispatches")) : (Integer) left;
      AsyncContext async = req.startAsync();
      async.setTimeout(60_000);
      if (dispatches > 1) {
        req.setAttribute(LEFT, dispatches - 1);
        async.dispatch();
        return;
      }
      Gate gate = Gate.find(req.getParameter("id"));
      gate.enter();
      COMPLETER.execute(
          () -> {
            boolean released = gate.awaitRelease();
            try {
              async.getResponse().setContentType("text/plain");
              async.getResponse().getWriter().write(released ? "async-done" : "not released");
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            } finally {
              async.complete();
            }
          });
    }

    /**
     * As Spring MVC handles a {@code DeferredResult} timeout: the listener dispatches, and the
     * dispatch (held at gate {@code id}) writes {@code timeout-handled}.
     */
    private static void answerTimeoutInADispatch(HttpServletRequest req, HttpServletResponse resp)
        throws IOException {
      if (req.getDispatcherType() == DispatcherType.ASYNC) {
        Gate gate = Gate.find(req.getParameter("id"));
        gate.enter();
        boolean released = gate.awaitRelease();
        resp.setContentType("text/plain");
        resp.getWriter().write(released ? "timeout-handled" : "not released");
        return;
      }
      AsyncContext async = req.startAsync();
      async.setTimeout(Long.parseLong(req.getParameter("timeoutMs")));
      async.addListener(
          new AsyncListener() {
            @Override
            public void onTimeout(AsyncEvent event) {
              event.getAsyncContext().dispatch();
            }

            @Override
            public void onComplete(AsyncEvent event) {}

            @Override
            public void onError(AsyncEvent event) {}

            @Override
            public void onStartAsync(AsyncEvent event) {}
          });
    }

    private static void completeBeforeReturning(AsyncContext async) throws IOException {
      CountDownLatch completed = new CountDownLatch(1);
      COMPLETER.execute(
          () -> {
            try {
              async.getResponse().setContentType("text/plain");
              async.getResponse().getWriter().write("early");
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            } finally {
              async.complete();
              completed.countDown();
            }
          });
      try {
        if (!completed.await(10, TimeUnit.SECONDS)) {
          throw new IOException("the completer thread did not complete the request");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
  }

  /**
   * Streams {@code first} and {@code second}, flushed, with the gate {@code id} in between ({@code
   * commitFirst=true}: the response commits before the gate) or before both.
   */
  static final class Stream extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      Gate gate = Gate.find(req.getParameter("id"));
      boolean commitFirst = Boolean.parseBoolean(req.getParameter("commitFirst"));
      resp.setContentType("text/plain");
      PrintWriter out = resp.getWriter();
      if (commitFirst) {
        out.write("first\n");
        out.flush();
      }
      gate.enter();
      gate.awaitRelease();
      if (!commitFirst) {
        out.write("first\n");
        out.flush();
      }
      out.write("second\n");
      out.flush();
    }
  }

  /**
   * Holds the request at gate {@code id}, then commits the response through the path named by
   * {@code via} (each path that {@link DrainResponse} checks), so that the response commits inside
   * the application and not when the filter chain returns. Answers {@code ok} unless the path is an
   * error or a redirect.
   */
  static final class Commit extends HttpServlet {
    private static final long serialVersionUID = 1L;

    /** The status each {@code via} answers with. */
    static final Map<String, Integer> STATUS_BY_VIA = statusByVia();

    private static Map<String, Integer> statusByVia() {
      Map<String, Integer> status = new LinkedHashMap<>();
      status.put("sendErrorWithMessage", 409);
      status.put("sendError", 410);
      status.put("sendRedirect", 302);
      status.put("sendRedirectWithStatus", 303);
      status.put("sendRedirectClearingBuffer", 302);
      status.put("sendRedirectWithStatusClearingBuffer", 307);
      for (String via :
          new String[] {
            "flushBuffer",
            "streamWriteByte",
            "streamWriteArray",
            "streamWriteByteBuffer",
            "streamFlush",
            "streamClose",
            "writerWriteChar",
            "writerWriteArray",
            "writerPrintln",
            "writerClose",
            "resetThenFlush"
          }) {
        status.put(via, 200);
      }
      return status;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      Gate.hold(req.getParameter("id"));
      String via = req.getParameter("via");
      byte[] ok = "ok".getBytes(StandardCharsets.US_ASCII);
      resp.setContentType("text/plain;charset=US-ASCII");
      switch (via) {
        case "sendErrorWithMessage" -> resp.sendError(409, "conflict");
        case "sendError" -> resp.sendError(410);
        case "sendRedirect" -> resp.sendRedirect("/fast");
        case "sendRedirectWithStatus" -> resp.sendRedirect("/fast", 303);
        case "sendRedirectClearingBuffer" -> resp.sendRedirect("/fast", true);
        case "sendRedirectWithStatusClearingBuffer" -> resp.sendRedirect("/fast", 307, true);
        case "flushBuffer" -> {
          resp.getWriter().write("ok");
          resp.flushBuffer();
        }
        case "streamWriteByte" -> {
          // Reaching the declared length commits (and completes) the response.
          resp.setContentLength(ok.length);
          ServletOutputStream out = resp.getOutputStream();
          out.write(ok[0]);
          out.write(ok[1]);
        }
        case "streamWriteArray" -> {
          resp.setContentLength(ok.length);
          resp.getOutputStream().write(ok);
        }
        case "streamWriteByteBuffer" -> {
          resp.setContentLength(ok.length);
          resp.getOutputStream().write(ByteBuffer.wrap(ok));
        }
        case "streamFlush" -> {
          resp.getOutputStream().print("ok");
          resp.getOutputStream().flush();
        }
        case "streamClose" -> {
          resp.getOutputStream().print("ok");
          resp.getOutputStream().close();
        }
        case "writerWriteChar" -> {
          PrintWriter out = resp.getWriter();
          out.write('o');
          out.write('k');
          out.flush();
        }
        case "writerWriteArray" -> {
          PrintWriter out = resp.getWriter();
          out.write(new char[] {'o', 'k'});
          out.flush();
        }
        case "writerPrintln" -> {
          PrintWriter out = resp.getWriter();
          out.print("ok");
          out.println();
          out.flush();
        }
        case "writerClose" -> {
          PrintWriter out = resp.getWriter();
          out.print("ok");
          out.close();
        }
        case "resetThenFlush" -> {
          // The first write sets Connection: close; reset() clears it with the other headers.
          resp.getWriter().write("discarded");
          resp.reset();
          resp.setContentType("text/plain;charset=US-ASCII");
          resp.getWriter().write("ok");
          resp.flushBuffer();
        }
        default -> throw new IllegalArgumentException("unknown via " + via);
      }
    }
  }

  /**
   * Holds the request at gate {@code id}, then starts async and writes {@code nb-done} with
   * non-blocking output ({@link WriteListener}) through the response it was given.
   */
  static final class NonBlocking extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      Gate.hold(req.getParameter("id"));
      AsyncContext async = req.startAsync();
      async.setTimeout(60_000);
      resp.setContentType("text/plain");
      ServletOutputStream out = resp.getOutputStream();
      out.setWriteListener(
          new WriteListener() {
            private boolean written;

            @Override
            public void onWritePossible() throws IOException {
              if (!written && out.isReady()) {
                written = true;
                out.write("nb-done".getBytes(StandardCharsets.US_ASCII));
              }
              if (written && out.isReady()) {
                async.complete();
              }
            }

            @Override
            public void onError(Throwable t) {
              async.complete();
            }
          });
    }
  }

  /**
   * Holds the request at gate {@code id} while the test closes the client's socket, then writes
   * through the response's writer until {@link PrintWriter#checkError()} reports the failure, at
   * most 64 MiB. Completes the gate's {@link Gate#result} with what {@code checkError} said.
   */
  static final class WriteToClosed extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      Gate gate = Gate.find(req.getParameter("id"));
      gate.enter();
      gate.awaitRelease();
      char[] chunk = new char[64 * 1024];
      Arrays.fill(chunk, 'x');
      PrintWriter out = resp.getWriter();
      boolean error = false;
      for (int i = 0; i < 1024 && !error; i++) {
        out.write(chunk);
        error = out.checkError();
      }
      gate.result.complete(error);
    }
  }

  /**
   * Writes {@code bytes} bytes of {@code x} into a response buffer large enough to hold them all,
   * then holds the request at gate {@code id} and returns: the whole body is still to be written
   * when the servlet returns.
   */
  static final class Large extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      int bytes = Integer.parseInt(req.getParameter("bytes"));
      resp.setBufferSize(bytes + 1024);
      resp.setContentType("application/octet-stream");
      writeRepeated(resp.getOutputStream(), (byte) 'x', bytes);
      Gate.hold(req.getParameter("id"));
    }
  }

  /**
   * Holds the request at gate {@code id}, then fails: with {@code sendError(status)} ({@code 500}
   * unless the parameter {@code status} says otherwise), or, with {@code mode=throw}, with an
   * exception. The container writes the error page after the filter chain has returned.
   */
  static final class Fail extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      Gate.hold(req.getParameter("id"));
      if ("throw".equals(req.getParameter("mode"))) {
        throw new IllegalStateException("the servlet fails, as the test wants");
      }
      String status = req.getParameter("status");
      resp.sendError(status == null ? 500 : Integer.parseInt(status));
    }
  }

  /**
   * The error page that the containers map to status {@value #STATUS}: writes {@code bytes} bytes
   * of {@code e} (the parameter of the failed request), so that a client that reads slowly holds
   * the error dispatch in its writes.
   */
  static final class ErrorPage extends HttpServlet {
    private static final long serialVersionUID = 1L;
    static final String PATH = "/error-page";
    static final int STATUS = 507;

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      if (req.getDispatcherType() != DispatcherType.ERROR) {
        resp.sendError(404);
        return;
      }
      int bytes = Integer.parseInt(req.getParameter("bytes"));
      resp.setContentType("application/octet-stream");
      writeRepeated(resp.getOutputStream(), (byte) 'e', bytes);
    }
  }

  /**
   * Holds the container's own error page, before it is written, at the gate named by the request
   * parameter {@code holdErrorPage}, if any: the containers' default error pages are too small to
   * be held by a client that reads slowly. Called by the error handlers the contract tests install.
   */
  static void holdErrorPage(String gateId) {
    if (gateId != null) {
      Gate.hold(gateId);
    }
  }

  /** Writes {@code bytes} copies of {@code fill}, in chunks of 64 KiB. */
  static void writeRepeated(ServletOutputStream out, byte fill, int bytes) throws IOException {
    byte[] chunk = new byte[64 * 1024];
    Arrays.fill(chunk, fill);
    for (int written = 0; written < bytes; written += chunk.length) {
      out.write(chunk, 0, Math.min(chunk.length, bytes - written));
    }
  }

  /** Answers the name of the inbound unit that tracks the request. */
  static final class UnitName extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      InFlight unit = ((DrainResponse) resp).unit();
      resp.setContentType("text/plain;charset=UTF-8");
      resp.getWriter().write(unit.kind() + "|" + unit.name());
    }
  }
}

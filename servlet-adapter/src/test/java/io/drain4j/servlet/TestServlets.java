package io.drain4j.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The servlets the contract tests run in each container, by path. */
final class TestServlets {

  /** Completes async requests on threads that are not the container's. */
  static final ExecutorService COMPLETER = Executors.newCachedThreadPool(r -> {
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
      Gate gate = Gate.find(req.getParameter("id"));
      gate.enter();
      boolean released = gate.awaitRelease();
      resp.setContentType("text/plain");
      resp.getWriter().write(released ? "done" : "not released");
    }
  }

  /**
   * Starts async, dispatches itself {@code dispatches - 1} times (each dispatch starts a new async
   * cycle), then holds the request at gate {@code id} and completes it from a thread of
   * {@link #COMPLETER}.
   */
  static final class Async extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final String LEFT = "dispatches.left";

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
      Object left = req.getAttribute(LEFT);
      int dispatches = left == null ? Integer.parseInt(req.getParameter("dispatches"))
          : (Integer) left;
      AsyncContext async = req.startAsync();
      async.setTimeout(60_000);
      if (dispatches > 1) {
        req.setAttribute(LEFT, dispatches - 1);
        async.dispatch();
        return;
      }
      Gate gate = Gate.find(req.getParameter("id"));
      gate.enter();
      COMPLETER.execute(() -> {
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
  }

  /**
   * Streams {@code first} and {@code second}, flushed, with the gate {@code id} in between
   * ({@code commitFirst=true}: the response commits before the gate) or before both.
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
}

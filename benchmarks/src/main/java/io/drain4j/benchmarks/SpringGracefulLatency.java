package io.drain4j.benchmarks;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.GracefulShutdownResult;
import org.springframework.boot.web.server.Shutdown;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.servlet.ConfigurableServletWebServerFactory;

/**
 * The alternative in Spring Boot: {@code server.shutdown=graceful}, which is {@link
 * Shutdown#GRACEFUL} on Boot's own Tomcat or Jetty web server factory. Measures the time from the
 * last request finishing (the servlet returning) to the web server's graceful shutdown reporting
 * {@link GracefulShutdownResult#IDLE}.
 *
 * <p>Each round: a fresh web server on port 0 built by Boot's factory, one request held in the
 * servlet, {@code shutDownGracefully} called, then the request released after a random 5 to 150 ms
 * so that its end falls at a random phase of Boot's polling. Arguments: {@code tomcat|jetty
 * [resultsDir] [rounds] [warmupRounds]}.
 */
public final class SpringGracefulLatency {
  private SpringGracefulLatency() {}

  /**
   * Runs the loop and writes {@code spring-graceful-<server>.txt}.
   *
   * @param args server ({@code tomcat} or {@code jetty}), results directory, rounds (default 200),
   *     warm-up rounds (default 10)
   * @throws Exception when a round fails
   */
  public static void main(String[] args) throws Exception {
    // Tomcat logs every start and stop through java.util.logging.
    java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
    String kind = args.length > 0 ? args[0].toLowerCase(Locale.ROOT) : "tomcat";
    if (!kind.equals("tomcat") && !kind.equals("jetty")) {
      throw new IllegalArgumentException("server must be tomcat or jetty: " + kind);
    }
    String[] rest =
        args.length > 0 ? java.util.Arrays.copyOfRange(args, 1, args.length) : new String[0];
    int rounds = Samples.intArg(rest, 1, 200);
    int warmup = Samples.intArg(rest, 2, 10);
    Samples samples = new Samples("spring-graceful-" + kind);
    for (int i = 0; i < warmup + rounds; i++) {
      long nanos = oneRound(kind);
      if (i >= warmup) {
        samples.add(nanos);
      }
    }
    samples.write(Samples.dir(rest, 0));
    System.out.println(samples.summary());
    // The web servers leave non-daemon utility threads behind.
    System.exit(0);
  }

  private static long oneRound(String kind) throws Exception {
    ConfigurableServletWebServerFactory factory =
        kind.equals("tomcat")
            ? new TomcatServletWebServerFactory(0)
            : new JettyServletWebServerFactory(0);
    factory.setShutdown(Shutdown.GRACEFUL);
    HeldServlet servlet = new HeldServlet();
    WebServer server =
        factory.getWebServer(context -> context.addServlet("work", servlet).addMapping("/work"));
    server.start();
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.getPort())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          "GET /work HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      if (!servlet.entered.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("request did not reach the servlet");
      }
      CompletableFuture<Long> done = new CompletableFuture<>();
      server.shutDownGracefully(
          result -> {
            long at = System.nanoTime();
            if (result == GracefulShutdownResult.IDLE) {
              done.complete(at);
            } else {
              done.completeExceptionally(new IllegalStateException("graceful shutdown: " + result));
            }
          });
      Thread.sleep(ThreadLocalRandom.current().nextLong(5, 150));
      servlet.release.countDown();
      InputStream in = socket.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      if (!answer.startsWith("HTTP/1.1 200")) {
        throw new IllegalStateException("unexpected answer: " + answer);
      }
      return done.get(30, TimeUnit.SECONDS) - servlet.finishedAt.get(30, TimeUnit.SECONDS);
    } finally {
      server.stop();
    }
  }

  /** Holds the request until released; records when it finished. */
  private static final class HeldServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    final transient CountDownLatch entered = new CountDownLatch(1);
    final transient CountDownLatch release = new CountDownLatch(1);
    final transient CompletableFuture<Long> finishedAt = new CompletableFuture<>();

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
        throws IOException {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      response.setContentType("text/plain");
      response.getWriter().write("ok");
      response.flushBuffer();
      finishedAt.complete(System.nanoTime());
    }
  }
}

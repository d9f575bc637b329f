package io.drain4j.spring.app;

import io.drain4j.spring.testsupport.Upstream;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.context.request.async.AsyncRequestTimeoutException;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * A Spring MVC application: {@code GET /work} starts an {@code @Async} job, calls the upstream
 * through a {@code RestClient} built from Boot's builder, and answers {@code ok:} and the
 * upstream's body.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableAsync
@Import({MvcWorkController.class, MvcContractController.class})
public class MvcApplication {

  @Bean
  Gate gate() {
    return new Gate();
  }

  /**
   * Holds the dispatch that answers a {@code /deferred} or {@code /callable} request after its
   * timeout at the gate.
   */
  @Bean
  WebMvcConfigurer asyncDispatchGate(Gate gate) {
    return new WebMvcConfigurer() {
      @Override
      public void addInterceptors(InterceptorRegistry registry) {
        registry
            .addInterceptor(
                new HandlerInterceptor() {
                  @Override
                  public boolean preHandle(
                      HttpServletRequest request, HttpServletResponse response, Object handler) {
                    if (request.getDispatcherType() == DispatcherType.ASYNC) {
                      gate.hold();
                    }
                    return true;
                  }
                })
            .addPathPatterns("/deferred", "/callable");
      }
    };
  }

  @Bean
  Probe probe() {
    return new Probe();
  }

  @Bean(destroyMethod = "close")
  Upstream upstream() {
    return Upstream.holding(1);
  }

  @Bean
  BackgroundJobs backgroundJobs(Probe probe) {
    return new BackgroundJobs(probe);
  }
}

@RestController
class MvcWorkController {
  private final RestClient upstream;
  private final BackgroundJobs jobs;

  MvcWorkController(RestClient.Builder builder, Upstream upstream, BackgroundJobs jobs) {
    this.upstream = builder.baseUrl(upstream.url()).build();
    this.jobs = jobs;
  }

  @GetMapping("/work")
  String work() {
    jobs.start();
    return "ok:" + upstream.get().uri("/work").retrieve().body(String.class);
  }
}

/** The handlers of the contract tests of {@link AbstractMvcDrainTest}; each stops at the gate. */
@RestController
class MvcContractController {
  private final Gate gate;

  MvcContractController(Gate gate) {
    this.gate = gate;
  }

  /**
   * Writes {@code bytes} bytes of {@code x} into a response buffer that holds them all, and returns
   * once released: the container still has the whole body to write after the handler.
   */
  @GetMapping("/large")
  void large(@RequestParam int bytes, HttpServletResponse response) throws IOException {
    response.setBufferSize(bytes + 1024);
    response.setContentType(MediaType.APPLICATION_OCTET_STREAM_VALUE);
    byte[] chunk = new byte[64 * 1024];
    Arrays.fill(chunk, (byte) 'x');
    ServletOutputStream out = response.getOutputStream();
    for (int written = 0; written < bytes; written += chunk.length) {
      out.write(chunk, 0, Math.min(chunk.length, bytes - written));
    }
    gate.hold();
  }

  /** Works (blocked at the gate) until released, like a slow database write, then answers. */
  @GetMapping("/blocking")
  String blocking() {
    gate.hold();
    return "done";
  }

  /**
   * Times out after {@code timeoutMs}; the timeout sets the answer, which the dispatch that follows
   * writes (held at the gate by {@link MvcApplication#asyncDispatchGate}).
   */
  @GetMapping("/deferred")
  DeferredResult<String> deferred(@RequestParam long timeoutMs) {
    DeferredResult<String> result = new DeferredResult<>(timeoutMs);
    result.onTimeout(() -> result.setResult("timeout-handled"));
    return result;
  }

  /**
   * A {@code Callable} that outlasts {@code spring.mvc.async.request-timeout}: Spring MVC cancels
   * it at the timeout (interrupting its thread) and dispatches the request with an {@link
   * AsyncRequestTimeoutException}, which {@link #timedOut} answers (held at the gate by {@link
   * MvcApplication#asyncDispatchGate}).
   */
  @GetMapping("/callable")
  Callable<String> callable() {
    return () -> {
      try {
        new CountDownLatch(1).await(60, TimeUnit.SECONDS);
      } catch (InterruptedException cancelledAtTheTimeout) {
        // Returns once the timeout's answer is being dispatched: an InterruptedException thrown
        // from here could otherwise become the request's result before the timeout's does.
        gate.awaitEntered();
      }
      return "not-timed-out";
    };
  }

  @ExceptionHandler(AsyncRequestTimeoutException.class)
  String timedOut() {
    return "timeout-handled";
  }
}

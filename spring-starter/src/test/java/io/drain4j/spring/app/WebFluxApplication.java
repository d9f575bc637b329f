package io.drain4j.spring.app;

import io.drain4j.spring.testsupport.Upstream;
import java.util.Arrays;
import java.util.function.Supplier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A Spring WebFlux application: {@code GET /work} starts an {@code @Async} job, calls the upstream
 * through a {@code WebClient} built from Boot's builder, and answers {@code ok:} and the upstream's
 * body.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableAsync
@Import({WebFluxWorkController.class, WebFluxContractController.class})
public class WebFluxApplication {

  @Bean
  Gate gate() {
    return new Gate();
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
class WebFluxWorkController {
  private final WebClient upstream;
  private final BackgroundJobs jobs;

  WebFluxWorkController(WebClient.Builder builder, Upstream upstream, BackgroundJobs jobs) {
    this.upstream = builder.baseUrl(upstream.url()).build();
    this.jobs = jobs;
  }

  @GetMapping("/work")
  Mono<String> work() {
    return Mono.fromRunnable(jobs::start)
        .then(upstream.get().uri("/work").retrieve().bodyToMono(String.class))
        .map(body -> "ok:" + body);
  }
}

/** The handlers of the WebFlux contract tests; each works on {@code boundedElastic} at the gate. */
@RestController
class WebFluxContractController {
  private final Gate gate;

  WebFluxContractController(Gate gate) {
    this.gate = gate;
  }

  /**
   * Answers {@code bytes} bytes of {@code x} in one buffer, once released: the server has all of it
   * to write after the handler.
   */
  @GetMapping(value = "/large", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
  Mono<byte[]> large(@RequestParam int bytes) {
    return atTheGate(
        () -> {
          byte[] body = new byte[bytes];
          Arrays.fill(body, (byte) 'x');
          return body;
        });
  }

  /** Works (blocked at the gate) until released, like a slow database write, then answers. */
  @GetMapping("/blocking")
  Mono<String> blocking() {
    return atTheGate(() -> "done");
  }

  /** A blocking call that no cancel stops, held at the gate, then the answer. */
  private <T> Mono<T> atTheGate(Supplier<T> answer) {
    return Mono.fromCallable(
            () -> {
              gate.hold();
              return answer.get();
            })
        .subscribeOn(Schedulers.boundedElastic());
  }
}

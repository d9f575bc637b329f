package io.drain4j.spring.app;

import io.drain4j.spring.testsupport.Upstream;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * A Spring WebFlux application: {@code GET /work} starts an {@code @Async} job, calls the upstream
 * through a {@code WebClient} built from Boot's builder, and answers {@code ok:} and the upstream's
 * body.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableAsync
@Import(WebFluxWorkController.class)
public class WebFluxApplication {

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

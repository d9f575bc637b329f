package io.drain4j.spring.app;

import io.drain4j.spring.testsupport.Upstream;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * A Spring MVC application: {@code GET /work} starts an {@code @Async} job, calls the upstream
 * through a {@code RestClient} built from Boot's builder, and answers {@code ok:} and the
 * upstream's body.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableAsync
@Import(MvcWorkController.class)
public class MvcApplication {

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

package io.drain4j.demo.spring;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Async;
import org.springframework.stereotype.Component;

/** The background jobs that {@code GET /job} starts, on Spring Boot's task executor. */
@Component
public class DemoJobs {
  private static final Logger log = LoggerFactory.getLogger(DemoJobs.class);

  /**
   * Works for {@code ms} milliseconds, then logs that it is done.
   *
   * @param ms how long the job runs
   */
  @Async
  public void run(long ms) {
    try {
      Thread.sleep(ms);
      log.info("job of {} ms done", ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      log.warn("job of {} ms interrupted", ms);
    }
  }
}

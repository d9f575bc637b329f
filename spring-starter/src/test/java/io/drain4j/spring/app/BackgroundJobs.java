package io.drain4j.spring.app;

import org.springframework.scheduling.annotation.Async;

/** A bean with an {@code @Async} method, run on Spring Boot's {@code applicationTaskExecutor}. */
public class BackgroundJobs {
  private final Probe probe;

  public BackgroundJobs(Probe probe) {
    this.probe = probe;
  }

  @Async
  public void start() {
    probe.runJob();
  }
}

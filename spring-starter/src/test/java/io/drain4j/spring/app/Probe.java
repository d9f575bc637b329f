package io.drain4j.spring.app;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationListener;

/**
 * What a test application reports to its test: when the background job started and finished, and
 * when readiness turned to refusing traffic. The job waits for {@link #releaseJob()}.
 */
public final class Probe implements ApplicationListener<AvailabilityChangeEvent<?>> {
  public final CountDownLatch jobStarted = new CountDownLatch(1);
  public final CompletableFuture<Void> jobDone = new CompletableFuture<>();
  public final CompletableFuture<Void> refusingTraffic = new CompletableFuture<>();
  private final CountDownLatch jobRelease = new CountDownLatch(1);

  public void releaseJob() {
    jobRelease.countDown();
  }

  /** The body of the {@code @Async} job that a request starts. */
  public void runJob() {
    jobStarted.countDown();
    try {
      if (!jobRelease.await(60, TimeUnit.SECONDS)) {
        jobDone.completeExceptionally(new AssertionError("job not released within 60 s"));
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      jobDone.completeExceptionally(e);
      return;
    }
    jobDone.complete(null);
  }

  @Override
  public void onApplicationEvent(AvailabilityChangeEvent<?> event) {
    if (event.getState() == ReadinessState.REFUSING_TRAFFIC) {
      refusingTraffic.complete(null);
    }
  }
}

package io.drain4j.demo.spring;

import io.drain4j.DrainedException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * The demo endpoints.
 *
 * <ul>
 *   <li>{@code GET /work?ms=N}: waits N ms, answers 200 {@code ok};
 *   <li>{@code GET /call?ms=N}: calls {@code UPSTREAM_URL/work?ms=N} with a {@code RestClient}
 *       built from Spring Boot's builder (so tracked by drain4j); 200 with the upstream's body, 502
 *       when the call failed;
 *   <li>{@code GET /job?ms=N}: starts an {@code @Async} job of N ms, answers 202 at once;
 *   <li>{@code GET /stream?ms=N&chunks=K}: streams K chunks spread over N ms, then ends.
 * </ul>
 *
 * <p>{@code ms} defaults to 0 and may be at most one hour; {@code chunks} defaults to 10 and may be
 * 1 to 10000; other values are answered 400.
 */
@RestController
public class DemoController {
  private static final long MAX_MS = 3_600_000;
  private static final int MAX_CHUNKS = 10_000;

  private final RestClient upstream;
  private final String upstreamUrl;
  private final DemoJobs jobs;

  /**
   * Creates the controller.
   *
   * @param builder Spring Boot's {@code RestClient} builder, which the starter instruments
   * @param upstreamUrl {@code demo.upstream-url}, from {@code UPSTREAM_URL}; blank when unset
   * @param jobs the background jobs
   */
  public DemoController(
      RestClient.Builder builder,
      @Value("${demo.upstream-url:}") String upstreamUrl,
      DemoJobs jobs) {
    this.upstreamUrl = upstreamUrl.strip();
    this.upstream =
        this.upstreamUrl.isEmpty() ? builder.build() : builder.baseUrl(this.upstreamUrl).build();
    this.jobs = jobs;
  }

  /**
   * Waits, then answers {@code ok}.
   *
   * @param ms how long to wait
   * @return 200 {@code ok}, or 400 for a bad {@code ms}
   * @throws InterruptedException when the server interrupts the request
   */
  @GetMapping("/work")
  public ResponseEntity<String> work(@RequestParam(defaultValue = "0") String ms)
      throws InterruptedException {
    long millis = parse(ms, MAX_MS);
    if (millis < 0) {
      return badRequest("ms");
    }
    Thread.sleep(millis);
    return text(HttpStatus.OK, "ok");
  }

  /**
   * Calls the upstream's {@code /work}.
   *
   * @param ms passed on to the upstream
   * @return 200 with the upstream's body, 502 when the call failed, 400 for a bad {@code ms}
   */
  @GetMapping("/call")
  public ResponseEntity<String> call(@RequestParam(defaultValue = "0") String ms) {
    long millis = parse(ms, MAX_MS);
    if (millis < 0) {
      return badRequest("ms");
    }
    if (upstreamUrl.isEmpty()) {
      return text(HttpStatus.BAD_GATEWAY, "upstream call failed: UPSTREAM_URL is not set");
    }
    try {
      String body =
          upstream
              .get()
              .uri(uri -> uri.path("/work").queryParam("ms", millis).build())
              .retrieve()
              .body(String.class);
      return text(HttpStatus.OK, body == null ? "" : body);
    } catch (RestClientException | DrainedException e) {
      return text(HttpStatus.BAD_GATEWAY, "upstream call failed: " + e.getMessage());
    }
  }

  /**
   * Starts a background job.
   *
   * @param ms how long the job runs
   * @return 202 at once, or 400 for a bad {@code ms}
   */
  @GetMapping("/job")
  public ResponseEntity<String> job(@RequestParam(defaultValue = "0") String ms) {
    long millis = parse(ms, MAX_MS);
    if (millis < 0) {
      return badRequest("ms");
    }
    jobs.run(millis);
    return text(HttpStatus.ACCEPTED, "accepted");
  }

  /**
   * Streams chunks.
   *
   * @param ms how long the whole stream takes
   * @param chunks how many chunks ({@code chunk 1} to {@code chunk K}, one a line)
   * @return the streaming body, or 400 for a bad parameter
   */
  @GetMapping("/stream")
  public ResponseEntity<StreamingResponseBody> stream(
      @RequestParam(defaultValue = "0") String ms,
      @RequestParam(defaultValue = "10") String chunks) {
    long millis = parse(ms, MAX_MS);
    long count = parse(chunks, MAX_CHUNKS);
    if (millis < 0 || count < 1) {
      return ResponseEntity.badRequest()
          .contentType(MediaType.TEXT_PLAIN)
          .body(
              out ->
                  out.write(
                      ("bad " + (millis < 0 ? "ms" : "chunks") + "\n")
                          .getBytes(StandardCharsets.US_ASCII)));
    }
    StreamingResponseBody body = out -> writeChunks(out, millis, count);
    return ResponseEntity.ok().contentType(MediaType.TEXT_PLAIN).body(body);
  }

  private static void writeChunks(OutputStream out, long millis, long count)
      throws java.io.IOException {
    long start = System.nanoTime();
    for (long i = 1; i <= count; i++) {
      // Chunk i goes out at i/K of the duration, measured from the start so delays do not add up.
      long dueNanos = start + millis * 1_000_000L * i / count;
      long waitMs = (dueNanos - System.nanoTime()) / 1_000_000L;
      if (waitMs > 0) {
        try {
          Thread.sleep(waitMs);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      out.write(("chunk " + i + "\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
    }
  }

  /** The value as a number from 0 to max, or -1 when it is not one. */
  private static long parse(String value, long max) {
    try {
      long n = Long.parseLong(value.strip());
      return n >= 0 && n <= max ? n : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static ResponseEntity<String> badRequest(String parameter) {
    return text(HttpStatus.BAD_REQUEST, "bad " + parameter);
  }

  private static ResponseEntity<String> text(HttpStatus status, String body) {
    return ResponseEntity.status(status).contentType(MediaType.TEXT_PLAIN).body(body);
  }
}

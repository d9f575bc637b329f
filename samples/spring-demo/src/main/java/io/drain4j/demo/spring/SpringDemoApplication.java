package io.drain4j.demo.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.scheduling.annotation.EnableAsync;

/**
 * The Spring Boot demo: the endpoints of the drain4j demo contract on Spring MVC, with nothing of
 * drain4j in the code; the starter tracks the requests, the {@code RestClient} calls and the
 * {@code @Async} jobs, and runs the drain when SIGTERM closes the context.
 */
@SpringBootApplication
@EnableAsync
public class SpringDemoApplication {

  /**
   * Runs the demo.
   *
   * @param args Spring Boot's command-line arguments, such as {@code --server.port=8081}
   */
  public static void main(String[] args) {
    SpringApplication.run(SpringDemoApplication.class, args);
  }
}

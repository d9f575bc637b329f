package io.drain4j.spring.boot.autoconfigure;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;

/** Kept apart from {@link DrainLifecycle} so that it loads only when Boot's web server is there. */
final class WebServers {
  private WebServers() {}

  /** Stops the context's web server, if it has one. */
  static void stop(ApplicationContext context) {
    if (context instanceof WebServerApplicationContext web && web.getWebServer() != null) {
      web.getWebServer().stop();
    }
  }
}

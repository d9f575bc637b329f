package io.drain4j.servlet.jetty;

import io.drain4j.servlet.DrainFilter;
import java.util.concurrent.Executor;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;

/**
 * Offers {@link DrainFilter} the end of each Jetty request ({@value
 * DrainFilter#RESPONSE_COMPLETION_ATTRIBUTE}): a customizer of the connectors' HTTP configuration
 * gives every request an {@link Executor} that runs the filter's exit when Jetty completes the
 * request's stream, that is once the whole response, an error page written after the filter chain
 * included, has been written to the connection, or the request failed.
 *
 * <p>Customizers are read at every request, so the customizer works on a running server too; it
 * reaches the connectors present when it is installed.
 */
final class JettyResponseCompletion implements HttpConfiguration.Customizer {

  /** Adds the customizer, once, to the HTTP configuration of every connector of {@code server}. */
  static void install(Server server) {
    for (Connector connector : server.getConnectors()) {
      for (ConnectionFactory factory : connector.getConnectionFactories()) {
        if (factory instanceof HttpConfiguration.ConnectionFactory http) {
          HttpConfiguration config = http.getHttpConfiguration();
          synchronized (config) {
            if (config.getCustomizer(JettyResponseCompletion.class) == null) {
              config.addCustomizer(new JettyResponseCompletion());
            }
          }
        }
      }
    }
  }

  @Override
  public Request customize(Request request, HttpFields.Mutable responseHeaders) {
    Executor completion = exit -> Request.addCompletionListener(request, failure -> exit.run());
    request.setAttribute(DrainFilter.RESPONSE_COMPLETION_ATTRIBUTE, completion);
    return request;
  }
}

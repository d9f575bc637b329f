package io.drain4j.spring.client;

import java.net.URI;
import org.springframework.http.HttpRequest;
import org.springframework.web.reactive.function.client.ClientRequest;

/**
 * Names outbound units {@code GET http://upstream:8080/work}: method, scheme, authority and path,
 * without the query, which may carry secrets and has no bound on its length.
 */
final class ClientUnitNames {
  private ClientUnitNames() {}

  static String of(HttpRequest request) {
    return of(request.getMethod().name(), request.getURI());
  }

  static String of(ClientRequest request) {
    return of(request.method().name(), request.url());
  }

  static String of(String method, URI uri) {
    StringBuilder name = new StringBuilder(method).append(' ');
    if (uri.getRawAuthority() != null) {
      if (uri.getScheme() != null) {
        name.append(uri.getScheme()).append("://");
      }
      name.append(uri.getRawAuthority());
    }
    if (uri.getRawPath() != null) {
      name.append(uri.getRawPath());
    }
    return name.toString();
  }
}

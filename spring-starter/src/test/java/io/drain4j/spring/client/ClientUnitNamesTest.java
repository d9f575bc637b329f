package io.drain4j.spring.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;
import org.springframework.mock.http.client.MockClientHttpRequest;
import org.springframework.web.reactive.function.client.ClientRequest;

class ClientUnitNamesTest {

  @Test
  void unitIsNamedByMethodAndUrlWithoutTheQuery() {
    assertThat(
            ClientUnitNames.of(
                new MockClientHttpRequest(
                    HttpMethod.GET, URI.create("http://upstream:8080/orders?token=secret"))))
        .isEqualTo("GET http://upstream:8080/orders");
    assertThat(
            ClientUnitNames.of(
                ClientRequest.create(HttpMethod.POST, URI.create("https://user@upstream/a%20b"))
                    .build()))
        .isEqualTo("POST https://user@upstream/a%20b");
  }

  @Test
  void relativeUrisKeepWhatTheyHave() {
    assertThat(ClientUnitNames.of("GET", URI.create("/relative"))).isEqualTo("GET /relative");
    assertThat(ClientUnitNames.of("GET", URI.create("//host:1/p"))).isEqualTo("GET host:1/p");
  }
}

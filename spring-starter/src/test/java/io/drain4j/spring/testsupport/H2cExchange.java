package io.drain4j.spring.testsupport;

import io.netty.channel.Channel;
import java.util.concurrent.CompletableFuture;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;

/**
 * One {@code GET} over h2c with prior knowledge (Reactor Netty's client), with the HTTP/2
 * connection that carries its stream, so that a test can watch the connection during a drain.
 *
 * @param connection the HTTP/2 connection (the parent of the stream's channel), once connected
 * @param body the response's body, once complete
 */
public record H2cExchange(CompletableFuture<Channel> connection, CompletableFuture<String> body) {

  /** Sends {@code GET path} to {@code 127.0.0.1:port}. */
  public static H2cExchange get(int port, String path) {
    CompletableFuture<Channel> connection = new CompletableFuture<>();
    CompletableFuture<String> body =
        HttpClient.create()
            .protocol(HttpProtocol.H2C)
            .host("127.0.0.1")
            .port(port)
            .doOnConnected(
                connected -> {
                  Channel channel = connected.channel();
                  connection.complete(channel.parent() != null ? channel.parent() : channel);
                })
            .get()
            .uri(path)
            .responseContent()
            .aggregate()
            .asString()
            .toFuture();
    return new H2cExchange(connection, body);
  }
}

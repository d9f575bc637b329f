package io.drain4j.meshsim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class UpstreamTest {

  @Test
  void whenACallIsWaitedForThenItIsDelivered() throws Exception {
    try (Upstream upstream = new Upstream(InetAddress.getLoopbackAddress(), 0)) {
      HttpProbe.Response r =
          HttpProbe.get(address(upstream), "/work?ms=50", Duration.ofSeconds(10));

      assertThat(r.complete()).isTrue();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("upstream ok\n");
      assertThat(upstream.received()).isEqualTo(1);
      // The caller can read the answer's last byte before the upstream counts it delivered.
      assertThat(upstream.awaitDelivered(1, 10_000)).isTrue();
      assertThat(upstream.delivered()).isEqualTo(1);
      assertThat(upstream.brokenAt()).isEmpty();
    }
  }

  @Test
  void whenTheCallerGoesAwayMidCallThenTheCallCountsAsBrokenAtOnce() throws Exception {
    try (Upstream upstream = new Upstream(InetAddress.getLoopbackAddress(), 0)) {
      try (Socket s = new Socket()) {
        s.connect(address(upstream), 5000);
        OutputStream out = s.getOutputStream();
        out.write(
            "GET /work?ms=60000 HTTP/1.1\r\nHost: u\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }

      // Seen long before the 60 s call would have ended: the upstream watches its connection.
      assertThat(upstream.awaitBroken(1, 20_000)).isTrue();
      assertThat(upstream.delivered()).isZero();
    }
  }

  @Test
  void whenAnIdleKeepAliveConnectionClosesThenNoCallIsBroken() throws Exception {
    try (Upstream upstream = new Upstream(InetAddress.getLoopbackAddress(), 0)) {
      try (Socket s = new Socket()) {
        s.connect(address(upstream), 5000);
        OutputStream out = s.getOutputStream();
        out.write("GET /work?ms=0 HTTP/1.1\r\nHost: u\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        HttpProbe.Response r = HttpProbe.read(s.getInputStream(), new HttpProbe.Partial());
        assertThat(r.status()).isEqualTo(200);
      }

      assertThat(upstream.awaitBroken(1, 500)).isFalse();
      assertThat(upstream.awaitDelivered(1, 10_000)).isTrue();
      assertThat(upstream.delivered()).isEqualTo(1);
    }
  }

  private static InetSocketAddress address(Upstream upstream) {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), upstream.port());
  }
}

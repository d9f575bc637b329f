package io.drain4j.meshsim;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The HAProxy configurations of the sidecar: the ingress (inbound), the egress (outbound) and the
 * stand-in for pilot-agent's own listener on 15020.
 *
 * <p>The ingress has {@code grace} set to the drain duration: after the agent's SIGUSR1 it keeps
 * accepting new connections for that long, as Envoy's inbound listeners do while draining, and
 * closes each connection after its response ({@code Connection: close} when {@code stopping}), as
 * Envoy's immediate drain strategy does. There is deliberately no {@code hard-stop-after}: that
 * would answer 502s where a killed Envoy resets connections; the agent SIGKILLs instead.
 */
final class HaproxyConfig {

  /** Long enough for the longest request; the agent's SIGKILL ends everything anyway. */
  private static final String TIMEOUTS =
      """
        timeout connect 2s
        timeout client 180s
        timeout server 180s
        timeout http-request 15s
        timeout http-keep-alive 30s
      """;

  private HaproxyConfig() {}

  /**
   * The ingress sidecar.
   *
   * @param h2 whether it carries HTTP/2 with prior knowledge (gRPC, h2c) on both sides instead of
   *     HTTP/1.1
   */
  static String ingress(
      String bind, int port, int appPort, Duration drain, Path errors, boolean h2) {
    return """
        # mesh-sim ingress sidecar (Envoy's inbound listener)
        global
          nbthread 1
          maxconn 4000
          # After SIGUSR1, keep accepting for the whole drain, as Envoy does while draining.
          grace %dms
        defaults
          mode http
        %s  errorfile 502 %s
          errorfile 503 %s
          errorfile 504 %s
        frontend inbound
          bind %s:%d%s
          # Envoy's immediate drain: every response closes its connection once draining.
          http-after-response set-header Connection close if { stopping }
          default_backend app
        backend app
          server app 127.0.0.1:%d%s
        """
        .formatted(
            drain.toMillis(),
            TIMEOUTS,
            errors.resolve("ingress-502.http"),
            errors.resolve("ingress-503.http"),
            errors.resolve("ingress-504.http"),
            bind,
            port,
            proto(h2),
            appPort,
            proto(h2));
  }

  /** The egress sidecar; {@code h2} as for {@link #ingress}. */
  static String egress(int port, String upstreamHost, int upstreamPort, Path errors, boolean h2) {
    return header("egress sidecar (Envoy's outbound listener)", "egress", errors)
        + forward("outbound", "127.0.0.1", port, "upstream", upstreamHost, upstreamPort, h2);
  }

  /**
   * The egress sidecar for a Kafka client: TCP mode (Kafka's protocol is not HTTP), as Envoy
   * proxies it with its TCP proxy filter; the broker advertises this address to the pod.
   */
  static String egressTcp(int port, String upstreamHost, int upstreamPort) {
    return """
        # mesh-sim egress sidecar (Envoy's outbound listener), TCP mode for Kafka
        global
          nbthread 1
          maxconn 4000
        defaults
          mode tcp
          timeout connect 2s
          timeout client 180s
          timeout server 180s
        frontend outbound
          bind 127.0.0.1:%d
          default_backend upstream
        backend upstream
          server upstream %s:%d
        """
        .formatted(port, upstreamHost, upstreamPort);
  }

  /**
   * The node proxy of ambient mode (a stand-in for ztunnel, in the host's network): forwards the
   * clients' connections to the pod's application port and the application's outbound calls to the
   * upstream. It does not belong to the pod and never drains: it sends new connections to the pod
   * until the clients' endpoint is removed, whether the application still listens or not.
   */
  static String nodeProxy(
      String bind,
      int inboundPort,
      String podAddress,
      int appPort,
      int outboundPort,
      String upstreamHost,
      int upstreamPort,
      Path errors,
      boolean h2) {
    return header(
            "node proxy (ztunnel stand-in, ambient mode), in the host's network", "ztunnel", errors)
        + forward("inbound", bind, inboundPort, "pod", podAddress, appPort, h2)
        + forward("outbound", bind, outboundPort, "upstream", upstreamHost, upstreamPort, h2);
  }

  /** The global and default sections of a forwarding proxy, with its marked error pages. */
  private static String header(String what, String proxy, Path errors) {
    return """
        # mesh-sim %s
        global
          nbthread 1
          maxconn 4000
        defaults
          mode http
        %s  errorfile 502 %s
          errorfile 503 %s
          errorfile 504 %s
        """
        .formatted(
            what,
            TIMEOUTS,
            errors.resolve(proxy + "-502.http"),
            errors.resolve(proxy + "-503.http"),
            errors.resolve(proxy + "-504.http"));
  }

  /** A frontend that forwards everything to one server. */
  private static String forward(
      String name, String bind, int port, String backend, String host, int hostPort, boolean h2) {
    return """
        frontend %s
          bind %s:%d%s
          default_backend %s
        backend %s
          server %s %s:%d%s
        """
        .formatted(
            name, bind, port, proto(h2), backend, backend, backend, host, hostPort, proto(h2));
  }

  /**
   * HTTP/2 with prior knowledge on a bind or server line: gRPC's h2c, proxied in HTTP mode as Envoy
   * proxies it (trailers and GOAWAY included).
   */
  static String proto(boolean h2) {
    return h2 ? " proto h2" : "";
  }

  /** pilot-agent's listener (health and merged metrics in a real pod). */
  static String agent(String bind, int port) {
    return """
        # mesh-sim stand-in for pilot-agent's own listener
        global
          nbthread 1
          maxconn 100
        defaults
          mode http
          timeout connect 2s
          timeout client 10s
          timeout server 10s
        frontend pilot_agent
          bind %s:%d
          http-request return status 200 content-type text/plain string ready if { path /healthz/ready }
          http-request return status 404 content-type text/plain string "not found"
        """
        .formatted(bind, port);
  }

  /**
   * An error page of a sidecar: marked with {@link HttpProbe#PROXY_HEADER} so that the simulator
   * can tell a proxy's answer from the application's.
   */
  static String errorPage(String proxy, int status) {
    String reason =
        switch (status) {
          case 502 -> "Bad Gateway";
          case 503 -> "Service Unavailable";
          case 504 -> "Gateway Timeout";
          default -> throw new IllegalArgumentException("status " + status);
        };
    String body = proxy + " sidecar: " + status + " " + reason + "\n";
    return "HTTP/1.1 "
        + status
        + " "
        + reason
        + "\r\n"
        + "Content-Type: text/plain\r\n"
        + "X-Mesh-Sim-Proxy: "
        + proxy
        + "\r\n"
        + "Cache-Control: no-cache\r\n"
        + "Connection: close\r\n"
        + "Content-Length: "
        + body.length()
        + "\r\n"
        + "\r\n"
        + body;
  }
}

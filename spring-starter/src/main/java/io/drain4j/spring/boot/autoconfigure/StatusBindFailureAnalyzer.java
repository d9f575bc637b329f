package io.drain4j.spring.boot.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a start-up that failed because the status endpoint's port is taken (or its address is
 * not local): Spring Boot's banner with the port, what answers on it, and the keys to change,
 * instead of a stack trace with the cause five levels deep.
 *
 * <p>What is on the port is found by asking it {@code GET /drain}: another drain4j status endpoint
 * (a second instance of the application on the host, or a second application context in this JVM)
 * answers with its drain status.
 */
final class StatusBindFailureAnalyzer extends AbstractFailureAnalyzer<StatusBindException> {
  /** How long the question to the port may take, connection and answer each. */
  private static final int PROBE_TIMEOUT_MS = 500;

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, StatusBindException cause) {
    if (!cause.portInUse()) {
      return new FailureAnalysis(
          "The drain4j status endpoint could not bind "
              + cause.address()
              + ":"
              + cause.port()
              + ": "
              + cause.getMessage(),
          "Set 'drain4j.status.address' (environment variable DRAIN4J_STATUS_ADDRESS) to an"
              + " address of this host, such as 127.0.0.1 (the default).",
          cause);
    }
    String description =
        "The drain4j status endpoint could not start: port "
            + cause.port()
            + " on "
            + cause.address()
            + " is already in use, by "
            + whatIsOn(cause.address(), cause.port())
            + ".";
    String action =
        "Stop what listens on port "
            + cause.port()
            + ", or give the status endpoint another port: set 'drain4j.status.port' (environment"
            + " variable DRAIN4J_STATUS_PORT; 0 picks any free port), and the sidecar's preStop"
            + " hook to the same port. 'drain4j.status.enabled=false' serves no status endpoint.";
    return new FailureAnalysis(description, action, cause);
  }

  /** Asks the port what it is; describes the answer. */
  static String whatIsOn(String address, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(address, port), PROBE_TIMEOUT_MS);
      socket.setSoTimeout(PROBE_TIMEOUT_MS);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET /drain HTTP/1.1\r\nHost: " + address + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String answer = readSome(socket.getInputStream());
      if (answer.contains("\"state\":") && answer.contains("\"inflight\":")) {
        return "another drain4j status endpoint (another instance of this application, or another"
            + " application context in this JVM, such as a second cached test context)";
      }
      if (answer.startsWith("HTTP/")) {
        return "an HTTP server that is not a drain4j status endpoint (it answered '"
            + answer.lines().findFirst().orElse("")
            + "')";
      }
      return "a process that does not answer HTTP";
    } catch (IOException e) {
      return "a process that did not answer (" + e.getMessage() + ")";
    }
  }

  private static String readSome(InputStream in) throws IOException {
    byte[] buffer = new byte[4096];
    int length = 0;
    try {
      for (int n;
          length < buffer.length && (n = in.read(buffer, length, buffer.length - length)) > 0; ) {
        length += n;
      }
    } catch (SocketTimeoutException slow) {
      // What came so far tells enough.
    }
    return new String(buffer, 0, length, StandardCharsets.US_ASCII);
  }
}

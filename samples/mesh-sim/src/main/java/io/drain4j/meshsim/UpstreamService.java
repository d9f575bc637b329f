package io.drain4j.meshsim;

import java.util.List;

/** The service outside the pod that the application's outbound calls reach through the egress. */
interface UpstreamService extends AutoCloseable {

  /** The port it listens on. */
  int port();

  /** When calls broke: the caller went away before the answer was delivered. */
  List<Long> brokenAt();

  @Override
  void close();
}

package io.drain4j.status;

import io.drain4j.DrainCoordinator;
import java.net.InetSocketAddress;

/** PLACEHOLDER: being written; see the status endpoint task. */
public final class StatusEndpoint implements AutoCloseable {
  private final InetSocketAddress address;

  private StatusEndpoint(InetSocketAddress address) {
    this.address = address;
  }

  /**
   * Starts the endpoint.
   *
   * @param coordinator the coordinator
   * @param bind the address
   * @return the endpoint
   */
  public static StatusEndpoint start(DrainCoordinator coordinator, InetSocketAddress bind) {
    return new StatusEndpoint(bind);
  }

  /**
   * The bound address.
   *
   * @return address
   */
  public InetSocketAddress address() {
    return address;
  }

  @Override
  public void close() {}
}

package io.drain4j.grpc;

import io.grpc.ManagedChannelBuilder;
import io.grpc.ServerBuilder;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** The drain contract on grpc-netty (Netty 4.2 of the project). */
class NettyGrpcDrainTest extends AbstractGrpcDrainContractTest {
  @Override
  ServerBuilder<?> serverBuilder() {
    return NettyServerBuilder.forAddress(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  @Override
  ManagedChannelBuilder<?> channelBuilder(int port) {
    return NettyChannelBuilder.forAddress(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
        .usePlaintext();
  }
}

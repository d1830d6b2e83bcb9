package dev.lanyard.workloadapi;

import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.MetadataUtils;
import io.spiffe.workloadapi.grpc.SpiffeWorkloadAPIGrpc;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC channel to the agent's Unix domain socket (Netty's native epoll transport, as java-spiffe uses on Linux),
 * with the {@code workload.spiffe.io: true} header every Workload API call must carry.
 *
 * <p>Thread-safe: gRPC channels and stubs are.
 */
final class AgentChannel implements AutoCloseable {
  private static final Metadata.Key<String> SECURITY_HEADER =
      Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);

  private final String address;
  private final EventLoopGroup eventLoop;
  private final ManagedChannel channel;
  private final SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIStub stub;
  private final SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIBlockingStub blockingStub;

  private AgentChannel(String address, Path socket) {
    this.address = address;
    this.eventLoop = new EpollEventLoopGroup(1, runnable -> {
      Thread thread = new Thread(runnable, "lanyard-workload-api");
      thread.setDaemon(true);
      return thread;
    });
    this.channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .eventLoopGroup(eventLoop)
        .channelType(EpollDomainSocketChannel.class)
        .withOption(ChannelOption.SO_KEEPALIVE, null) // not an option of Unix sockets: Netty would warn per connection
        .usePlaintext()
        .build();
    Metadata headers = new Metadata();
    headers.put(SECURITY_HEADER, "true");
    io.grpc.Channel withHeader = ClientInterceptors.intercept(channel,
        MetadataUtils.newAttachHeadersInterceptor(headers));
    this.stub = SpiffeWorkloadAPIGrpc.newStub(withHeader);
    this.blockingStub = SpiffeWorkloadAPIGrpc.newBlockingStub(withHeader);
  }

  /**
   * A channel to the agent at {@code address}: {@code unix:/path}, {@code unix:///path} or {@code unix://localhost/path}
   * (the forms of {@code SPIFFE_ENDPOINT_SOCKET}). No connection is made yet.
   *
   * @throws IllegalArgumentException when the address is not a Unix domain socket address
   * @throws WorkloadApiException when this platform has no native Unix domain socket transport
   */
  static AgentChannel open(String address) {
    Path socket = socketPath(address);
    if (!Epoll.isAvailable()) {
      throw new WorkloadApiException("cannot reach the Workload API at " + address + ": Unix domain sockets need "
          + "Netty's native epoll transport, which is not available here: " + Epoll.unavailabilityCause());
    }
    return new AgentChannel(address, socket);
  }

  /** The socket path of a {@code unix:} address. */
  static Path socketPath(String address) {
    URI uri;
    try {
      uri = new URI(address.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + address + "' is not a Workload API address (unix:/path/to/socket): "
          + e.getMessage(), e);
    }
    if (!"unix".equals(uri.getScheme())) {
      throw new IllegalArgumentException("'" + address + "' is not a Workload API address: only Unix domain sockets "
          + "are supported, as unix:/path/to/socket");
    }
    String host = uri.getHost();
    String path = uri.getPath();
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getUserInfo() != null || uri.getPort() != -1
        || (host != null && !host.isEmpty() && !"localhost".equals(host)) || path == null || !path.startsWith("/")
        || path.length() < 2) {
      throw new IllegalArgumentException("'" + address + "' is not a Workload API address: expected unix:/path/to/"
          + "socket (an absolute path, no query, fragment, user, port or host other than localhost)");
    }
    return Path.of(path);
  }

  /** The address as configured (for messages). */
  String address() {
    return address;
  }

  SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIStub stub() {
    return stub;
  }

  SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIBlockingStub blockingStub() {
    return blockingStub;
  }

  /** Lets the next call try to connect at once instead of waiting out gRPC's own reconnect backoff. */
  void resetConnectBackoff() {
    channel.resetConnectBackoff();
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}

package dev.lanyard.workloadapi.testing;

import com.google.protobuf.ByteString;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.x509.X509Svid;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.spiffe.workloadapi.grpc.SpiffeWorkloadAPIGrpc;
import io.spiffe.workloadapi.grpc.Workload;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A SPIFFE Workload API server for tests, as a SPIRE agent answers: gRPC on a Unix domain socket, the generated
 * service of java-spiffe, calls without the {@code workload.spiffe.io: true} header refused. It serves one workload's
 * X.509-SVID issued by a real {@link EmbeddedAuthority}, JWT-SVIDs minted by it, and the bundles of its trust domain
 * and of federated authorities (X.509 roots as concatenated DER, JWT keys as standard JWK Sets with {@code use: sig},
 * as SPIRE sends them). {@link #rotateX509Svid()} and {@link #publishBundles()} push updates on the open streams.
 */
public final class FakeAgent implements AutoCloseable {
  private static final Metadata.Key<String> SECURITY_HEADER =
      Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);

  private final Path socket;
  private final EmbeddedAuthority authority;
  private final SpiffeId workload;
  private final List<EmbeddedAuthority> federated;
  private final EventLoopGroup group = new EpollEventLoopGroup(1);
  private final Server server;
  private final List<StreamObserver<Workload.X509SVIDResponse>> x509Streams = new CopyOnWriteArrayList<>();
  private final List<StreamObserver<Workload.JWTBundlesResponse>> jwtStreams = new CopyOnWriteArrayList<>();
  private final AtomicInteger jwtSvidCalls = new AtomicInteger();
  private volatile X509Svid svid;

  private FakeAgent(Path socket, EmbeddedAuthority authority, SpiffeId workload, List<EmbeddedAuthority> federated)
      throws IOException {
    this.socket = socket;
    this.authority = authority;
    this.workload = workload;
    this.federated = List.copyOf(federated);
    this.svid = authority.issueX509Svid(workload);
    Files.deleteIfExists(socket);
    this.server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollServerDomainSocketChannel.class)
        .bossEventLoopGroup(group)
        .workerEventLoopGroup(group)
        .withChildOption(ChannelOption.SO_KEEPALIVE, null)
        .addService(ServerInterceptors.intercept(new Service(), new RequireSecurityHeader()))
        .build()
        .start();
  }

  /** Starts an agent on {@code socket} for {@code workload}, with the bundles of {@code federated} authorities. */
  public static FakeAgent start(Path socket, EmbeddedAuthority authority, SpiffeId workload,
      EmbeddedAuthority... federated) throws IOException {
    return new FakeAgent(socket, authority, workload, List.of(federated));
  }

  /** The socket address, {@code unix:/path}. */
  public String address() {
    return "unix:" + socket;
  }

  /** The X.509-SVID the agent serves now. */
  public X509Svid svid() {
    return svid;
  }

  /** How many FetchJWTSVID calls the agent answered. */
  public int jwtSvidCalls() {
    return jwtSvidCalls.get();
  }

  /** Issues a new X.509-SVID and pushes it on every open X.509 stream. */
  public X509Svid rotateX509Svid() {
    svid = authority.issueX509Svid(workload);
    Workload.X509SVIDResponse response = x509Response();
    for (StreamObserver<Workload.X509SVIDResponse> stream : x509Streams) {
      stream.onNext(response);
    }
    return svid;
  }

  /**
   * Pushes an X.509-SVID message made of {@code chain}'s certificates and {@code key} (which need not belong together:
   * a broken agent), without changing what the agent serves to new streams.
   */
  public void pushX509Svid(X509Svid chain, PrivateKey key) {
    Workload.X509SVIDResponse response = x509Response(chain, key);
    for (StreamObserver<Workload.X509SVIDResponse> stream : x509Streams) {
      stream.onNext(response);
    }
  }

  /** Pushes a JWT bundles message with {@code jwks} as the bundle of the agent's trust domain. */
  public void pushJwtBundle(String jwks) {
    Workload.JWTBundlesResponse response = Workload.JWTBundlesResponse.newBuilder()
        .putBundles("spiffe://" + authority.trustDomain(), ByteString.copyFrom(jwks, StandardCharsets.UTF_8)).build();
    for (StreamObserver<Workload.JWTBundlesResponse> stream : jwtStreams) {
      stream.onNext(response);
    }
  }

  /** Pushes the authorities' current bundles on every open JWT bundle and X.509 stream. */
  public void publishBundles() {
    Workload.JWTBundlesResponse jwt = jwtBundles();
    for (StreamObserver<Workload.JWTBundlesResponse> stream : jwtStreams) {
      stream.onNext(jwt);
    }
    Workload.X509SVIDResponse x509 = x509Response();
    for (StreamObserver<Workload.X509SVIDResponse> stream : x509Streams) {
      stream.onNext(x509);
    }
  }

  /** Stops at once, as a killed agent does: open streams break, the socket file goes away. */
  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Workload.X509SVIDResponse x509Response() {
    X509Svid current = svid;
    return x509Response(current, current.privateKey());
  }

  private Workload.X509SVIDResponse x509Response(X509Svid current, PrivateKey key) {
    Workload.X509SVIDResponse.Builder response = Workload.X509SVIDResponse.newBuilder()
        .addSvids(Workload.X509SVID.newBuilder()
            .setSpiffeId(current.spiffeId().toString())
            .setX509Svid(der(current.chain()))
            .setX509SvidKey(ByteString.copyFrom(key.getEncoded()))
            .setBundle(der(authority.bundle().x509Authorities())));
    for (EmbeddedAuthority other : federated) {
      response.putFederatedBundles("spiffe://" + other.trustDomain(), der(other.bundle().x509Authorities()));
    }
    return response.build();
  }

  private Workload.JWTBundlesResponse jwtBundles() {
    Map<String, ByteString> bundles = new LinkedHashMap<>();
    bundles.put("spiffe://" + authority.trustDomain(), jwks(authority));
    for (EmbeddedAuthority other : federated) {
      bundles.put("spiffe://" + other.trustDomain(), jwks(other));
    }
    return Workload.JWTBundlesResponse.newBuilder().putAllBundles(bundles).build();
  }

  private static ByteString jwks(EmbeddedAuthority authority) {
    return ByteString.copyFrom(authority.bundle().toJwksJson(), StandardCharsets.UTF_8);
  }

  private static ByteString der(List<X509Certificate> certificates) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      for (X509Certificate certificate : certificates) {
        out.write(certificate.getEncoded());
      }
    } catch (CertificateEncodingException | IOException e) {
      throw new IllegalStateException(e);
    }
    return ByteString.copyFrom(out.toByteArray());
  }

  private final class Service extends SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIImplBase {
    @Override
    public void fetchX509SVID(Workload.X509SVIDRequest request,
        StreamObserver<Workload.X509SVIDResponse> responses) {
      ServerCallStreamObserver<Workload.X509SVIDResponse> stream =
          (ServerCallStreamObserver<Workload.X509SVIDResponse>) responses;
      stream.setOnCancelHandler(() -> x509Streams.remove(stream));
      x509Streams.add(stream);
      stream.onNext(x509Response());
    }

    @Override
    public void fetchJWTBundles(Workload.JWTBundlesRequest request,
        StreamObserver<Workload.JWTBundlesResponse> responses) {
      ServerCallStreamObserver<Workload.JWTBundlesResponse> stream =
          (ServerCallStreamObserver<Workload.JWTBundlesResponse>) responses;
      stream.setOnCancelHandler(() -> jwtStreams.remove(stream));
      jwtStreams.add(stream);
      stream.onNext(jwtBundles());
    }

    @Override
    public void fetchJWTSVID(Workload.JWTSVIDRequest request, StreamObserver<Workload.JWTSVIDResponse> response) {
      jwtSvidCalls.incrementAndGet();
      if (request.getAudienceCount() == 0) {
        response.onError(Status.INVALID_ARGUMENT.withDescription("audience must be specified").asException());
        return;
      }
      if (!request.getSpiffeId().isEmpty() && !request.getSpiffeId().equals(workload.toString())) {
        response.onError(Status.PERMISSION_DENIED.withDescription("no identity issued").asException());
        return;
      }
      JwtSvid token = authority.mint(workload, new ArrayList<>(request.getAudienceList()), List.of(), null);
      response.onNext(Workload.JWTSVIDResponse.newBuilder()
          .addSvids(Workload.JWTSVID.newBuilder().setSpiffeId(workload.toString()).setSvid(token.token()))
          .build());
      response.onCompleted();
    }
  }

  /** As SPIRE: a call without {@code workload.spiffe.io: true} is refused. */
  private static final class RequireSecurityHeader implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      if (!"true".equals(headers.get(SECURITY_HEADER))) {
        call.close(Status.INVALID_ARGUMENT.withDescription("security header missing from request"), new Metadata());
        return new ServerCall.Listener<Q>() {};
      }
      return next.startCall(call, headers);
    }
  }
}

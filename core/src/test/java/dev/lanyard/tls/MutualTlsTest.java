package dev.lanyard.tls;

import static dev.lanyard.tls.TlsTestSupport.call;
import static dev.lanyard.tls.TlsTestSupport.clientParameters;
import static dev.lanyard.tls.TlsTestSupport.context;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.lanyard.authority.AuthorityCa;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.authority.KeyState;
import dev.lanyard.credentials.RotatingX509SvidSource;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.tls.TlsTestSupport.EchoServer;
import dev.lanyard.tls.TlsTestSupport.Exchange;
import dev.lanyard.tls.TlsTestSupport.RecordingTrustManager;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.FederatedBundleSource;
import dev.lanyard.x509.PeerAuthorizer;
import dev.lanyard.x509.VerifiedX509Svid;
import dev.lanyard.x509.X509SvidRejectedException;
import dev.lanyard.x509.X509SvidRejectedException.Reason;
import dev.lanyard.x509.X509SvidVerifier;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Mutual TLS with Lanyard's key and trust managers: real handshakes on loopback between the JDK's HTTPS server and
 * HTTP client (and raw TLS sockets), with SVIDs from real embedded authorities. Every case runs on TLS 1.3 and 1.2.
 *
 * <p>The server is spiffe://example.org/payments and admits only spiffe://example.org/orders. The server's trust
 * manager is wrapped in a {@link RecordingTrustManager} so that a failed handshake can be traced to the server's
 * reason.
 */
class MutualTlsTest {
  private static final TrustDomain EXAMPLE = TrustDomain.of("example.org");
  private static final TrustDomain OTHER_DOMAIN = TrustDomain.of("other.org");
  private static final SpiffeId PAYMENTS = SpiffeId.parse("spiffe://example.org/payments");
  private static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  private static final SpiffeId LEDGER = SpiffeId.parse("spiffe://example.org/ledger");
  private static final SpiffeId OTHER = SpiffeId.parse("spiffe://example.org/other");
  private static final SpiffeId FOREIGN_ORDERS = SpiffeId.parse("spiffe://other.org/orders");
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private EmbeddedAuthority authority;
  private EmbeddedAuthority foreignAuthority;
  private X509SvidVerifier verifier;
  private RotatingX509SvidSource serverSvids;
  private RecordingTrustManager serverTrust;
  private SSLContext serverContext;
  private HttpsServer https;
  private ExecutorService httpThreads;
  private final List<String> handledClients = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    authority = EmbeddedAuthority.newBuilder(EXAMPLE).build();
    foreignAuthority = EmbeddedAuthority.newBuilder(OTHER_DOMAIN).build();
    verifier = X509SvidVerifier.newBuilder().bundleSource(authority.bundleSource()).build();
    serverSvids = source(authority, PAYMENTS);
    serverTrust = new RecordingTrustManager(SpiffeTls.trustManager(verifier, PeerAuthorizer.oneOf(ORDERS)));
    serverContext = context(new KeyManager[] {SpiffeTls.keyManager(serverSvids)}, serverTrust);
    httpThreads = Executors.newCachedThreadPool();
    startHttpsServer();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (https != null) {
      https.stop(0);
    }
    httpThreads.shutdownNow();
    for (AutoCloseable closeable : toClose) {
      closeable.close();
    }
  }

  private void startHttpsServer() throws IOException {
    https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    https.setHttpsConfigurator(new HttpsConfigurator(serverContext) {
      @Override
      public void configure(HttpsParameters params) {
        params.setSSLParameters(SpiffeTls.serverParameters(serverContext));
      }
    });
    https.createContext("/", exchange -> {
      SSLSession session = ((HttpsExchange) exchange).getSSLSession();
      int status;
      String body;
      try {
        VerifiedX509Svid peer = PeerIdentity.of(session, verifier);
        handledClients.add(peer.spiffeId().toString());
        status = 200;
        body = peer.spiffeId() + " " + session.getProtocol();
      } catch (X509SvidRejectedException e) {
        status = e.reason() == X509SvidRejectedException.Reason.NOT_AUTHORIZED ? 403 : 401;
        body = e.reason().name();
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    https.setExecutor(httpThreads);
    https.start();
  }

  private RotatingX509SvidSource source(EmbeddedAuthority issuer, SpiffeId id) {
    return track(RotatingX509SvidSource.newBuilder(issuer, id).build());
  }

  private <T extends AutoCloseable> T track(T closeable) {
    toClose.add(closeable);
    return closeable;
  }

  private SSLContext clientContext(EmbeddedAuthority issuer, SpiffeId id, PeerAuthorizer serverAuthorizer) {
    return SpiffeTls.context(source(issuer, id), verifier, serverAuthorizer);
  }

  private SSLContext ordersClient() {
    return clientContext(authority, ORDERS, PeerAuthorizer.exactly(PAYMENTS));
  }

  private HttpResponse<String> get(SSLContext clientContext, String protocol)
      throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder()
        .sslContext(clientContext)
        .sslParameters(clientParameters(clientContext, protocol))
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10))
        .executor(httpThreads)
        .build();
    HttpRequest request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + https.getAddress().getPort() + "/"))
        .timeout(Duration.ofSeconds(10))
        .build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** The server's reason for refusing the client, waited for briefly (the handshake runs on the server's thread). */
  private Reason serverRejection() throws InterruptedException {
    CertificateException rejection = serverTrust.rejections.poll(10, TimeUnit.SECONDS);
    assertThat(rejection).as("the server's trust manager refused the client").isInstanceOf(PeerRejectedException.class);
    return ((PeerRejectedException) rejection).reason();
  }

  private static <T extends Throwable> T causeOfType(Throwable thrown, Class<T> type) {
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " in the cause chain of " + thrown, thrown);
  }

  private AuthorityCa activeCa() {
    return authority.x509Cas().stream().filter(ca -> ca.state() == KeyState.ACTIVE).findFirst().orElseThrow();
  }

  private static boolean signedBy(X509Certificate leaf, X509Certificate ca) {
    try {
      leaf.verify(ca.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  // -------------------------------------------------------------------------------------------- HTTPS

  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void allowedClientThenOkAndServerSeesClientSpiffeId(String protocol) {
    assertTimeoutPreemptively(TIMEOUT, () -> {
      HttpResponse<String> response = get(ordersClient(), protocol);

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("spiffe://example.org/orders " + protocol);
      assertThat(handledClients).containsExactly(ORDERS.toString());
      assertThat(serverTrust.rejections).isEmpty();
      X509Certificate serverLeaf = (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
      assertThat(serverLeaf).isEqualTo(serverSvids.current().leaf());
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void clientOfUntrustedTrustDomainThenHandshakeFailsWithUntrustedTrustDomain(String protocol) {
    assertTimeoutPreemptively(TIMEOUT, () -> {
      // other.org's client trusts example.org (to accept the server), but the server has no bundle for other.org.
      SSLContext foreign = clientContext(foreignAuthority, FOREIGN_ORDERS, PeerAuthorizer.exactly(PAYMENTS));

      assertThatThrownBy(() -> get(foreign, protocol)).isInstanceOf(IOException.class);

      assertThat(serverRejection()).isEqualTo(Reason.UNTRUSTED_TRUST_DOMAIN);
      assertThat(handledClients).isEmpty();
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void clientOfSameTrustDomainNotAuthorizedThenHandshakeFailsWithNotAuthorized(String protocol) {
    assertTimeoutPreemptively(TIMEOUT, () -> {
      SSLContext ledger = clientContext(authority, LEDGER, PeerAuthorizer.exactly(PAYMENTS));

      assertThatThrownBy(() -> get(ledger, protocol)).isInstanceOf(IOException.class);

      assertThat(serverRejection()).isEqualTo(Reason.NOT_AUTHORIZED);
      assertThat(handledClients).isEmpty();
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void clientWithoutCertificateThenHandshakeFails(String protocol) {
    assertTimeoutPreemptively(TIMEOUT, () -> {
      SSLContext anonymous = context(new KeyManager[0],
          SpiffeTls.trustManager(verifier, PeerAuthorizer.exactly(PAYMENTS)));

      assertThatThrownBy(() -> get(anonymous, protocol)).isInstanceOf(IOException.class);

      // JSSE refuses an empty chain itself when client authentication is required; nothing reaches the handler.
      assertThat(handledClients).isEmpty();
      assertThat(serverTrust.accepted).isEmpty();
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void serverNotAuthorizedByClientThenClientHandshakeFailsWithNotAuthorized(String protocol) {
    assertTimeoutPreemptively(TIMEOUT, () -> {
      SSLContext client = clientContext(authority, ORDERS, PeerAuthorizer.exactly(OTHER));

      Throwable thrown = catchThrowable(() -> get(client, protocol));

      assertThat(thrown).isInstanceOf(SSLHandshakeException.class);
      PeerRejectedException rejected = causeOfType(thrown, PeerRejectedException.class);
      assertThat(rejected.reason()).isEqualTo(Reason.NOT_AUTHORIZED);
      assertThat(rejected).hasMessageContaining(PAYMENTS.toString());
      assertThat(handledClients).isEmpty();
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void serverOfUntrustedTrustDomainThenClientHandshakeFailsWithUntrustedTrustDomain(String protocol) {
    assertTimeoutPreemptively(TIMEOUT, () -> {
      // The client trusts only other.org, so example.org's server is refused before the client shows its SVID.
      X509SvidVerifier otherOnly = X509SvidVerifier.newBuilder().bundleSource(foreignAuthority.bundleSource())
          .build();
      SSLContext client = SpiffeTls.context(source(authority, ORDERS), otherOnly, PeerAuthorizer.any());

      Throwable thrown = catchThrowable(() -> get(client, protocol));

      assertThat(thrown).isInstanceOf(SSLHandshakeException.class);
      assertThat(causeOfType(thrown, PeerRejectedException.class).reason())
          .isEqualTo(Reason.UNTRUSTED_TRUST_DOMAIN);
    });
  }

  // ------------------------------------------------------------------------------ per-server authorization

  private SSLContext ordersClientFor(ServerAuthorizer servers) {
    X509SvidVerifier clientVerifier = X509SvidVerifier.newBuilder().bundleSource(authority.bundleSource()).build();
    return context(new KeyManager[] {SpiffeTls.keyManager(source(authority, ORDERS))},
        SpiffeTls.trustManager(clientVerifier, PeerAuthorizer.memberOf(EXAMPLE), servers));
  }

  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void serverAtNamedHostAndPortWhenNotTheNamedIdThenHandshakeFailsWithNotAuthorized(String protocol) {
    assertTimeoutPreemptively(TIMEOUT, () -> {
      // The trust domain would accept payments, but this address is OTHER's: a workload answering there is refused.
      SSLContext client = ordersClientFor(ServerAuthorizer.newBuilder(PeerAuthorizer.memberOf(EXAMPLE))
          .server("127.0.0.1", https.getAddress().getPort(), PeerAuthorizer.exactly(OTHER)).build());

      Throwable thrown = catchThrowable(() -> get(client, protocol));

      assertThat(thrown).isInstanceOf(SSLHandshakeException.class);
      PeerRejectedException rejected = causeOfType(thrown, PeerRejectedException.class);
      assertThat(rejected.reason()).isEqualTo(Reason.NOT_AUTHORIZED);
      assertThat(rejected).hasMessageContaining(PAYMENTS.toString());
      assertThat(handledClients).isEmpty();
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void serverAtNamedHostAndPortWhenTheNamedIdThenOk(String protocol) {
    assertTimeoutPreemptively(TIMEOUT, () -> {
      SSLContext client = ordersClientFor(ServerAuthorizer.newBuilder(PeerAuthorizer.exactly(OTHER))
          .server("127.0.0.1", https.getAddress().getPort(), PeerAuthorizer.exactly(PAYMENTS)).build());

      HttpResponse<String> response = get(client, protocol);

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(handledClients).containsExactly(ORDERS.toString());
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void serverAtUnnamedPortThenOtherwiseApplies(String protocol) {
    assertTimeoutPreemptively(TIMEOUT, () -> {
      int port = https.getAddress().getPort();
      SSLContext client = ordersClientFor(ServerAuthorizer.newBuilder(PeerAuthorizer.memberOf(EXAMPLE))
          .server("127.0.0.1", port == 65535 ? 1 : port + 1, PeerAuthorizer.exactly(OTHER)).build());

      HttpResponse<String> response = get(client, protocol);

      assertThat(response.statusCode()).isEqualTo(200);
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void rawSocketAtNamedHostAndPortWhenNotTheNamedIdThenStartHandshakeThrows(String protocol) {
    assertTimeoutPreemptively(TIMEOUT, () -> {
      EchoServer echo = track(new EchoServer(serverContext, verifier));
      SSLContext client = ordersClientFor(ServerAuthorizer.newBuilder(PeerAuthorizer.memberOf(EXAMPLE))
          .server("LocalHost", echo.port(), PeerAuthorizer.exactly(OTHER)).build());

      Throwable thrown = catchThrowable(() -> {
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) client.getSocketFactory()
            .createSocket("localhost", echo.port())) {
          socket.setSSLParameters(clientParameters(client, protocol));
          socket.setSoTimeout(10_000);
          socket.startHandshake();
        }
      });

      assertThat(thrown).isInstanceOf(SSLHandshakeException.class);
      assertThat(causeOfType(thrown, PeerRejectedException.class).reason()).isEqualTo(Reason.NOT_AUTHORIZED);
      assertThat(echo.clientSerials).isEmpty();
    });
  }

  // ------------------------------------------------------------------------------------ raw TLS sockets

  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void rawSocketsThenServerEchoesVerifiedClientId(String protocol) {
    assertTimeoutPreemptively(TIMEOUT, () -> {
      SSLContext server = SpiffeTls.context(serverSvids, verifier, PeerAuthorizer.oneOf(ORDERS));
      EchoServer echo = track(new EchoServer(server, verifier));

      Exchange exchange = call(ordersClient(), protocol, echo.port(), false);

      assertThat(exchange.reply()).startsWith("200 spiffe://example.org/orders ");
      assertThat(exchange.protocol()).isEqualTo(protocol);
      assertThat(exchange.serverLeaf()).isEqualTo(serverSvids.current().leaf());
      assertThat(echo.errors).isEmpty();
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void rawSocketsWhenPartnerClientAndServerFederatedThenAcceptedAndWithoutFederationRefused(String protocol) {
    assertTimeoutPreemptively(TIMEOUT, () -> {
      TrustDomain partnerDomain = TrustDomain.of("partner.example");
      SpiffeId partnerBilling = SpiffeId.parse("spiffe://partner.example/billing");
      EmbeddedAuthority partner = EmbeddedAuthority.newBuilder(partnerDomain).build();
      X509SvidVerifier federated = X509SvidVerifier.newBuilder().bundleSource(
          FederatedBundleSource.newBuilder(EXAMPLE, authority.bundleSource())
              .federate(partnerDomain, BundleSource.of(partner.bundle())).build()).build();
      SSLContext server = SpiffeTls.context(serverSvids, federated, PeerAuthorizer.oneOf(partnerBilling));
      EchoServer echo = track(new EchoServer(server, federated));
      // The partner's client trusts the server's trust domain (example.org) the same way.
      SSLContext client = SpiffeTls.context(source(partner, partnerBilling), verifier,
          PeerAuthorizer.exactly(PAYMENTS));

      Exchange exchange = call(client, protocol, echo.port(), true);

      assertThat(exchange.reply()).startsWith("200 spiffe://partner.example/billing ");
      assertThat(echo.errors).isEmpty();

      RecordingTrustManager unfederated = new RecordingTrustManager(SpiffeTls.trustManager(verifier,
          PeerAuthorizer.oneOf(partnerBilling)));
      EchoServer plain = track(new EchoServer(context(new KeyManager[] {SpiffeTls.keyManager(serverSvids)},
          unfederated), verifier));

      assertThat(catchThrowable(() -> call(client, protocol, plain.port(), true))).isNotNull();
      assertThat(causeOfType(unfederated.rejections.poll(10, TimeUnit.SECONDS), PeerRejectedException.class)
          .reason()).isEqualTo(Reason.UNTRUSTED_TRUST_DOMAIN);
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void rawSocketServerNotAuthorizedThenStartHandshakeThrows(String protocol) {
    assertTimeoutPreemptively(TIMEOUT, () -> {
      EchoServer echo = track(new EchoServer(serverContext, verifier));
      SSLContext client = clientContext(authority, ORDERS, PeerAuthorizer.exactly(OTHER));

      Throwable thrown = catchThrowable(() -> call(client, protocol, echo.port(), false));

      assertThat(thrown).isInstanceOf(SSLHandshakeException.class);
      assertThat(causeOfType(thrown, PeerRejectedException.class).reason()).isEqualTo(Reason.NOT_AUTHORIZED);
      assertThat(echo.clientSerials).isEmpty();
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void rawSocketClientNotAuthorizedThenNoReplyAndServerReasonNotAuthorized(String protocol) {
    assertTimeoutPreemptively(TIMEOUT, () -> {
      EchoServer echo = track(new EchoServer(serverContext, verifier));
      SSLContext ledger = clientContext(authority, LEDGER, PeerAuthorizer.exactly(PAYMENTS));

      // On TLS 1.3 the client may finish its side of the handshake first; the refusal then arrives on the read.
      assertThatThrownBy(() -> call(ledger, protocol, echo.port(), false)).isInstanceOf(IOException.class);

      assertThat(serverRejection()).isEqualTo(Reason.NOT_AUTHORIZED);
      assertThat(echo.clientSerials).isEmpty();
    });
  }

  // ----------------------------------------------------------------------------------------- rotation

  /**
   * 60 requests, each on a new connection with a full handshake (the client forgets its session, and the server's
   * trust manager must have been consulted once per request), while both sides renew their SVIDs every few requests
   * and the authority rotates its CA once half way.
   */
  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void rotationBetweenHandshakesThenNoFailedHandshake(String protocol) {
    assertTimeoutPreemptively(Duration.ofSeconds(90), () -> {
      EchoServer echo = track(new EchoServer(serverContext, verifier));
      RotatingX509SvidSource clientSvids = source(authority, ORDERS);
      RecordingTrustManager clientTrust = new RecordingTrustManager(
          SpiffeTls.trustManager(verifier, PeerAuthorizer.exactly(PAYMENTS)));
      SSLContext client = context(new KeyManager[] {SpiffeTls.keyManager(clientSvids)}, clientTrust);
      AuthorityCa firstCa = activeCa();
      int requests = 60;
      List<String> failures = new ArrayList<>();
      Set<String> serverSerials = new HashSet<>();

      for (int i = 0; i < requests; i++) {
        if (i > 0 && i % 5 == 0) {
          assertThat(clientSvids.renewNow()).isTrue();
          assertThat(serverSvids.renewNow()).isTrue();
        }
        if (i == 30) {
          authority.rotateX509Ca(); // prepare: the next root is published
          authority.rotateX509Ca(); // activate: new SVIDs chain to it
          assertThat(clientSvids.renewNow()).isTrue();
          assertThat(serverSvids.renewNow()).isTrue();
        }
        try {
          Exchange exchange = call(client, protocol, echo.port(), true);
          assertThat(exchange.reply()).startsWith("200 spiffe://example.org/orders ");
          assertThat(exchange.protocol()).isEqualTo(protocol);
          serverSerials.add(exchange.serverLeaf().getSerialNumber().toString(16));
        } catch (IOException e) {
          failures.add(i + ": " + e);
        }
      }

      assertThat(failures).isEmpty();
      assertThat(echo.errors).isEmpty();
      assertThat(serverTrust.rejections).isEmpty();
      assertThat(clientTrust.rejections).isEmpty();
      assertThat(serverTrust.accepted).as("full handshakes, one per request").hasSize(requests);
      assertThat(clientTrust.accepted).as("full handshakes, one per request").hasSize(requests);
      assertThat(new HashSet<>(echo.clientSerials)).as("distinct client serials").hasSizeGreaterThanOrEqualTo(3);
      assertThat(serverSerials).as("distinct server serials").hasSizeGreaterThanOrEqualTo(3);
      // After the CA rotation both sides present SVIDs of the new CA, still accepted (old root stays published).
      AuthorityCa newCa = activeCa();
      assertThat(newCa.id()).isNotEqualTo(firstCa.id());
      X509Certificate[] lastClientChain = serverTrust.accepted.get(requests - 1);
      X509Certificate[] lastServerChain = clientTrust.accepted.get(requests - 1);
      assertThat(signedBy(lastClientChain[0], newCa.certificate())).isTrue();
      assertThat(signedBy(lastServerChain[0], newCa.certificate())).isTrue();
      assertThat(signedBy(serverTrust.accepted.get(0)[0], firstCa.certificate())).isTrue();
    });
  }

  /**
   * SVIDs renewed continuously on another thread while handshakes run: the key manager must always present a chain
   * and a key that belong together.
   */
  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void rotationDuringHandshakesThenNoFailedHandshake(String protocol) {
    assertTimeoutPreemptively(Duration.ofSeconds(90), () -> {
      EchoServer echo = track(new EchoServer(serverContext, verifier));
      RotatingX509SvidSource clientSvids = source(authority, ORDERS);
      SSLContext client = SpiffeTls.context(clientSvids, verifier, PeerAuthorizer.exactly(PAYMENTS));
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicInteger rotations = new AtomicInteger();
      Thread rotator = new Thread(() -> {
        while (running.get()) {
          clientSvids.renewNow();
          serverSvids.renewNow();
          rotations.incrementAndGet();
          try {
            Thread.sleep(1); // the rotation rate under test (about one a millisecond), not a wait for a condition
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "rotator");
      rotator.start();
      List<String> failures = new ArrayList<>();
      int requests = 40;
      try {
        for (int i = 0; i < requests; i++) {
          try {
            assertThat(call(client, protocol, echo.port(), true).reply()).startsWith("200 ");
          } catch (IOException e) {
            failures.add(i + ": " + e);
          }
        }
      } finally {
        running.set(false);
        rotator.join(5_000);
      }

      assertThat(failures).isEmpty();
      assertThat(echo.errors).isEmpty();
      assertThat(serverTrust.accepted).hasSize(requests);
      assertThat(rotations.get()).isGreaterThan(1);
      assertThat(new HashSet<>(echo.clientSerials)).hasSizeGreaterThanOrEqualTo(3);
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void caTaintedThenNextHandshakePresentsSvidOfNewCa(String protocol) {
    assertTimeoutPreemptively(TIMEOUT, () -> {
      EchoServer echo = track(new EchoServer(serverContext, verifier));
      SSLContext client = ordersClient();
      Exchange before = call(client, protocol, echo.port(), true);
      AuthorityCa tainted = activeCa();

      authority.taintX509Ca(tainted.id());
      Exchange after = call(client, protocol, echo.port(), true);

      // Both sides' key managers ask their source for the current SVID, which renews at once from the new CA.
      assertThat(after.reply()).startsWith("200 spiffe://example.org/orders ");
      assertThat(signedBy(before.serverLeaf(), tainted.certificate())).isTrue();
      assertThat(signedBy(after.serverLeaf(), activeCa().certificate())).isTrue();
      X509Certificate lastClient = serverTrust.accepted.get(serverTrust.accepted.size() - 1)[0];
      assertThat(signedBy(lastClient, activeCa().certificate())).isTrue();
      assertThat(echo.clientSerials).hasSize(2).doesNotHaveDuplicates();
    });
  }

  // --------------------------------------------------------------------------------------------- bugs

  /**
   * The CA is tainted again and again while eight clients handshake concurrently with one server. Each taint makes
   * every SVID unusable at once, so both sides renew in the middle of concurrent handshakes. Fails in most runs (a
   * few of 200 exchanges): the client's key manager has lost the SVID it chose and sends an empty chain ("Empty
   * client certificate chain" on the server; the client sees bad_certificate or a broken pipe). Deterministic
   * reproductions: SpiffeKeyManagerTest and RotatingX509SvidSourceTest (renewal once per concurrent caller).
   */
  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void caTaintedDuringConcurrentHandshakesThenNoFailedHandshake(String protocol) {
    assertTimeoutPreemptively(Duration.ofSeconds(90), () -> {
      EchoServer echo = track(new EchoServer(serverContext, verifier, 8));
      SSLContext client = ordersClient();
      int clients = 8;
      int requestsEach = 25;
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      List<String> failures = new CopyOnWriteArrayList<>();
      int taints = 0;
      try {
        List<java.util.concurrent.Future<?>> done = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
          done.add(pool.submit(() -> {
            for (int i = 0; i < requestsEach; i++) {
              try {
                String reply = call(client, protocol, echo.port(), true).reply();
                if (!reply.startsWith("200 ")) {
                  failures.add(reply);
                }
              } catch (IOException e) {
                failures.add(e.toString());
              }
            }
            return null;
          }));
        }
        while (done.stream().anyMatch(f -> !f.isDone())) {
          authority.taintX509Ca(activeCa().id());
          taints++;
          Thread.sleep(20); // the taint rate under test while handshakes run, not a wait for a condition
        }
        for (java.util.concurrent.Future<?> f : done) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }

      assertThat(taints).isGreaterThan(1);
      assertThat(failures).as("failed exchanges of " + clients * requestsEach + " with " + taints + " taints; "
          + "server-side errors: " + echo.errors + "; server trust manager rejections: " + serverTrust.rejections)
          .isEmpty();
      assertThat(echo.errors).isEmpty();
    });
  }

  /**
   * A client reconnecting with the same context after its CA was revoked (it left the bundle): a resumed session would
   * carry the client's old chain, which no longer verifies, and skip both trust managers. Lanyard's trust managers make
   * every handshake session non-resumable, the client's source replaces the SVID its issuer calls unusable, and the
   * server re-verifies the session's chain ({@link PeerIdentity}) on each connection: the second connection is
   * answered 200 only if the chain it carries verifies against the current bundle, in TLS 1.3 (session tickets) as in
   * TLS 1.2.
   */
  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void reconnectAfterClientCaRevokedThenPeerStillVerifies(String protocol) {
    assertTimeoutPreemptively(TIMEOUT, () -> {
      SSLContext server = SpiffeTls.context(serverSvids, verifier, PeerAuthorizer.oneOf(ORDERS));
      EchoServer echo = track(new EchoServer(server, verifier));
      SSLContext client = ordersClient();
      assertThat(call(client, protocol, echo.port(), false).reply()).startsWith("200 ");
      AuthorityCa old = activeCa();

      authority.rotateX509Ca();
      authority.rotateX509Ca();
      serverSvids.renewNow();
      authority.revokeX509Ca(old.id()); // the client's SVID no longer chains to a root of the bundle

      Exchange again = call(client, protocol, echo.port(), false);
      assertThat(again.reply()).as("the server's view of the client on the second connection")
          .startsWith("200 spiffe://example.org/orders ");
    });
  }

  /** Session resumption, shown directly: the second connection makes no full handshake. */
  @Test
  void reconnectWithSameContextThenServerSeesRotatedClientSvid() {
    assertTimeoutPreemptively(TIMEOUT, () -> {
      SSLContext server = SpiffeTls.context(serverSvids, verifier, PeerAuthorizer.oneOf(ORDERS));
      EchoServer echo = track(new EchoServer(server, verifier));
      RotatingX509SvidSource clientSvids = source(authority, ORDERS);
      SSLContext client = SpiffeTls.context(clientSvids, verifier, PeerAuthorizer.exactly(PAYMENTS));

      call(client, "TLSv1.3", echo.port(), false);
      clientSvids.renewNow();
      call(client, "TLSv1.3", echo.port(), false);

      assertThat(echo.clientSerials).hasSize(2);
      assertThat(echo.clientSerials.get(1)).isEqualTo(clientSvids.current().serial());
    });
  }
}

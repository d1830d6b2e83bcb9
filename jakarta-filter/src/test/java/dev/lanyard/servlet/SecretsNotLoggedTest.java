package dev.lanyard.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.audit.AuditSink;
import dev.lanyard.authority.AuthorityStoreException;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.credentials.CachingJwtSvidSource;
import dev.lanyard.credentials.RotatingX509SvidSource;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.policy.Policy;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.MutableClock;
import dev.lanyard.testing.SecretFragments;
import dev.lanyard.tls.SpiffeTls;
import dev.lanyard.trust.HttpBundleSource;
import dev.lanyard.x509.PeerAuthorizer;
import dev.lanyard.x509.X509Svid;
import dev.lanyard.x509.X509SvidVerifier;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A full run of the library's main flows, failures included, with ALL log output captured — {@code System.out} and
 * {@code System.err} (where slf4j-simple writes, stack traces included), every {@code java.util.logging} record
 * (Tomcat's), the audit events and verification events as the default sinks render them, and what an application
 * typically logs of our exceptions and objects — then scanned for every token minted (whole, and any 20 characters of
 * its signature), every private key (read back from the authority's directory, and the SVIDs' keys) and any
 * {@code PRIVATE KEY} PEM marker. Flows: authority init, open and a corrupt directory; mint; verify valid, expired,
 * tampered, wrong audience, foreign key and garbage tokens; X.509-SVID issue and verify (and a rogue chain); a TLS
 * handshake refused on loopback; credential sources; filter requests of every outcome in a real Tomcat; bundle
 * refresh failures and the 503 beyond the staleness bound.
 */
class SecretsNotLoggedTest {
  static final TrustDomain TD = TrustDomain.of("example.org");
  static final String AUDIENCE = "spiffe://example.org/payments";
  static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  static final SpiffeId LEDGER = SpiffeId.parse("spiffe://example.org/ledger");
  static final SpiffeId SERVER = SpiffeId.parse("spiffe://example.org/payments");
  static final String POLICY = String.join("\n",
      "POST  /payments/charge  spiffe://example.org/orders  payments:charge",
      "GET   /whoami           any",
      "*     /health           public",
      "");

  static final String LOG_LEVEL = "org.slf4j.simpleLogger.log.dev.lanyard";

  static {
    // Effective when this class is the first to log in its JVM (slf4j-simple fixes a logger's level when it is
    // created); the audit and verification events are captured through their sinks either way.
    System.setProperty(LOG_LEVEL, "trace");
  }

  @AfterAll
  static void restoreLogLevel() {
    System.clearProperty(LOG_LEVEL);
  }

  /** Everything written to System.out, System.err and java.util.logging while it runs, passed through as well. */
  static final class LogCapture implements AutoCloseable {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final StringBuilder text = new StringBuilder();
    final PrintStream originalOut = System.out;
    final PrintStream originalErr = System.err;
    final Handler jul = new Handler() {
      final SimpleFormatter formatter = new SimpleFormatter();

      @Override
      public void publish(LogRecord record) {
        append(formatter.format(record));
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };

    LogCapture() {
      System.setOut(tee(originalOut));
      System.setErr(tee(originalErr));
      java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
      jul.setLevel(Level.ALL);
      root.addHandler(jul);
    }

    private PrintStream tee(PrintStream original) {
      return new PrintStream(new OutputStream() {
        @Override
        public void write(int b) {
          synchronized (bytes) {
            bytes.write(b);
          }
          original.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
          synchronized (bytes) {
            bytes.write(b, off, len);
          }
          original.write(b, off, len);
        }
      }, true, StandardCharsets.UTF_8);
    }

    void append(String line) {
      synchronized (text) {
        text.append(line).append('\n');
      }
    }

    String captured() {
      synchronized (bytes) {
        synchronized (text) {
          return bytes.toString(StandardCharsets.UTF_8) + "\n" + text;
        }
      }
    }

    @Override
    public void close() {
      System.setOut(originalOut);
      System.setErr(originalErr);
      java.util.logging.Logger.getLogger("").removeHandler(jul);
    }
  }

  final SecretFragments secrets = new SecretFragments();
  final List<X509Svid> svids = new ArrayList<>();
  /** What an application logs of the library's objects and exceptions. */
  final Logger app = LoggerFactory.getLogger("app");

  String token(JwtSvid svid) {
    secrets.token(svid.token());
    return svid.token();
  }

  X509Svid svid(X509Svid svid) {
    svids.add(svid);
    return svid;
  }

  @Test
  @Timeout(120)
  void fullRunWhenEveryFlowAndFailureThenNoTokenOrPrivateKeyInAnyLogOutput(@TempDir Path dir) throws Exception {
    Path home = dir.resolve("authority");
    MutableClock authorityClock = MutableClock.systemUtc();
    String captured;
    EmbeddedAuthority authority;
    try (LogCapture capture = new LogCapture()) {
      // Authority: init, rotations (persisted), reopen, a corrupt copy.
      authority = EmbeddedAuthority.newBuilder(TD).directory(home).clock(authorityClock).build();
      authority.rotateJwtKey();
      authority.rotateJwtKey();
      authority.rotateX509Ca();
      app.info("authority ready: {}", authority);
      EmbeddedAuthority reopened = EmbeddedAuthority.open(home);
      app.info("authority reopened: {} {} {}", reopened, reopened.jwtKeys(), reopened.x509Cas());
      Path broken = Files.createDirectories(dir.resolve("broken"));
      SecretsCopy.tree(home, broken);
      try (Stream<Path> keys = Files.list(broken.resolve("keys"))) {
        for (Path key : (Iterable<Path>) keys::iterator) {
          Files.writeString(key, Files.readString(key).replace("-----END PRIVATE KEY-----", "-----END PRIVATE"));
        }
      }
      assertThatThrownBy(() -> EmbeddedAuthority.open(broken)).isInstanceOf(AuthorityStoreException.class)
          .satisfies(e -> app.error("cannot open the authority", e));

      // Mint and verify, every outcome, with the events and rejections logged as an application would.
      JwtSvidVerifier verifier = JwtSvidVerifier.newBuilder().bundleSource(authority.bundleSource())
          .audience(AUDIENCE).revocations(authority.revocations())
          .listener(event -> capture.append("verification event: " + event)).build();
      String valid = token(authority.mintJwtSvid(ORDERS, AUDIENCE, "payments:charge"));
      String expired = token(authorityClock.at(Duration.ofMinutes(-30),
          () -> authority.mint(ORDERS, List.of(AUDIENCE), List.of(), Duration.ofMinutes(5))));
      String wrongAudience = token(authority.mintJwtSvid(ORDERS, "spiffe://example.org/elsewhere"));
      String[] parts = valid.split("\\.");
      String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
          new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8).replace("orders", "ledger")
              .getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
      secrets.token(tampered);
      String foreign = token(foreignKeyToken());
      JwtSvid revokedSvid = authority.mintJwtSvid(LEDGER, AUDIENCE);
      String revoked = token(revokedSvid);
      authority.revocations().revokeToken(revokedSvid.tokenId(), revokedSvid.expiresAt());
      List<String> garbage = List.of("garbage", parts[0] + ".." + parts[2], parts[0] + "." + parts[1] + ".",
          "x".repeat(20_000), valid + "." + parts[2]);
      app.info("verified {}", verifier.verify(valid));
      app.info("verified again {}", verifier.verify(valid));
      for (String bad : concat(List.of(expired, wrongAudience, tampered, foreign, revoked), garbage)) {
        try {
          verifier.verify(bad);
          throw new AssertionError("accepted a bad token");
        } catch (Exception e) {
          app.warn("token rejected", e);
        }
      }

      // X.509-SVIDs: issue, verify, a rogue chain, and a TLS handshake refused on loopback.
      X509SvidVerifier x509Verifier = X509SvidVerifier.newBuilder().bundleSource(authority.bundleSource()).build();
      X509Svid x509 = svid(authority.issueX509Svid(ORDERS));
      app.info("issued {} verified {}", x509, x509Verifier.verify(x509.chain()));
      EmbeddedAuthority rogue = EmbeddedAuthority.newBuilder(TD).build();
      X509Svid rogueSvid = svid(rogue.issueX509Svid(ORDERS));
      assertThatThrownBy(() -> x509Verifier.verify(rogueSvid.chain()))
          .satisfies(e -> app.warn("X.509-SVID rejected", e));
      RotatingX509SvidSource serverSource = RotatingX509SvidSource.newBuilder(authority, SERVER).build();
      RotatingX509SvidSource rogueSource = RotatingX509SvidSource.newBuilder(rogue, ORDERS).build();
      try {
        svid(serverSource.current());
        svid(rogueSource.current());
        refusedHandshake(SpiffeTls.context(serverSource, x509Verifier, PeerAuthorizer.any()),
            SpiffeTls.context(rogueSource, x509Verifier, PeerAuthorizer.exactly(SERVER)));
        CachingJwtSvidSource jwtSource = CachingJwtSvidSource.newBuilder(authority, ORDERS).build();
        token(jwtSource.fetch(AUDIENCE, "payments:charge"));
        app.info("sources {} {} {} {}", jwtSource, serverSource, SpiffeTls.keyManager(serverSource),
            jwtSource.peek(List.of(AUDIENCE), List.of("payments:charge")));
      } finally {
        serverSource.close();
        rogueSource.close();
      }

      // The filter in a real Tomcat, bundle from an HTTPS endpoint: every outcome, then refresh failures and 503.
      filterRun(dir, authority, capture, valid, expired, wrongAudience, tampered, foreign, garbage);
      captured = capture.captured();
    }

    // Every private key the run had: the authority's, read back from its directory, and the SVIDs'.
    int blocks = 0;
    try (Stream<Path> keys = Files.list(home.resolve("keys"))) {
      for (Path key : (Iterable<Path>) keys::iterator) {
        blocks += secrets.pem(Files.readString(key));
      }
    }
    assertThat(blocks).as("private keys in the authority's directory").isGreaterThanOrEqualTo(4);
    for (X509Svid svid : svids) {
      secrets.privateKey(svid.privateKey());
      secrets.pem(svid.privateKeyPem());
    }

    assertThat(captured).as("the capture saw the run")
        .contains("refreshing the trust bundle of example.org")
        .contains("trust bundle unavailable")
        .contains("REJECTED")
        .contains("token rejected")
        .contains("Starting ProtocolHandler");
    assertThat(secrets.count()).isGreaterThan(20);
    secrets.assertAbsentFrom("the log output", captured);
  }

  static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  static JwtSvid foreignKeyToken() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair pair = generator.generateKeyPair();
    Instant now = Instant.now();
    return JwtSvid.newBuilder().subject(ORDERS).audience(List.of(AUDIENCE)).validity(now, now.plusSeconds(300))
        .sign(JwtAlgorithm.ES256, "not-in-the-bundle", pair.getPrivate());
  }

  /** A server that requires client certificates and a client with a rogue one: both sides fail, and are logged. */
  void refusedHandshake(SSLContext serverContext, SSLContext clientContext) throws Exception {
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try (SSLServerSocket listener = (SSLServerSocket) serverContext.getServerSocketFactory()
        .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      listener.setSSLParameters(SpiffeTls.serverParameters(serverContext));
      listener.setSoTimeout(10_000);
      Future<?> server = executor.submit(() -> {
        try (SSLSocket socket = (SSLSocket) listener.accept()) {
          socket.setSoTimeout(10_000);
          socket.startHandshake();
          InputStream in = socket.getInputStream();
          in.read();
        } catch (IOException e) {
          app.warn("server: TLS handshake failed", e);
        }
        return null;
      });
      try (SSLSocket socket = (SSLSocket) clientContext.getSocketFactory()
          .createSocket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
        socket.setSoTimeout(10_000);
        socket.setSSLParameters(SpiffeTls.clientParameters(clientContext));
        socket.startHandshake();
        socket.getOutputStream().write(1);
        socket.getOutputStream().flush();
        socket.getInputStream().read();
      } catch (IOException e) {
        app.warn("client: TLS handshake failed", e);
      }
      server.get(20, TimeUnit.SECONDS);
    } finally {
      executor.shutdownNow();
    }
  }

  void filterRun(Path dir, EmbeddedAuthority authority, LogCapture capture, String valid, String expired,
      String wrongAudience, String tampered, String foreign, List<String> garbage) throws Exception {
    EmbeddedAuthority web = EmbeddedAuthority.newBuilder(TrustDomain.of("bundles.test")).build();
    RotatingX509SvidSource endpointSvid = RotatingX509SvidSource.newBuilder(web,
        LanyardFilterBundleFaultTest.ENDPOINT).build();
    svid(endpointSvid.current());
    X509SvidVerifier webVerifier = X509SvidVerifier.newBuilder().bundleSource(web.bundleSource()).build();
    SSLContext clientTls = SSLContext.getInstance("TLS");
    clientTls.init(null, new TrustManager[] {SpiffeTls.trustManager(webVerifier,
        PeerAuthorizer.exactly(LanyardFilterBundleFaultTest.ENDPOINT))}, null);
    MutableClock sourceClock = MutableClock.systemUtc();
    HttpClient http = LanyardFilterFaultTest.plainClient();
    try (LanyardFilterBundleFaultTest.BundleEndpoint endpoint = new LanyardFilterBundleFaultTest.BundleEndpoint(
            SpiffeTls.context(endpointSvid, webVerifier, PeerAuthorizer.any()), authority.bundle().toJson());
        HttpBundleSource source = HttpBundleSource.newBuilder(TD, endpoint.uri()).sslContext(clientTls)
            .refreshInterval(Duration.ofSeconds(30)).maxStaleness(Duration.ofMinutes(5)).clock(sourceClock).build()) {
      LanyardFilter filter = LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE).bundleSource(source)
          .policy(Policy.parse(POLICY, "policy.txt")).revocations(authority.revocations())
          .auditSink(AuditSink.slf4j().andThen(event -> capture.append("audit event: " + event))).build();
      try (TomcatServer server = TomcatServer.newBuilder(dir.resolve("tomcat")).filter(filter).start()) {
        String unscoped = token(authority.mintJwtSvid(ORDERS, AUDIENCE));
        String ledger = token(authority.mintJwtSvid(LEDGER, AUDIENCE, "payments:charge"));
        List<Integer> statuses = new ArrayList<>();
        statuses.add(send(http, server, "POST", "/payments/charge", valid).statusCode());
        statuses.add(send(http, server, "GET", "/health", null).statusCode());
        statuses.add(send(http, server, "GET", "/whoami", null).statusCode());
        for (String bad : concat(List.of(expired, wrongAudience, tampered, foreign), garbage.subList(0, 3))) {
          statuses.add(send(http, server, "GET", "/whoami", bad).statusCode());
        }
        statuses.add(send(http, server, "POST", "/payments/charge", ledger).statusCode());
        statuses.add(send(http, server, "POST", "/payments/charge", unscoped).statusCode());
        statuses.add(http.send(HttpRequest.newBuilder(server.uri("/whoami")).header("Authorization", "Bearer " + valid)
            .header("Authorization", "Bearer " + valid).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        statuses.add(send(http, server, "GET", "/whoami?access_token=" + valid, null).statusCode());

        // Refresh failures of every kind, then beyond the staleness bound: 503.
        for (LanyardFilterBundleFaultTest.Mode mode : List.of(LanyardFilterBundleFaultTest.Mode.HTTP_500,
            LanyardFilterBundleFaultTest.Mode.NOT_JSON, LanyardFilterBundleFaultTest.Mode.NOT_A_JWK_SET)) {
          endpoint.mode.set(mode);
          assertThat(source.refresh()).isFalse();
        }
        endpoint.stop();
        assertThat(source.refresh()).isFalse();
        sourceClock.setOffset(Duration.ofMinutes(6));
        statuses.add(send(http, server, "GET", "/whoami", valid).statusCode());
        statuses.add(send(http, server, "GET", "/whoami", unscoped).statusCode());
        assertThat(statuses).containsExactly(200, 200, 401, 401, 401, 401, 401, 401, 401, 401, 403, 403, 400, 401,
            503, 503);
      }
    } finally {
      endpointSvid.close();
    }
  }

  static HttpResponse<String> send(HttpClient http, TomcatServer server, String method, String path, String token)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(10))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Copies a directory tree (without lock files). */
  static final class SecretsCopy {
    private SecretsCopy() {}

    static void tree(Path from, Path to) throws IOException {
      try (Stream<Path> tree = Files.walk(from)) {
        for (Path source : (Iterable<Path>) tree::iterator) {
          Path target = to.resolve(from.relativize(source).toString());
          if (Files.isDirectory(source)) {
            Files.createDirectories(target);
          } else if (!source.getFileName().toString().equals(".lock")) {
            Files.copy(source, target);
          }
        }
      }
    }
  }
}

package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.audit.AuditEvent;
import dev.lanyard.audit.AuditSink;
import dev.lanyard.audit.AuthorityEvent;
import dev.lanyard.authority.AuthorityCa;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.credentials.X509SvidSource;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.policy.Caller;
import dev.lanyard.servlet.LanyardFilter;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.Await;
import dev.lanyard.tls.SpiffeTls;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.RevocationList;
import dev.lanyard.x509.PeerAuthorizer;
import dev.lanyard.x509.X509Svid;
import dev.lanyard.x509.X509SvidVerifier;
import jakarta.servlet.http.HttpServletRequest;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A caller's TLS connection kept alive (HTTP/1.1) across the removal of its CA from the trust bundle: the TLS layer
 * only checks the chain at the handshake, and there is none on that connection again, so each request on it must be
 * refused by Lanyard's per-request X.509-SVID verification against the current bundle. A real application (Tomcat,
 * {@code server.ssl.bundle=lanyard}, client certificates wanted) and a raw TLS socket that writes two requests on one
 * connection.
 */
class KeptAliveMtlsApplicationTest {
  private static final TrustDomain TD = TrustDomain.of("example.org");
  private static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  /** The caller whose SPIFFE ID is revoked (a caller of its own, so that the other tests do not depend on order). */
  private static final SpiffeId REFUNDS = SpiffeId.parse("spiffe://example.org/refunds");
  private static final SpiffeId LEDGER = SpiffeId.parse("spiffe://example.org/ledger");
  private static final Duration CHANGE_SEEN_WITHIN = Duration.ofSeconds(10);

  @TempDir
  static Path dir;

  static ConfigurableApplicationContext payments;
  static int port;
  /** Another process's handle on the authority's directory: the one an operator rotates CAs with. */
  static EmbeddedAuthority operator;

  @BeforeAll
  static void start() {
    Path authorityDir = dir.resolve("authority");
    payments = MtlsServerFixture.startPayments(PaymentsApp.class, authorityDir,
        "GET /api/mtls spiffe://example.org/orders",
        "GET /api/refunds spiffe://example.org/refunds",
        "GET /api/ledger spiffe://example.org/ledger");
    port = MtlsServerFixture.port(payments);
    operator = EmbeddedAuthority.open(authorityDir);
  }

  @AfterAll
  static void stop() {
    if (payments != null) {
      payments.close();
    }
  }

  @Test
  void requestWhenCaRemovedOnKeptAliveConnectionThenRefusedWithUntrustedChainWithoutNewHandshake() throws Exception {
    AuthorityCa removed = activateNewCa();
    X509Svid caller = operator.issueX509Svid(ORDERS);
    assertThat(caller.leaf().getIssuerX500Principal()).isEqualTo(removed.certificate().getSubjectX500Principal());
    Await.until("a caller with an SVID of the new CA is accepted",
        () -> acceptedOnNewConnection(caller, "/api/mtls"),
        CHANGE_SEEN_WITHIN);

    try (KeptAlive connection = KeptAlive.open(caller)) {
      Response before = connection.get("/api/mtls");
      assertThat(before.status).isEqualTo(200);
      assertThat(before.body).isEqualTo("mtls spiffe://example.org/orders via X509_SVID");
      assertThat(before.headers.get("connection")).as("kept alive").isNotEqualToIgnoringCase("close");

      activateNewCa();
      operator.revokeX509Ca(removed.id());
      Await.until("the server's trust bundle drops the removed CA", () -> !serverTrusts(removed),
          CHANGE_SEEN_WITHIN);
      Await.until("a new connection with an SVID of the removed CA is refused at the handshake",
          () -> refusedAtHandshake(caller), CHANGE_SEEN_WITHIN);
      Instant sent = Instant.now();

      Response after = connection.get("/api/mtls");

      assertThat(connection.handshakes.get()).as("one TLS handshake: the same connection").isEqualTo(1);
      assertThat(connection.socket.isClosed()).isFalse();
      assertThat(after.status).isEqualTo(401);
      assertThat(after.headers.get("www-authenticate")).isEqualTo(
          "Bearer error=\"invalid_token\", error_description=\"The certificate chain is not trusted\"");
      assertThat(after.body).doesNotContain("BEGIN CERTIFICATE");
      AuditEvent refused = delivered(sent, AuditEvent.Decision.REJECTED);
      assertThat(refused.reason()).contains("UNTRUSTED_CHAIN");
      assertThat(refused.credential()).contains(AuditEvent.Credential.X509);
      assertThat(refused.caller()).contains(ORDERS.toString());
      assertThat(refused.callerVerified()).isFalse();
      assertThat(refused.method()).contains("GET");
      assertThat(refused.path()).contains("/api/mtls");
      assertThat(refused.callee()).contains("spiffe://example.org/payments");
    }
  }

  @Test
  void requestWhenCaStillTrustedOnKeptAliveConnectionThenEveryRequestAcceptedOverOneHandshake() throws Exception {
    X509Svid caller = operator.issueX509Svid(ORDERS);
    Await.until("a caller with an SVID of the active CA is accepted",
        () -> acceptedOnNewConnection(caller, "/api/mtls"),
        CHANGE_SEEN_WITHIN);

    try (KeptAlive connection = KeptAlive.open(caller)) {
      for (int i = 0; i < 3; i++) {
        assertThat(connection.get("/api/mtls").status).isEqualTo(200);
      }
      assertThat(connection.handshakes.get()).as("the requests shared one connection").isEqualTo(1);
    }
  }

  @Test
  void requestWhenSpiffeIdRevokedOnKeptAliveConnectionWithTokenThenRefusedWithRevoked() throws Exception {
    X509Svid certificate = operator.issueX509Svid(REFUNDS);
    JwtSvid token = operator.mintJwtSvid(REFUNDS, "spiffe://example.org/payments");
    Await.until("a caller with an SVID of the active CA is accepted",
        () -> acceptedOnNewConnection(certificate, "/api/refunds"),
        CHANGE_SEEN_WITHIN);

    try (KeptAlive connection = KeptAlive.open(certificate)) {
      Response before = connection.get("/api/refunds", token.token());
      assertThat(before.status).isEqualTo(200);
      assertThat(before.body).isEqualTo("mtls spiffe://example.org/refunds via JWT_SVID_AND_X509_SVID");

      operator.revokeSpiffeId(REFUNDS, token.issuedAt().plusSeconds(1));
      RevocationList seenByServer = payments.getBean(LanyardIdentity.class).revocations().orElseThrow();
      Await.until("the server sees the revocation",
          () -> seenByServer.isSubjectRevoked(REFUNDS, token.issuedAt()), CHANGE_SEEN_WITHIN);
      Instant sent = Instant.now();

      Response after = connection.get("/api/refunds", token.token());

      assertThat(connection.handshakes.get()).as("one TLS handshake: the same connection").isEqualTo(1);
      assertThat(after.status).isEqualTo(401);
      assertThat(after.headers.get("www-authenticate")).isEqualTo(
          "Bearer error=\"invalid_token\", error_description=\"The token has been revoked\"");
      assertThat(after.body).doesNotContain(token.token());
      AuditEvent refused = delivered(sent, AuditEvent.Decision.REJECTED);
      assertThat(refused.reason()).contains("REVOKED");
      assertThat(refused.credential()).contains(AuditEvent.Credential.BOTH);
      assertThat(refused.caller()).contains(REFUNDS.toString());
      assertThat(refused.callerVerified()).isFalse();
      assertThat(refused.path()).contains("/api/refunds");
      assertThat(refused.tokenHash()).contains(AuditEvent.tokenFingerprint(token.token()));
    }
  }

  @Test
  void requestWhenSpiffeIdRevokedOnKeptAliveConnectionWithCertificateOnlyThenRefusedWithRevoked() throws Exception {
    X509Svid certificate = operator.issueX509Svid(LEDGER);
    Await.until("a caller with an SVID of the active CA is accepted",
        () -> acceptedOnNewConnection(certificate, "/api/ledger"), CHANGE_SEEN_WITHIN);

    try (KeptAlive connection = KeptAlive.open(certificate)) {
      Response before = connection.get("/api/ledger");
      assertThat(before.status).isEqualTo(200);
      assertThat(before.body).isEqualTo("mtls spiffe://example.org/ledger via X509_SVID");

      Instant revokedBefore = certificate.leaf().getNotBefore().toInstant().plusSeconds(1);
      operator.revokeSpiffeId(LEDGER, revokedBefore);
      RevocationList seenByServer = payments.getBean(LanyardIdentity.class).revocations().orElseThrow();
      Await.until("the server sees the revocation",
          () -> seenByServer.isSubjectRevoked(LEDGER, certificate.leaf().getNotBefore().toInstant()),
          CHANGE_SEEN_WITHIN);
      Instant sent = Instant.now();

      Response after = connection.get("/api/ledger");

      assertThat(connection.handshakes.get()).as("one TLS handshake: the same connection").isEqualTo(1);
      assertThat(after.status).isEqualTo(401);
      assertThat(after.headers.get("www-authenticate")).isEqualTo(
          "Bearer error=\"invalid_token\", error_description=\"The certificate has been revoked\"");
      AuditEvent refused = delivered(sent, AuditEvent.Decision.REJECTED);
      assertThat(refused.reason()).contains("REVOKED");
      assertThat(refused.credential()).contains(AuditEvent.Credential.X509);
      assertThat(refused.caller()).contains(LEDGER.toString());
      assertThat(refused.callerVerified()).isFalse();
      assertThat(refused.path()).contains("/api/ledger");
    }
    assertThat(refusedOnNewConnection(certificate, "/api/ledger")).as("a new connection is refused the same way")
        .isTrue();
  }

  /** Prepares and activates a new CA in the shared directory; returns it. */
  private static AuthorityCa activateNewCa() {
    return MtlsServerFixture.activateNewCa(operator);
  }

  /** Whether the bundle the server's filter and its SSL bundle verify callers against holds {@code ca}. */
  private static boolean serverTrusts(AuthorityCa ca) {
    return payments.getBean(BundleSource.class).bundleFor(TD)
        .map(b -> b.x509Authorities().contains(ca.certificate())).orElse(false);
  }

  /** True when a new connection with {@code caller} gets past TLS and its request is answered 401 (revoked). */
  private static boolean refusedOnNewConnection(X509Svid caller, String target) {
    try (KeptAlive connection = KeptAlive.open(caller)) {
      Response response = connection.get(target);
      return response.status == 401 && ("Bearer error=\"invalid_token\", "
          + "error_description=\"The certificate has been revoked\"").equals(response.headers.get("www-authenticate"));
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean acceptedOnNewConnection(X509Svid caller, String target) {
    try (KeptAlive connection = KeptAlive.open(caller)) {
      return connection.get(target).status == 200;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Whether a new connection presenting {@code caller} fails in TLS. A 401 does not count: the registry hands out the
   * new bundle just before Tomcat has loaded it, and a handshake in between passes to be refused by the filter.
   */
  private static boolean refusedAtHandshake(X509Svid caller) {
    try (KeptAlive connection = KeptAlive.open(caller)) {
      connection.get("/api/mtls");
      return false;
    } catch (IOException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof SSLException) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * The first event of {@code decision} decided at or after {@code since}, once delivered (delivery is asynchronous,
   * so an event of an earlier request may arrive later).
   */
  private static AuditEvent delivered(Instant since, AuditEvent.Decision decision) {
    Predicate<AuditEvent> match = e -> e.decision() == decision && !e.time().isBefore(since);
    Await.until("an audit event " + decision, () -> RECORDING.events.stream().anyMatch(match), CHANGE_SEEN_WITHIN);
    return RECORDING.events.stream().filter(match).findFirst().orElseThrow();
  }

  static final Recording RECORDING = new Recording();

  /** One TLS connection to the server presenting a fixed SVID, over which requests are written one after another. */
  static final class KeptAlive implements AutoCloseable {
    final SSLSocket socket;
    final AtomicInteger handshakes = new AtomicInteger();
    private final InputStream in;

    private KeptAlive(SSLSocket socket) throws IOException {
      this.socket = socket;
      this.in = new BufferedInputStream(socket.getInputStream());
    }

    static KeptAlive open(X509Svid svid) throws IOException {
      X509SvidVerifier verifier = X509SvidVerifier.newBuilder().bundleSource(operator.bundleSource())
          .trustDomains(TD).build();
      SSLContext context = SpiffeTls.context(fixed(svid), verifier, PeerAuthorizer.memberOf(TD));
      SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port);
      KeptAlive connection = new KeptAlive(socket);
      try {
        socket.setSoTimeout(10_000);
        socket.addHandshakeCompletedListener(e -> connection.handshakes.incrementAndGet());
        socket.startHandshake();
        return connection;
      } catch (IOException e) {
        socket.close();
        throw e;
      }
    }

    /** Writes {@code GET target} on this connection (kept alive) and reads its whole response. */
    Response get(String target) throws IOException {
      return get(target, null);
    }

    /** As {@link #get(String)}, with {@code Authorization: Bearer token} when a token is given. */
    Response get(String target, @Nullable String token) throws IOException {
      String authorization = token == null ? "" : "Authorization: Bearer " + token + "\r\n";
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + target + " HTTP/1.1\r\nHost: localhost:" + port + "\r\n" + authorization + "\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String statusLine = line();
      Map<String, String> headers = new LinkedHashMap<>();
      for (String header = line(); !header.isEmpty(); header = line()) {
        int colon = header.indexOf(':');
        headers.put(header.substring(0, colon).strip().toLowerCase(Locale.ROOT), header.substring(colon + 1).strip());
      }
      String body;
      if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
        StringBuilder text = new StringBuilder();
        for (int size = Integer.parseInt(line().strip(), 16); size > 0; size = Integer.parseInt(line().strip(), 16)) {
          text.append(new String(in.readNBytes(size), StandardCharsets.UTF_8));
          line();
        }
        line();
        body = text.toString();
      } else {
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
      }
      return new Response(Integer.parseInt(statusLine.split(" ")[1]), headers, body);
    }

    private String line() throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b < 0) {
          throw new IOException("connection closed by the server");
        }
        if (b != '\r') {
          bytes.write(b);
        }
      }
      return bytes.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  record Response(int status, Map<String, String> headers, String body) {}

  private static X509SvidSource fixed(X509Svid svid) {
    return MtlsServerFixture.fixed(svid);
  }

  /** Records every event. */
  static final class Recording implements AuditSink {
    final List<AuditEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void record(AuditEvent event) {
      events.add(event);
    }

    @Override
    public void recordAuthority(AuthorityEvent event) {}
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(PaymentsController.class)
  static class PaymentsApp {
    @Bean
    AuditSink recording() {
      return RECORDING;
    }
  }

  @RestController
  static class PaymentsController {
    @GetMapping({"/api/mtls", "/api/refunds", "/api/ledger"})
    String mtls(HttpServletRequest request) {
      Caller caller = (Caller) request.getAttribute(LanyardFilter.CALLER_ATTRIBUTE);
      return "mtls " + request.getUserPrincipal().getName() + " via " + caller.credentialType();
    }
  }
}

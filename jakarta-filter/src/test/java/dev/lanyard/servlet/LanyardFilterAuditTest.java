package dev.lanyard.servlet;

import static dev.lanyard.testing.Stderr.captureStderr;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.audit.AsyncAuditSink;
import dev.lanyard.audit.AuditEvent;
import dev.lanyard.audit.AuditRing;
import dev.lanyard.audit.AuditSink;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.credentials.RotatingX509SvidSource;
import dev.lanyard.graph.GraphEdge;
import dev.lanyard.graph.GraphSnapshot;
import dev.lanyard.graph.TrustGraph;
import dev.lanyard.inventory.Inventory;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.policy.Policy;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.Await;
import dev.lanyard.testing.MutableClock;
import dev.lanyard.testing.SecretFragments;
import dev.lanyard.tls.SpiffeTls;
import dev.lanyard.trust.BundleUnavailableException;
import dev.lanyard.x509.PeerAuthorizer;
import dev.lanyard.x509.X509Svid;
import dev.lanyard.x509.X509SvidVerifier;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The filter's audit events, trust graph and output hygiene in a real embedded Tomcat 11 over HTTPS asking for client
 * certificates, driven by the JDK HTTP client: one event for every outcome of the filter's outcome table (JWT, mTLS
 * and both), each field asserted; request data (path, a refused token's claims, {@code traceparent}) forging no field
 * and no log line; no token or key text in any log line, audit event or response; the graph's counts exact under
 * concurrent load and its cap holding under a flood of distinct callers.
 *
 * <p>Set-up: the server presents an X.509-SVID of the callee; Tomcat's truststore also holds a rogue authority's roots
 * (same trust domain), so that the rogue's certificates reach the filter, whose own verification refuses them. The
 * filter audits into an {@link AuditRing} and, synchronously, the SLF4J sink with allowed decisions at INFO.
 */
class LanyardFilterAuditTest {
  static final TrustDomain TD = TrustDomain.of("example.org");
  static final String AUDIENCE = "spiffe://example.org/payments";
  static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  static final SpiffeId LEDGER = SpiffeId.parse("spiffe://example.org/ledger");
  static final SpiffeId DEPLOYER = SpiffeId.parse("spiffe://example.org/ci/deployer");
  static final SpiffeId MALLORY = SpiffeId.parse("spiffe://example.org/mallory");
  static final String PASSWORD = "changeit";
  static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String POLICY = String.join("\n",
      "GET   /health            public",
      "GET   /whoami            any",
      "POST  /payments/charge   spiffe://example.org/orders   payments:charge",
      "GET   /orders-only       spiffe://example.org/orders",
      "GET   /deploy            spiffe://example.org/ci/deployer",
      "");
  static final String INVENTORY = """
      {"format": "lanyard-inventory/1", "identities": [
        {"id": "spiffe://example.org/ci/deployer", "owner": "platform", "deployOnly": true}
      ]}""";

  @TempDir
  static Path dir;
  static final MutableClock AUTHORITY_CLOCK = MutableClock.systemUtc();
  static EmbeddedAuthority authority;
  static EmbeddedAuthority rogue;
  static EmbeddedAuthority foreign;
  static final AtomicBoolean bundleDown = new AtomicBoolean();
  static final AuditRing ring = AuditRing.withCapacity(10_000);
  static final List<AutoCloseable> closeables = new ArrayList<>();
  static final SecretFragments secrets = new SecretFragments();
  static LanyardFilter filter;
  static TomcatServer server;
  static HttpClient noCertificate;
  static HttpClient ordersCertificate;
  static HttpClient malloryRogueCertificate;

  @BeforeAll
  static void startServer() throws Exception {
    authority = EmbeddedAuthority.newBuilder(TD).clock(AUTHORITY_CLOCK).build();
    rogue = EmbeddedAuthority.newBuilder(TD).build();
    foreign = EmbeddedAuthority.newBuilder(TrustDomain.of("other.org")).build();

    X509Svid serverSvid = authority.issueX509Svid(SpiffeId.parse(AUDIENCE));
    secrets.privateKey(serverSvid.privateKey());
    KeyStore keystore = KeyStore.getInstance("PKCS12");
    keystore.load(null, null);
    keystore.setKeyEntry("server", serverSvid.privateKey(), PASSWORD.toCharArray(),
        serverSvid.chain().toArray(new Certificate[0]));
    KeyStore truststore = KeyStore.getInstance("PKCS12");
    truststore.load(null, null);
    int i = 0;
    for (EmbeddedAuthority trusted : List.of(authority, rogue)) {
      for (X509Certificate root : trusted.bundle().x509Authorities()) {
        truststore.setCertificateEntry("root-" + i++, root);
      }
    }
    filter = LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE)
        .bundleSource(td -> {
          if (bundleDown.get()) {
            throw new BundleUnavailableException("the bundle endpoint is down");
          }
          return authority.bundleSource().bundleFor(td);
        })
        .policy(Policy.parse(POLICY, "policy.txt"))
        .revocations(authority.revocations())
        .inventory(Inventory.parse(INVENTORY, "inventory.json"))
        .auditSink(ring.andThen(AuditSink.slf4j("INFO")))
        .build();
    server = TomcatServer.newBuilder(dir.resolve("tomcat")).filter(filter)
        .tls(store(keystore, dir.resolve("server.p12")), store(truststore, dir.resolve("trust.p12")), PASSWORD)
        .start();
    assertThat(server.contextAvailable()).as(server.startupErrors()).isTrue();

    SSLContext bare = SSLContext.getInstance("TLS");
    bare.init(null, new TrustManager[] {SpiffeTls.trustManager(serverVerifier(), serverAuthorizer())}, null);
    noCertificate = client(bare);
    ordersCertificate = client(clientContext(authority, ORDERS));
    malloryRogueCertificate = client(clientContext(rogue, MALLORY));
  }

  @AfterAll
  static void stopServer() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
  }

  static Path store(KeyStore keyStore, Path file) throws Exception {
    try (OutputStream out = Files.newOutputStream(file)) {
      keyStore.store(out, PASSWORD.toCharArray());
    }
    return file;
  }

  static X509SvidVerifier serverVerifier() {
    return X509SvidVerifier.newBuilder().bundleSource(authority.bundleSource()).build();
  }

  static PeerAuthorizer serverAuthorizer() {
    return PeerAuthorizer.exactly(SpiffeId.parse(AUDIENCE));
  }

  static SSLContext clientContext(EmbeddedAuthority issuer, SpiffeId id) {
    RotatingX509SvidSource source = RotatingX509SvidSource.newBuilder(issuer, id).build();
    closeables.add(source);
    secrets.privateKey(source.current().privateKey());
    return SpiffeTls.context(source, serverVerifier(), serverAuthorizer());
  }

  static HttpClient client(SSLContext context) {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(context)
        .sslParameters(SpiffeTls.clientParameters(context)).connectTimeout(Duration.ofSeconds(5)).build();
  }

  static String token(SpiffeId subject, String... scopes) {
    return remember(authority.mintJwtSvid(subject, AUDIENCE, scopes)).token();
  }

  static JwtSvid remember(JwtSvid svid) {
    secrets.token(svid.token());
    return svid;
  }

  /** What one request gave: the response and the one audit event it caused. */
  record Outcome(HttpResponse<String> response, AuditEvent event) {}

  /**
   * Sends one request with the valid {@code traceparent} (unless {@code headers} sets its own) and returns its
   * response and its audit event, asserting the status and that exactly one event was recorded.
   */
  static Outcome exchange(HttpClient client, String method, String path, String token, int status,
      String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(10))
        .method(method, HttpRequest.BodyPublishers.noBody());
    boolean ownTrace = false;
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
      ownTrace |= headers[i].equalsIgnoreCase("traceparent");
    }
    if (!ownTrace) {
      request.header("traceparent", TRACEPARENT);
    }
    if (token != null) {
      secrets.token(token);
      request.header("Authorization", "Bearer " + token);
    }
    int before = ring.events().size();
    HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("status of %s %s; body %s", method, path, response.body())
        .isEqualTo(status);
    List<AuditEvent> events = ring.events();
    assertThat(events).as("one audit event per request").hasSize(before + 1);
    AuditEvent event = events.get(before);
    assertThat(event.callee()).as("callee of %s", event).hasValue(AUDIENCE);
    assertThat(event.method()).hasValue(method);
    if (!ownTrace) {
      assertThat(event.traceId()).as("trace id of %s", event).hasValue(TRACE_ID);
    }
    return new Outcome(response, event);
  }

  /** Asserts the fields every event has, by the caller's side. */
  static void assertEvent(AuditEvent e, AuditEvent.Decision decision, String reason, String path, SpiffeId caller,
      boolean verified, AuditEvent.Credential credential) {
    assertThat(e.decision()).as("%s", e).isEqualTo(decision);
    assertThat(e.reason().orElse(null)).as("reason of %s", e).isEqualTo(reason);
    assertThat(e.path()).as("path of %s", e).hasValue(path);
    assertThat(e.caller().orElse(null)).as("caller of %s", e).isEqualTo(caller == null ? null : caller.toString());
    assertThat(e.callerVerified()).as("callerVerified of %s", e).isEqualTo(verified);
    assertThat(e.credential().orElse(null)).as("credential of %s", e).isEqualTo(credential);
  }

  /** A refused token: claimed caller (unverified), its fingerprint instead of a token id. */
  static void assertRefusedToken(Outcome o, String reason, SpiffeId claimed, String keyId, String token) {
    assertEvent(o.event(), AuditEvent.Decision.REJECTED, reason, "/whoami", claimed, false,
        AuditEvent.Credential.JWT);
    assertThat(o.event().keyId().orElse(null)).as("key id of %s", o.event()).isEqualTo(keyId);
    assertThat(o.event().tokenId()).isEmpty();
    assertThat(o.event().tokenHash()).hasValue(AuditEvent.tokenFingerprint(token));
    assertThat(o.event().scopesPresented()).isEmpty();
    assertThat(o.event().rule()).isEmpty();
  }

  /** Runs every outcome of the filter's outcome table, asserting each event field by field; returns them all. */
  static List<Outcome> outcomeTable() throws Exception {
    List<Outcome> all = new ArrayList<>();
    // public
    Outcome o = exchange(noCertificate, "GET", "/health", null, 200);
    assertEvent(o.event(), AuditEvent.Decision.PUBLIC, null, "/health", null, false, null);
    assertThat(o.event().rule()).hasValue("policy.txt:1");
    all.add(o);

    // allowed, JWT-SVID: token id, key id, scopes presented and required, rule
    JwtSvid charge = remember(authority.mintJwtSvid(ORDERS, AUDIENCE, "payments:charge"));
    o = exchange(noCertificate, "POST", "/payments/charge", charge.token(), 200);
    assertEvent(o.event(), AuditEvent.Decision.ALLOWED, null, "/payments/charge", ORDERS, true,
        AuditEvent.Credential.JWT);
    assertThat(o.event().tokenId()).hasValue(charge.tokenId());
    assertThat(o.event().tokenHash()).isEmpty();
    assertThat(o.event().keyId()).hasValue(charge.keyId());
    assertThat(o.event().scopesPresented()).containsExactly("payments:charge");
    assertThat(o.event().scopesRequired()).containsExactly("payments:charge");
    assertThat(o.event().rule()).hasValue("policy.txt:3");
    all.add(o);

    // 401, no credential
    o = exchange(noCertificate, "GET", "/whoami", null, 401);
    assertEvent(o.event(), AuditEvent.Decision.UNAUTHENTICATED, null, "/whoami", null, false, null);
    assertThat(o.event().tokenHash()).isEmpty();
    all.add(o);

    // 401, each class of refused token
    JwtSvid expired = remember(AUTHORITY_CLOCK.at(Duration.ofMinutes(-10),
        () -> authority.mint(ORDERS, List.of(AUDIENCE), List.of(), Duration.ofMinutes(1))));
    o = exchange(noCertificate, "GET", "/whoami", expired.token(), 401);
    assertRefusedToken(o, "EXPIRED", ORDERS, expired.keyId(), expired.token());
    all.add(o);

    String good = token(ORDERS);
    String[] parts = good.split("\\.");
    String badSignature = parts[0] + "." + parts[1] + "." + token(LEDGER).split("\\.")[2];
    o = exchange(noCertificate, "GET", "/whoami", badSignature, 401);
    assertRefusedToken(o, "BAD_SIGNATURE", ORDERS, JwtSvid.decodeUnverified(good).keyId(), badSignature);
    all.add(o);

    JwtSvid otherAudience = remember(authority.mintJwtSvid(ORDERS, "spiffe://example.org/someone-else"));
    o = exchange(noCertificate, "GET", "/whoami", otherAudience.token(), 401);
    assertRefusedToken(o, "AUDIENCE_MISMATCH", ORDERS, otherAudience.keyId(), otherAudience.token());
    all.add(o);

    JwtSvid rogueToken = remember(rogue.mintJwtSvid(MALLORY, AUDIENCE));
    o = exchange(noCertificate, "GET", "/whoami", rogueToken.token(), 401);
    assertRefusedToken(o, "UNKNOWN_KEY", MALLORY, rogueToken.keyId(), rogueToken.token());
    all.add(o);

    SpiffeId stranger = SpiffeId.parse("spiffe://other.org/stranger");
    JwtSvid foreignToken = remember(foreign.mintJwtSvid(stranger, AUDIENCE));
    o = exchange(noCertificate, "GET", "/whoami", foreignToken.token(), 401);
    assertRefusedToken(o, "UNTRUSTED_TRUST_DOMAIN", stranger, foreignToken.keyId(), foreignToken.token());
    all.add(o);

    JwtSvid revoked = remember(authority.mintJwtSvid(LEDGER, AUDIENCE));
    authority.revocations().revokeToken(revoked.tokenId(), revoked.expiresAt());
    o = exchange(noCertificate, "GET", "/whoami", revoked.token(), 401);
    assertRefusedToken(o, "REVOKED", LEDGER, revoked.keyId(), revoked.token());
    all.add(o);

    o = exchange(noCertificate, "GET", "/whoami", "garbage", 401);
    assertRefusedToken(o, "MALFORMED", null, null, "garbage");
    all.add(o);

    // 400, raw path not in normal form: the raw request URI, before any credential is looked at
    o = exchange(noCertificate, "GET", "/whoami;x=1", token(ORDERS), 400);
    assertEvent(o.event(), AuditEvent.Decision.BAD_REQUEST, "NON_NORMALIZED_PATH", "/whoami;x=1", null, false, null);
    all.add(o);

    // 400, two Authorization headers
    o = exchange(noCertificate, "GET", "/whoami", null, 400, "Authorization", "Bearer " + token(ORDERS),
        "Authorization", "Bearer " + token(ORDERS));
    assertEvent(o.event(), AuditEvent.Decision.BAD_REQUEST, "MULTIPLE_AUTHORIZATION_HEADERS", "/whoami", null, false,
        null);
    all.add(o);

    // 403, no rule matches the request at all
    JwtSvid ledger = remember(authority.mintJwtSvid(LEDGER, AUDIENCE, "ledger:read"));
    o = exchange(noCertificate, "GET", "/nowhere", ledger.token(), 403);
    assertEvent(o.event(), AuditEvent.Decision.DENIED, "NO_MATCHING_RULE", "/nowhere", LEDGER, true,
        AuditEvent.Credential.JWT);
    assertThat(o.event().rule()).isEmpty();
    assertThat(o.event().scopesPresented()).containsExactly("ledger:read");
    assertThat(o.event().scopesRequired()).isEmpty();
    assertThat(o.event().tokenId()).hasValue(ledger.tokenId());
    all.add(o);

    // 403, rules match but none allows this caller
    o = exchange(noCertificate, "GET", "/orders-only", ledger.token(), 403);
    assertEvent(o.event(), AuditEvent.Decision.DENIED, "NO_RULE_ALLOWS_CALLER", "/orders-only", LEDGER, true,
        AuditEvent.Credential.JWT);
    assertThat(o.event().keyId()).hasValue(ledger.keyId());
    all.add(o);

    // 403, insufficient scope: the closest rule and what it requires
    JwtSvid unscoped = remember(authority.mintJwtSvid(ORDERS, AUDIENCE, "payments:read"));
    o = exchange(noCertificate, "POST", "/payments/charge", unscoped.token(), 403);
    assertEvent(o.event(), AuditEvent.Decision.INSUFFICIENT_SCOPE, "missing payments:charge", "/payments/charge",
        ORDERS, true, AuditEvent.Credential.JWT);
    assertThat(o.event().rule()).hasValue("policy.txt:3");
    assertThat(o.event().scopesPresented()).containsExactly("payments:read");
    assertThat(o.event().scopesRequired()).containsExactly("payments:charge");
    all.add(o);

    // 403, deploy-only identity, whatever policy says
    o = exchange(noCertificate, "GET", "/deploy", token(DEPLOYER), 403);
    assertEvent(o.event(), AuditEvent.Decision.DENIED, "DEPLOY_ONLY_IDENTITY", "/deploy", DEPLOYER, true,
        AuditEvent.Credential.JWT);
    assertThat(o.event().rule()).isEmpty();
    all.add(o);

    // mTLS only: allowed, no token id, key id or fingerprint
    o = exchange(ordersCertificate, "GET", "/orders-only", null, 200);
    assertEvent(o.event(), AuditEvent.Decision.ALLOWED, null, "/orders-only", ORDERS, true,
        AuditEvent.Credential.X509);
    assertThat(o.event().tokenId()).isEmpty();
    assertThat(o.event().tokenHash()).isEmpty();
    assertThat(o.event().keyId()).isEmpty();
    assertThat(o.event().rule()).hasValue("policy.txt:4");
    all.add(o);

    // mTLS, untrusted chain: the certificate's URI SAN as the claimed caller
    o = exchange(malloryRogueCertificate, "GET", "/whoami", null, 401);
    assertEvent(o.event(), AuditEvent.Decision.REJECTED, "UNTRUSTED_CHAIN", "/whoami", MALLORY, false,
        AuditEvent.Credential.X509);
    assertThat(o.event().tokenHash()).isEmpty();
    all.add(o);

    // both credentials, same ID: allowed as both
    JwtSvid both = remember(authority.mintJwtSvid(ORDERS, AUDIENCE, "payments:charge"));
    o = exchange(ordersCertificate, "POST", "/payments/charge", both.token(), 200);
    assertEvent(o.event(), AuditEvent.Decision.ALLOWED, null, "/payments/charge", ORDERS, true,
        AuditEvent.Credential.BOTH);
    assertThat(o.event().tokenId()).hasValue(both.tokenId());
    assertThat(o.event().keyId()).hasValue(both.keyId());
    all.add(o);

    // both credentials, different IDs: the (verified) token's subject
    JwtSvid mismatch = remember(authority.mintJwtSvid(LEDGER, AUDIENCE));
    o = exchange(ordersCertificate, "GET", "/whoami", mismatch.token(), 401);
    assertEvent(o.event(), AuditEvent.Decision.REJECTED, "SUBJECT_MISMATCH", "/whoami", LEDGER, true,
        AuditEvent.Credential.BOTH);
    assertThat(o.event().tokenId()).hasValue(mismatch.tokenId());
    assertThat(o.event().keyId()).hasValue(mismatch.keyId());
    all.add(o);

    // 503, trust bundle unavailable
    String fresh = token(ORDERS);
    bundleDown.set(true);
    try {
      o = exchange(noCertificate, "GET", "/whoami", fresh, 503);
    } finally {
      bundleDown.set(false);
    }
    assertEvent(o.event(), AuditEvent.Decision.UNAVAILABLE, "BUNDLE_UNAVAILABLE", "/whoami", null, false,
        AuditEvent.Credential.JWT);
    assertThat(o.event().tokenHash()).hasValue(AuditEvent.tokenFingerprint(fresh));
    all.add(o);
    return all;
  }

  @Test
  void everyOutcomeWhenRequestedThenOneAuditEventWithEveryField() throws Exception {
    assertThat(outcomeTable()).hasSize(21);
  }

  @Test
  void allOutputWhenEveryOutcomeRunThenNoTokenOrKeyTextInLogsEventsOrResponses() throws Exception {
    List<Outcome> outcomes = new ArrayList<>();
    String log = captureStderr(() -> outcomes.addAll(outcomeTable()));

    assertThat(secrets.count()).isGreaterThan(20);
    assertThat(log.lines().filter(l -> l.contains(" lanyard.audit - "))).as("every decision logged at INFO or above")
        .hasSize(outcomes.size());
    secrets.assertAbsentFrom("the log", log);
    for (Outcome o : outcomes) {
      secrets.assertAbsentFrom("the audit event " + o.event(), o.event().toJson());
      secrets.assertAbsentFrom("the response body of " + o.event(), o.response().body());
      secrets.assertAbsentFrom("the response headers of " + o.event(), o.response().headers().map().toString());
    }
    for (AuditEvent e : ring.events()) {
      secrets.assertAbsentFrom("the audit ring", e.toJson());
    }
  }

  /** A compact JWS with these header and claims (JSON text) and a signature that verifies nowhere. */
  static String unsigned(String header, String claims) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return b64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString(new byte[64]);
  }

  @Test
  void requestDataWhenHostileThenNoForgedFieldAndOneJsonLinePerRequest() throws Exception {
    long now = System.currentTimeMillis() / 1000;
    String forgedKid = "k\"},{\"decision\":\"ALLOWED\",\"caller\":\"spiffe://example.org/ops\"}\n{\"x\":\"\u2028";
    String hostileKid = unsigned("{\"alg\":\"ES256\",\"kid\":" + jsonString(forgedKid) + ",\"typ\":\"JWT\"}",
        "{\"sub\":\"spiffe://example.org/mallory\",\"aud\":[\"" + AUDIENCE + "\"],\"exp\":" + (now + 60)
            + ",\"iat\":" + now + "}");
    String hostileSub = unsigned("{\"alg\":\"ES256\",\"kid\":\"k1\",\"typ\":\"JWT\"}",
        "{\"sub\":\"spiffe://example.org/ops\\\"},{\\\"decision\\\":\\\"ALLOWED\\\"}\\n\",\"aud\":[\"" + AUDIENCE
            + "\"],\"exp\":" + (now + 60) + ",\"iat\":" + now + "}");
    String forgedTrace = TRACEPARENT + "\",\"decision\":\"ALLOWED\",\"traceId\":\"" + TRACE_ID.replace('4', '5');
    List<Outcome> outcomes = new ArrayList<>();

    String log = captureStderr(() -> {
      outcomes.add(exchange(noCertificate, "GET", "/whoami", hostileKid, 401));
      outcomes.add(exchange(noCertificate, "GET", "/whoami", hostileSub, 401));
      outcomes.add(exchange(noCertificate, "GET", "/nowhere%22,%22decision%22:%22ALLOWED", token(LEDGER), 403,
          "traceparent", forgedTrace));
      outcomes.add(exchange(noCertificate, "GET", "/whoami", null, 401, "traceparent",
          TRACEPARENT.toUpperCase(java.util.Locale.ROOT)));
    });

    List<Map<String, Object>> lines = LanyardFilterTomcatTest.auditEvents(log, 4);
    assertThat(lines).extracting(l -> l.get("decision")).containsExactly("REJECTED", "REJECTED", "DENIED",
        "UNAUTHENTICATED");
    assertThat(lines.get(0)).containsEntry("keyId", forgedKid).containsEntry("caller", MALLORY.toString())
        .containsEntry("callerVerified", false).containsEntry("reason", "UNKNOWN_KEY");
    assertThat(lines.get(1)).as("a subject that is no SPIFFE ID is not recorded as the caller")
        .doesNotContainKey("caller").containsEntry("callerVerified", false);
    assertThat(lines.get(2)).containsEntry("path", "/nowhere\",\"decision\":\"ALLOWED")
        .containsEntry("reason", "NO_MATCHING_RULE").doesNotContainKey("traceId");
    assertThat(lines.get(3)).as("an upper-case traceparent is not valid").doesNotContainKey("traceId");
    assertThat(outcomes.get(0).event().keyId()).hasValue(forgedKid);
    assertThat(log.lines().filter(l -> l.contains("ALLOWED"))).allMatch(l -> l.contains(" lanyard.audit - "));
  }

  static String jsonString(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20 || c > 0x7e) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }

  @Test
  void graphWhenEightThreadsSendConcurrentlyThenCountsEqualRequestsSent() throws Exception {
    SpiffeId caller = SpiffeId.parse("spiffe://example.org/load");
    String allowed = token(caller);
    String denied = token(caller);
    int threads = 8;
    int perThread = 25;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            String path = i % 5 == 0 ? "/orders-only" : "/whoami";
            HttpResponse<String> r = noCertificate.send(HttpRequest.newBuilder(server.uri(path))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + (i % 5 == 0 ? denied : allowed))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(i % 5 == 0 ? 403 : 200);
          }
          return null;
        }));
      }
      for (Future<?> r : results) {
        r.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    GraphSnapshot graph = filter.trustGraph().snapshot();
    GraphEdge whoami = graph.edges().stream().filter(e -> e.caller().equals(caller))
        .filter(e -> e.rule().map(r -> r.line() == 2).orElse(false)).findFirst().orElseThrow();
    GraphEdge notAllowed = graph.edges().stream().filter(e -> e.caller().equals(caller))
        .filter(e -> e.rule().isEmpty()).findFirst().orElseThrow();
    assertThat(whoami.calls()).isEqualTo(threads * perThread * 4 / 5);
    assertThat(whoami.allowed()).isEqualTo(threads * perThread * 4 / 5);
    assertThat(notAllowed.calls()).isEqualTo(threads * perThread / 5);
    assertThat(notAllowed.denials()).containsExactly(Map.entry(TrustGraph.NOT_ALLOWED, (long) threads * perThread / 5));
    assertThat(graph.overflow()).isZero();
  }

  @Test
  void graphWhenFloodOfDistinctCallersThenCapHoldsAndOverflowCountedExactly(@TempDir Path tomcat) throws Exception {
    LanyardFilter capped = LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE)
        .bundleSource(authority.bundleSource()).policy(Policy.parse(POLICY, "policy.txt"))
        .auditSink(AuditSink.none()).trustGraphMaxEdges(10).build();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    try (TomcatServer plain = TomcatServer.newBuilder(tomcat).filter(capped).start()) {
      for (int i = 0; i < 40; i++) {
        String t = token(SpiffeId.parse("spiffe://example.org/flood/" + i));
        for (int repeat = 0; repeat < 2; repeat++) {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(plain.uri(i % 2 == 0 ? "/whoami" : "/nowhere"))
              .header("Authorization", "Bearer " + t).GET().build(), HttpResponse.BodyHandlers.ofString());
          assertThat(r.statusCode()).isEqualTo(i % 2 == 0 ? 200 : 403);
        }
      }
    }

    GraphSnapshot graph = capped.trustGraph().snapshot();
    assertThat(graph.edges()).hasSize(10);
    assertThat(graph.edges()).allSatisfy(e -> assertThat(e.calls()).isEqualTo(2));
    assertThat(graph.overflow()).as("80 calls, 20 of them on the 10 kept edges").isEqualTo(60);
  }

  @Test
  void graphWhenDeployOnlyCallerRefusedThenDenialRecordedByItsReason() throws Exception {
    String deployer = token(DEPLOYER);
    exchange(noCertificate, "GET", "/deploy", deployer, 403);
    exchange(noCertificate, "GET", "/deploy", deployer, 403);

    GraphEdge edge = filter.trustGraph().snapshot().edges().stream().filter(e -> e.caller().equals(DEPLOYER))
        .findFirst().orElseThrow();
    assertThat(edge.rule()).isEmpty();
    assertThat(edge.denials()).containsEntry(TrustGraph.DEPLOY_ONLY_IDENTITY, edge.calls());
    assertThat(edge.calls()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void graphWhenCredentialRefusedThenNothingRecordedForTheClaimedCaller() throws Exception {
    SpiffeId claimed = SpiffeId.parse("spiffe://example.org/claimed-only");
    JwtSvid refused = remember(rogue.mintJwtSvid(claimed, AUDIENCE));

    exchange(noCertificate, "GET", "/whoami", refused.token(), 401);

    assertThat(filter.trustGraph().snapshot().edges()).noneMatch(e -> e.caller().equals(claimed));
  }

  @Test
  void webXmlWhenAuditLevelInfoThenEveryDecisionLoggedOnTheAuditThreadAsOneJsonLine(@TempDir Path web)
      throws Exception {
    Path bundle = Files.writeString(web.resolve("bundle.json"), authority.bundle().toJson());
    Path policy = Files.writeString(web.resolve("policy.txt"), POLICY);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    List<Integer> statuses = new ArrayList<>();
    try (TomcatServer running = TomcatServer.newBuilder(web.resolve("tomcat"))
        .initParam(LanyardFilter.TRUST_DOMAIN, "example.org").initParam(LanyardFilter.AUDIENCE, AUDIENCE)
        .initParam(LanyardFilter.BUNDLE, bundle.toString()).initParam(LanyardFilter.POLICY, policy.toString())
        .initParam(LanyardFilter.AUDIT_ALLOWED_LEVEL, "INFO").start()) {
      assertThat(running.contextAvailable()).as(running.startupErrors()).isTrue();
      statuses.add(http.send(HttpRequest.newBuilder(running.uri("/whoami"))
          .header("Authorization", "Bearer " + token(ORDERS)).GET().build(), HttpResponse.BodyHandlers.ofString())
          .statusCode());
      statuses.add(http.send(HttpRequest.newBuilder(running.uri("/whoami")).GET().build(),
          HttpResponse.BodyHandlers.ofString()).statusCode());
      Await.until("two audit lines", () -> captured.toString(StandardCharsets.UTF_8).lines()
          .filter(l -> l.contains(" lanyard.audit - ")).count() == 2, Duration.ofSeconds(10));
    } finally {
      System.setErr(original);
    }
    String log = captured.toString(StandardCharsets.UTF_8);

    assertThat(statuses).containsExactly(200, 401);
    List<Map<String, Object>> events = LanyardFilterTomcatTest.auditEvents(log, 2);
    assertThat(events).extracting(e -> e.get("decision")).containsExactly("ALLOWED", "UNAUTHENTICATED");
    assertThat(log.lines().filter(l -> l.contains(" lanyard.audit - ")))
        .allMatch(l -> l.contains("[lanyard-audit] INFO "));
  }

  @Test
  void auditSinkWhenSlowBehindAsyncThenRequestsNeverWaitAndOverflowIsCounted(@TempDir Path tomcat) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch entered = new CountDownLatch(1);
    AsyncAuditSink async = AuditSink.async(event -> {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, 4);
    LanyardFilter slow = LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE)
        .bundleSource(authority.bundleSource()).policy(Policy.parse(POLICY, "policy.txt")).auditSink(async).build();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    String orders = token(ORDERS);
    try (TomcatServer plain = TomcatServer.newBuilder(tomcat).filter(slow).start()) {
      long start = System.nanoTime();
      for (int i = 0; i < 30; i++) {
        assertThat(http.send(HttpRequest.newBuilder(plain.uri("/whoami")).timeout(Duration.ofSeconds(5))
            .header("Authorization", "Bearer " + orders).GET().build(), HttpResponse.BodyHandlers.ofString())
            .statusCode()).isEqualTo(200);
        if (i == 0) {
          assertThat(entered.await(10, TimeUnit.SECONDS)).as("the first event reached the slow sink").isTrue();
        }
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
      assertThat(async.dropped()).as("one in the sink, four queued, the rest dropped").isEqualTo(25);
    } finally {
      release.countDown();
      async.close();
    }
  }
}

package dev.lanyard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.authority.AuthorityCa;
import dev.lanyard.authority.AuthorityKey;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.authority.KeyState;
import dev.lanyard.credentials.CachingJwtSvidSource;
import dev.lanyard.credentials.RotatingX509SvidSource;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.policy.Policy;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.tls.SpiffeTls;
import dev.lanyard.trust.RevocationList;
import dev.lanyard.x509.PeerAuthorizer;
import dev.lanyard.x509.X509Svid;
import dev.lanyard.x509.X509SvidVerifier;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LanyardFilter} in a real embedded Tomcat 11 under faults, with many client threads of the JDK HTTP client:
 * revocation while tokens are being verified (and cached), key and CA rotation under traffic. Each test is bounded in
 * wall time. Floods and a failing bundle endpoint are in {@link LanyardFilterFloodTest} and
 * {@link LanyardFilterBundleFaultTest}.
 */
class LanyardFilterFaultTest {
  static final TrustDomain TD = TrustDomain.of("example.org");
  static final SpiffeId SERVER = SpiffeId.parse("spiffe://example.org/payments");
  static final String AUDIENCE = SERVER.toString();
  static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  static final SpiffeId LEDGER = SpiffeId.parse("spiffe://example.org/ledger");
  static final SpiffeId BILLING = SpiffeId.parse("spiffe://example.org/billing");
  static final SpiffeId LEGACY = SpiffeId.parse("spiffe://example.org/legacy");
  static final String REVOKED = "Bearer error=\"invalid_token\", error_description=\"The token has been revoked\"";
  static final int THREADS = 16;
  static final Duration WAIT = Duration.ofSeconds(40);

  static HttpClient plainClient() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  static HttpResponse<String> get(HttpClient client, TomcatServer server, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(server.uri("/whoami")).timeout(Duration.ofSeconds(20)).GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String describe(HttpResponse<String> response) {
    return response.statusCode() + " " + response.headers().firstValue("WWW-Authenticate").orElse("-") + " "
        + response.body().replace('\n', ' ');
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Revocation while 16 threads verify
  // ---------------------------------------------------------------------------------------------------------------

  /** What a revocation phase withdraws, and how. */
  enum Phase {
    TOKEN_ID, SUBJECT, KEY
  }

  /** One response, as recorded by a worker: checked after the run, against when the revocations returned. */
  static final class Outcome {
    final Phase phase;
    final String credential;
    final long sequence;
    final int status;
    final Optional<String> challenge;
    final String body;

    Outcome(Phase phase, String credential, long sequence, HttpResponse<String> response) {
      this.phase = phase;
      this.credential = credential;
      this.sequence = sequence;
      this.status = response.statusCode();
      this.challenge = response.headers().firstValue("WWW-Authenticate");
      this.body = response.body();
    }

    @Override
    public String toString() {
      return phase + " " + credential + " #" + sequence + ": " + status + " " + challenge.orElse("-");
    }
  }

  @Test
  @Timeout(120)
  void revokeUnderLoadWhenTokenThenSubjectThenKeyRevokedThenNoRequestStartedAfterwardsIsAccepted(@TempDir Path dir)
      throws Exception {
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).build();
    // Tokens of LEGACY are signed by the first key; then the authority rotates, and everything else is signed by the
    // second, so that revoking the first key touches LEGACY only.
    String firstKey = authority.jwtKeys().get(0).keyId();
    List<String> legacy = mint(authority, LEGACY, 4);
    authority.rotateJwtKey();
    authority.rotateJwtKey();
    assertThat(authority.jwtKeys()).filteredOn(k -> k.keyId().equals(firstKey)).singleElement()
        .extracting(AuthorityKey::state).isEqualTo(KeyState.RETIRED);
    JwtSvid revokedById = authority.mintJwtSvid(ORDERS, AUDIENCE);
    List<String> ordersOthers = mint(authority, ORDERS, 3);
    List<String> ledger = mint(authority, LEDGER, 4);
    List<String> billing = mint(authority, BILLING, 4);

    Map<Phase, List<String>> victims = new EnumMap<>(Phase.class);
    victims.put(Phase.TOKEN_ID, List.of(revokedById.token()));
    victims.put(Phase.SUBJECT, ledger);
    victims.put(Phase.KEY, legacy);
    List<String> bystanders = new ArrayList<>(ordersOthers);
    bystanders.addAll(billing);
    Map<String, String> names = new ConcurrentHashMap<>();
    names.put(revokedById.token(), "orders-revoked-by-id");
    for (int i = 0; i < legacy.size(); i++) {
      names.put(legacy.get(i), "legacy-" + i);
      names.put(ledger.get(i), "ledger-" + i);
      names.put(billing.get(i), "billing-" + i);
    }
    for (int i = 0; i < ordersOthers.size(); i++) {
      names.put(ordersOthers.get(i), "orders-" + i);
    }

    RevocationList revocations = authority.revocations();
    AtomicInteger audited = new AtomicInteger();
    LanyardFilter filter = LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE)
        .bundleSource(authority.bundleSource()).policy(Policy.parse("GET /whoami any\n", "policy.txt"))
        .revocations(revocations).auditSink(e -> audited.incrementAndGet()).build();
    HttpClient http = plainClient();
    Map<Phase, Long> revokedAt = new EnumMap<>(Phase.class);
    ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    try (TomcatServer server = TomcatServer.newBuilder(dir.resolve("tomcat")).filter(filter).start()) {
      for (Phase phase : Phase.values()) {
        List<String> current = victims.get(phase);
        List<String> earlier = new ArrayList<>();
        for (Phase p : Phase.values()) {
          if (p.ordinal() < phase.ordinal()) {
            earlier.addAll(victims.get(p));
          }
        }
        try (Load load = Load.start(THREADS, (worker, sequence) -> {
          ThreadLocalRandom random = ThreadLocalRandom.current();
          int pick = random.nextInt(10);
          List<String> from = pick < 4 ? current : pick < 8 || earlier.isEmpty() ? bystanders : earlier;
          String token = from.get(random.nextInt(from.size()));
          outcomes.add(new Outcome(phase, names.get(token), sequence, get(http, server, token)));
        })) {
          // Warm up: the victims are verified, and cached, many times over before they are revoked.
          load.awaitCompleted(250, WAIT);
          switch (phase) {
            case TOKEN_ID:
              revocations.revokeToken(revokedById.tokenId(), revokedById.expiresAt());
              break;
            case SUBJECT:
              revocations.revokeSubject(LEDGER, Instant.now());
              break;
            default:
              revocations.revokeKey(firstKey);
          }
          revokedAt.put(phase, load.mark());
          load.awaitCompleted(250, WAIT);
          load.stop();
        }
      }
    }

    List<String> wrong = new ArrayList<>();
    Map<Phase, AtomicInteger> acceptedBefore = new EnumMap<>(Phase.class);
    Map<Phase, AtomicInteger> refusedAfter = new EnumMap<>(Phase.class);
    for (Outcome outcome : outcomes) {
      boolean revoked = outcome.challenge.equals(Optional.of(REVOKED)) && outcome.status == 401;
      boolean accepted = outcome.status == 200 && outcome.body.contains("authType=BEARER");
      Phase victimOf = null;
      for (Phase p : Phase.values()) {
        if (victims.get(p).stream().anyMatch(t -> outcome.credential.equals(names.get(t)))) {
          victimOf = p;
        }
      }
      if (victimOf == null) {
        if (!accepted) {
          wrong.add("bystander refused: " + outcome);
        }
      } else if (victimOf.ordinal() < outcome.phase.ordinal()) {
        if (!revoked) {
          wrong.add("revoked in an earlier phase but not refused as revoked: " + outcome);
        }
      } else if (outcome.sequence > revokedAt.get(victimOf)) {
        if (!revoked) {
          wrong.add("started after revoke() returned but not refused as revoked: " + outcome);
        }
        refusedAfter.computeIfAbsent(victimOf, p -> new AtomicInteger()).incrementAndGet();
      } else if (accepted) {
        acceptedBefore.computeIfAbsent(victimOf, p -> new AtomicInteger()).incrementAndGet();
      } else if (!revoked) {
        wrong.add("in flight during revoke() but neither accepted nor revoked: " + outcome);
      }
    }
    assertThat(wrong).isEmpty();
    for (Phase phase : Phase.values()) {
      assertThat(acceptedBefore.get(phase)).as("%s victims accepted (and cached) before revocation", phase)
          .isNotNull().hasValueGreaterThan(10);
      assertThat(refusedAfter.get(phase)).as("%s victims sent after revocation", phase)
          .isNotNull().hasValueGreaterThan(10);
    }
    assertThat(audited.get()).isEqualTo(outcomes.size());
  }

  static List<String> mint(EmbeddedAuthority authority, SpiffeId subject, int count) {
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      tokens.add(authority.mintJwtSvid(subject, AUDIENCE).token());
    }
    return List.copyOf(tokens);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Rotation of JWT keys and X.509 CAs under traffic
  // ---------------------------------------------------------------------------------------------------------------

  static final String PASSWORD = "changeit";

  @Test
  @Timeout(120)
  void rotateUnderLoadWhenJwtKeysAndCasRotateAndTaintRepeatedlyThenNoValidRequestRefused(@TempDir Path dir)
      throws Exception {
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).build();
    X509Svid serverSvid = authority.issueX509Svid(SERVER);
    KeyStore keystore = KeyStore.getInstance("PKCS12");
    keystore.load(null, null);
    keystore.setKeyEntry("server", serverSvid.privateKey(), PASSWORD.toCharArray(),
        serverSvid.chain().toArray(new Certificate[0]));
    Path keystoreFile = dir.resolve("server.p12");
    try (OutputStream out = Files.newOutputStream(keystoreFile)) {
      keystore.store(out, PASSWORD.toCharArray());
    }
    // Tomcat checks client certificates against the authority's live bundle, as the filter does: no fixed truststore.
    X509SvidVerifier verifier = X509SvidVerifier.newBuilder().bundleSource(authority.bundleSource()).build();
    LanyardFilter filter = LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE)
        .bundleSource(authority.bundleSource()).policy(Policy.parse("GET /whoami any\n", "policy.txt"))
        .revocations(authority.revocations()).auditSink(e -> { }).build();

    int half = THREADS / 2;
    List<AutoCloseable> closeables = new ArrayList<>();
    List<RotatingX509SvidSource> svids = new ArrayList<>();
    List<CachingJwtSvidSource> tokens = new ArrayList<>();
    for (int t = 0; t < half; t++) {
      RotatingX509SvidSource source = RotatingX509SvidSource.newBuilder(authority,
          SpiffeId.parse("spiffe://example.org/mtls-" + t)).build();
      closeables.add(source);
      svids.add(source);
      tokens.add(CachingJwtSvidSource.newBuilder(authority, SpiffeId.parse("spiffe://example.org/jwt-" + t))
          .build());
    }
    SSLContext tokenOnly = SSLContext.getInstance("TLS");
    tokenOnly.init(null, new TrustManager[] {SpiffeTls.trustManager(verifier, PeerAuthorizer.exactly(SERVER))},
        null);
    HttpClient tokenClient = tlsClient(tokenOnly);
    AtomicLong caGeneration = new AtomicLong();
    Set<String> keyIdsUsed = ConcurrentHashMap.newKeySet();
    Map<String, X509Certificate> leavesUsed = new ConcurrentHashMap<>();
    List<String> refused = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger sent = new AtomicInteger();
    int rounds = 4;
    try (TomcatServer server = TomcatServer.newBuilder(dir.resolve("tomcat"))
        .tls(keystoreFile, PASSWORD, SpiffeTls.trustManager(verifier, PeerAuthorizer.any())).filter(filter)
        .start()) {
      assertThat(server.contextAvailable()).as(server.startupErrors()).isTrue();
      Map<Integer, long[]> seenGeneration = new ConcurrentHashMap<>();
      try (Load load = Load.start(THREADS, (worker, sequence) -> {
        HttpResponse<String> response;
        String expected;
        if (worker < half) {
          // mTLS only: a new TLS context and client every few requests, so each batch does a full handshake with
          // the SVID of the moment; after a CA rotation the client renews from the new CA.
          RotatingX509SvidSource source = svids.get(worker);
          long[] seen = seenGeneration.computeIfAbsent(worker, w -> new long[1]);
          if (seen[0] != caGeneration.get()) {
            seen[0] = caGeneration.get();
            source.renewNow();
          }
          X509Svid svid = source.current();
          leavesUsed.putIfAbsent(svid.serial(), svid.leaf());
          HttpClient client = tlsClient(SpiffeTls.context(source, verifier, PeerAuthorizer.exactly(SERVER)));
          response = null;
          for (int i = 0; i < 4; i++) {
            response = get(client, server, null);
            sent.incrementAndGet();
            if (response.statusCode() != 200) {
              break;
            }
          }
          expected = "principal=spiffe://example.org/mtls-" + worker + "\nauthType=CLIENT_CERT\n";
        } else {
          // JWT only: the caching source's token (re-minted when its key is tainted), and every third request a
          // freshly minted one.
          CachingJwtSvidSource source = tokens.get(worker - half);
          JwtSvid svid = sequence % 3 == 0 ? source.fetch(AUDIENCE, "s" + sequence) : source.fetch(AUDIENCE);
          keyIdsUsed.add(svid.keyId());
          response = get(tokenClient, server, svid.token());
          sent.incrementAndGet();
          expected = "principal=spiffe://example.org/jwt-" + (worker - half) + "\nauthType=BEARER\n";
        }
        if (response.statusCode() != 200 || !response.body().contains(expected)) {
          refused.add("worker " + worker + ": " + describe(response));
        }
      })) {
        for (int round = 0; round < rounds; round++) {
          load.awaitCompleted(40, WAIT);
          authority.prepareJwtKey();
          AuthorityCa preparedCa = authority.prepareX509Ca();
          load.awaitCompleted(40, WAIT);
          String oldKey = activeKey(authority);
          String oldCa = activeCa(authority);
          authority.activateJwtKey();
          authority.activateX509Ca();
          assertThat(activeCa(authority)).isEqualTo(preparedCa.id());
          caGeneration.incrementAndGet();
          load.awaitCompleted(40, WAIT);
          // Emergency rotation: the previous key and CA are tainted, so the sources renew what they signed.
          authority.taintJwtKey(oldKey);
          authority.taintX509Ca(oldCa);
          load.awaitCompleted(40, WAIT);
        }
        load.stop();
      }
    } finally {
      for (AutoCloseable closeable : closeables) {
        closeable.close();
      }
    }
    assertThat(refused).as("valid requests refused").isEmpty();
    assertThat(authority.jwtKeys()).hasSize(rounds + 1);
    assertThat(authority.x509Cas()).hasSize(rounds + 1);
    assertThat(keyIdsUsed).as("tokens of every key were sent").hasSize(rounds + 1);
    assertThat(casThatIssued(authority, leavesUsed.values())).as("client SVIDs of every CA were presented")
        .isEqualTo(rounds + 1);
    assertThat(sent.get()).isGreaterThan(rounds * 160);
  }

  static HttpClient tlsClient(SSLContext context) {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(context)
        .sslParameters(SpiffeTls.clientParameters(context)).connectTimeout(Duration.ofSeconds(5)).build();
  }

  static String activeKey(EmbeddedAuthority authority) {
    return authority.jwtKeys().stream().filter(k -> k.state() == KeyState.ACTIVE).findFirst().orElseThrow().keyId();
  }

  static String activeCa(EmbeddedAuthority authority) {
    return authority.x509Cas().stream().filter(k -> k.state() == KeyState.ACTIVE).findFirst().orElseThrow().id();
  }

  /** How many of the authority's CAs issued at least one of {@code leaves}. */
  static long casThatIssued(EmbeddedAuthority authority, Iterable<X509Certificate> leaves) {
    return authority.x509Cas().stream().filter(ca -> {
      for (X509Certificate leaf : leaves) {
        try {
          leaf.verify(ca.certificate().getPublicKey());
          return true;
        } catch (GeneralSecurityException e) {
          // not this CA
        }
      }
      return false;
    }).count();
  }
}

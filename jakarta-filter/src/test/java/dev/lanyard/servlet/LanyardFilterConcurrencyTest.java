package dev.lanyard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.audit.AuditEvent;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.policy.PolicyFile;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.MutableClock;
import dev.lanyard.trust.FileBundleSource;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many threads at once through a real Tomcat: valid, tampered, expired, wrong-audience, forbidden, under-scoped,
 * anonymous, public and malformed requests interleaved; every response has exactly the status, challenge and
 * principal its request deserves, and (for the programmatic filter) every request produced exactly one audit event of
 * the right kind.
 */
class LanyardFilterConcurrencyTest {
  static final TrustDomain TD = TrustDomain.of("example.org");
  static final String AUDIENCE = "spiffe://example.org/payments";
  static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  static final SpiffeId LEDGER = SpiffeId.parse("spiffe://example.org/ledger");
  static final String POLICY = String.join("\n",
      "POST  /payments/charge  spiffe://example.org/orders                              payments:charge",
      "GET   /payments/**      spiffe://example.org/orders,spiffe://example.org/ledger  payments:read",
      "*     /health           public",
      "");
  static final int THREADS = 16;
  static final int REQUESTS_PER_THREAD = 60;
  static final int TOKENS_PER_KIND = 12;

  /** What a request is, and what it must get. */
  enum Kind {
    VALID_CHARGE(200, null, AuditEvent.Decision.ALLOWED),
    VALID_READ(200, null, AuditEvent.Decision.ALLOWED),
    TAMPERED(401, "Bearer error=\"invalid_token\", error_description=\"The token's signature is invalid\"",
        AuditEvent.Decision.REJECTED),
    EXPIRED(401, "Bearer error=\"invalid_token\", error_description=\"The token has expired\"",
        AuditEvent.Decision.REJECTED),
    WRONG_AUDIENCE(401,
        "Bearer error=\"invalid_token\", error_description=\"The token is not meant for this audience\"",
        AuditEvent.Decision.REJECTED),
    FORBIDDEN(403, null, AuditEvent.Decision.DENIED),
    NO_RULE(403, null, AuditEvent.Decision.DENIED),
    INSUFFICIENT_SCOPE(403, "Bearer error=\"insufficient_scope\", scope=\"payments:charge\"",
        AuditEvent.Decision.INSUFFICIENT_SCOPE),
    ANONYMOUS(401, "Bearer realm=\"example.org\"", AuditEvent.Decision.UNAUTHENTICATED),
    PUBLIC(200, null, AuditEvent.Decision.PUBLIC),
    TWO_HEADERS(400, "Bearer error=\"invalid_request\"", AuditEvent.Decision.BAD_REQUEST);

    final int status;
    final String challenge;
    final AuditEvent.Decision decision;

    Kind(int status, String challenge, AuditEvent.Decision decision) {
      this.status = status;
      this.challenge = challenge;
      this.decision = decision;
    }
  }

  static final MutableClock AUTHORITY_CLOCK = MutableClock.systemUtc();
  static EmbeddedAuthority authority;
  static final Map<Kind, List<String>> tokens = new EnumMap<>(Kind.class);
  static HttpClient http;

  @TempDir
  static Path dir;
  static Path bundle;
  static Path policy;

  @BeforeAll
  static void mintTokens() throws Exception {
    authority = EmbeddedAuthority.newBuilder(TD).clock(AUTHORITY_CLOCK).build();
    bundle = Files.writeString(dir.resolve("bundle.json"), authority.bundle().toJson());
    policy = Files.writeString(dir.resolve("policy.txt"), POLICY);
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
        .build();
    for (Kind kind : Kind.values()) {
      List<String> list = new ArrayList<>();
      for (int i = 0; i < TOKENS_PER_KIND; i++) {
        String token = mint(kind);
        if (token != null) {
          list.add(token);
        }
      }
      tokens.put(kind, List.copyOf(list));
    }
  }

  static String mint(Kind kind) {
    switch (kind) {
      case VALID_CHARGE:
        return authority.mintJwtSvid(ORDERS, AUDIENCE, "payments:charge").token();
      case VALID_READ:
      case NO_RULE:
        return authority.mintJwtSvid(LEDGER, AUDIENCE, "payments:read").token();
      case TAMPERED:
        return tampered(authority.mintJwtSvid(ORDERS, AUDIENCE, "payments:charge").token());
      case EXPIRED:
        return AUTHORITY_CLOCK.at(Duration.ofMinutes(-10), () -> authority.mint(ORDERS, List.of(AUDIENCE),
            List.of("payments:charge"), Duration.ofMinutes(2)).token());
      case WRONG_AUDIENCE:
        return authority.mintJwtSvid(ORDERS, "spiffe://example.org/elsewhere", "payments:charge").token();
      case FORBIDDEN:
        return authority.mintJwtSvid(LEDGER, AUDIENCE, "payments:charge").token();
      case INSUFFICIENT_SCOPE:
        return authority.mintJwtSvid(ORDERS, AUDIENCE, "payments:read").token();
      case TWO_HEADERS:
        return authority.mintJwtSvid(ORDERS, AUDIENCE, "payments:charge").token();
      default:
        return null;
    }
  }

  static String tampered(String token) {
    String[] parts = token.split("\\.");
    String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    String forged = Base64.getUrlEncoder().withoutPadding()
        .encodeToString(claims.replace("/orders", "/ledger").getBytes(StandardCharsets.UTF_8));
    return parts[0] + "." + forged + "." + parts[2];
  }

  static HttpRequest request(TomcatServer server, Kind kind, String token) {
    String method = "POST";
    String path = "/payments/charge";
    if (kind == Kind.VALID_READ) {
      method = "GET";
      path = "/payments/accounts/42";
    } else if (kind == Kind.NO_RULE) {
      method = "DELETE";
      path = "/payments/accounts/42";
    } else if (kind == Kind.PUBLIC) {
      method = "GET";
      path = "/health";
    }
    HttpRequest.Builder builder = HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(30))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      builder.header("Authorization", "Bearer " + token);
      if (kind == Kind.TWO_HEADERS) {
        builder.header("Authorization", "Bearer " + token);
      }
    }
    return builder.build();
  }

  static String expectedPrincipal(Kind kind) {
    switch (kind) {
      case VALID_CHARGE:
        return "principal=" + ORDERS + "\n";
      case VALID_READ:
        return "principal=" + LEDGER + "\n";
      case PUBLIC:
        return "principal=-\n";
      default:
        return null;
    }
  }

  /** Sends the mixed load and returns how many requests of each kind went out. */
  static Map<Kind, Integer> hammer(TomcatServer server) throws Exception {
    Map<Kind, AtomicInteger> sent = new ConcurrentHashMap<>();
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        Random random = new Random(1_000 + t);
        futures.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < REQUESTS_PER_THREAD; i++) {
            Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
            List<String> candidates = tokens.get(kind);
            String token = candidates.isEmpty() ? null : candidates.get(random.nextInt(candidates.size()));
            // now and then a token minted right now, on this thread
            if (token != null && random.nextInt(8) == 0 && kind != Kind.EXPIRED) {
              token = mint(kind);
            }
            HttpResponse<String> response = http.send(request(server, kind, token),
                HttpResponse.BodyHandlers.ofString());
            sent.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
            Optional<String> challenge = response.headers().firstValue("WWW-Authenticate");
            String principal = expectedPrincipal(kind);
            if (response.statusCode() != kind.status
                || !challenge.equals(Optional.ofNullable(kind.challenge))
                || (principal != null && !response.body().contains(principal))
                || (principal == null && response.body().contains("principal="))
                || (token != null && response.body().contains(token))) {
              failures.add(kind + ": " + response.statusCode() + " " + challenge + " " + response.body());
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> future : futures) {
        future.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(failures).isEmpty();
    Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
    sent.forEach((kind, n) -> counts.put(kind, n.get()));
    assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(THREADS * REQUESTS_PER_THREAD);
    assertThat(counts).as("every kind was sent").containsOnlyKeys(Kind.values());
    return counts;
  }

  @Test
  void mixedLoadWhenConfiguredByInitParamsThenEveryResponseAsExpected() throws Exception {
    try (TomcatServer server = LanyardFilterTomcatTest.webXml(dir.resolve("tomcat-webxml"), bundle.toString(), policy)
        .start()) {
      assertThat(server.contextAvailable()).as(server.startupErrors()).isTrue();
      hammer(server);
    }
  }

  @Test
  void mixedLoadWhenBuiltProgrammaticallyThenEveryResponseAsExpectedAndOneAuditEventEach() throws Exception {
    Map<AuditEvent.Decision, AtomicInteger> audited = new ConcurrentHashMap<>();
    LanyardFilter filter = LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE)
        .bundleSource(FileBundleSource.of(TD, bundle)).policyFile(PolicyFile.watch(policy))
        .auditSink(event -> audited.computeIfAbsent(event.decision(), d -> new AtomicInteger()).incrementAndGet())
        .build();
    try (TomcatServer server = TomcatServer.newBuilder(dir.resolve("tomcat-builder")).filter(filter).start()) {
      Map<Kind, Integer> sent = hammer(server);

      Map<AuditEvent.Decision, Integer> expected = new EnumMap<>(AuditEvent.Decision.class);
      sent.forEach((kind, n) -> expected.merge(kind.decision, n, Integer::sum));
      Map<AuditEvent.Decision, Integer> actual = new EnumMap<>(AuditEvent.Decision.class);
      audited.forEach((decision, n) -> actual.put(decision, n.get()));
      assertThat(actual).isEqualTo(expected);
    }
  }
}

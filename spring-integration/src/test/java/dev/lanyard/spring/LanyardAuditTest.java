package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.jayway.jsonpath.JsonPath;
import dev.lanyard.audit.AuditEvent;
import dev.lanyard.audit.AuditSink;
import dev.lanyard.audit.AuthorityEvent;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.graph.GraphSnapshot;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.testing.Await;
import dev.lanyard.testing.RawResponse;
import dev.lanyard.testing.SecretFragments;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.BundleUnavailableException;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.Order;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The starter's audit trail in a real application on a random port with Spring Security: an event with every field for
 * each outcome of the Spring bridge and of the filter under it (the 503 of a trust bundle gone down included), every
 * {@link AuditSink} bean receiving them (a blocked and a throwing one never holding up a request), the actuator's
 * audit and graph parts, and {@code lanyard.audit.queue-size}. Everything the test class writes to stdout and stderr
 * — the application's whole log, its {@code lanyard.audit} lines (allowed decisions too, at INFO here) included — is
 * captured from before the application starts and scanned for every token and key the tests saw.
 */
@SpringBootTest(classes = LanyardAuditTest.AuditApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
        "lanyard.spiffe-id=spiffe://example.org/payments",
        "lanyard.policy.rules[0]=GET /public/** public",
        "lanyard.policy.rules[1]=GET /refunds spiffe://example.org/orders",
        "lanyard.policy.rules[2]=GET /admin spiffe://example.org/orders",
        "lanyard.policy.rules[3]=GET /charge spiffe://example.org/orders payments:charge",
        "lanyard.policy.rules[4]=GET /load any",
        "lanyard.policy.rules[5]=GET /actuator/** spiffe://example.org/ops",
        "lanyard.audit.ring-size=50",
        "lanyard.audit.allowed-level=INFO",
        "management.endpoints.web.exposure.include=lanyard"})
class LanyardAuditTest {
  static final SpiffeId PAYMENTS = SpiffeId.parse("spiffe://example.org/payments");
  static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  static final SpiffeId OPS = SpiffeId.parse("spiffe://example.org/ops");
  static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

  @LocalServerPort
  int port;

  @Autowired
  EmbeddedAuthority authority;

  @Autowired
  LanyardAudit audit;

  @Autowired
  Recording recording;

  @Autowired
  Blocking blocking;

  @Autowired
  Throwing throwing;

  @Autowired
  AtomicBoolean bundleDown;

  @Autowired
  AuditCounters counters;

  @Autowired
  LanyardIdentity identity;

  /** Every secret any test of this class saw, for the scan of the whole captured output after the last one. */
  private static final SecretFragments ALL_SECRETS = new SecretFragments();
  /** What the test class wrote to stdout and stderr (the application's log included) since before it started. */
  private static final ByteArrayOutputStream CAPTURED = new ByteArrayOutputStream();
  private static PrintStream originalOut = System.out;
  private static PrintStream originalErr = System.err;

  private final HttpClient http = HttpClient.newHttpClient();
  private final SecretFragments secrets = new SecretFragments();

  /**
   * Tees stdout and stderr into {@link #CAPTURED} before the application context starts (Spring loads it when the
   * first test instance is prepared, after this), so that its start-up log is scanned too. Logback's console appender
   * and slf4j-simple both look {@code System.out}/{@code System.err} up on every write.
   */
  @BeforeAll
  static void captureOutput() {
    originalOut = System.out;
    originalErr = System.err;
    System.setOut(tee(originalOut));
    System.setErr(tee(originalErr));
  }

  private static PrintStream tee(PrintStream original) {
    return new PrintStream(new OutputStream() {
      @Override
      public void write(int b) {
        synchronized (CAPTURED) {
          CAPTURED.write(b);
        }
        original.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        synchronized (CAPTURED) {
          CAPTURED.write(b, off, len);
        }
        original.write(b, off, len);
      }
    }, true, StandardCharsets.UTF_8);
  }

  private static String captured() {
    synchronized (CAPTURED) {
      return CAPTURED.toString(StandardCharsets.UTF_8);
    }
  }

  @AfterAll
  static void noTokenOrKeyInAnythingTheApplicationLogged() {
    System.setOut(originalOut);
    System.setErr(originalErr);
    String output = captured();
    assertThat(output).as("the application's log was captured").contains("lanyard.audit");
    assertThat(ALL_SECRETS.count()).isGreaterThan(10);
    ALL_SECRETS.assertAbsentFrom("the whole output of LanyardAuditTest", output);
  }

  @AfterEach
  void bundleUpAndEventsDelivered() {
    bundleDown.set(false);
    assertThat(audit.flush(Duration.ofSeconds(10))).isTrue();
    ALL_SECRETS.privateKey(identity.x509Svids().current().privateKey());
  }

  private JwtSvid svid(SpiffeId subject, String... scopes) {
    JwtSvid svid = authority.mint(subject, List.of(PAYMENTS.toString()), List.of(scopes), null);
    secrets.token(svid.token());
    ALL_SECRETS.token(svid.token());
    return svid;
  }

  private HttpResponse<String> get(String path, @org.jspecify.annotations.Nullable String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
        .header("traceparent", TRACEPARENT);
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The last event of the recording sink bean that {@code match} accepts, once delivered. */
  private AuditEvent delivered(Predicate<AuditEvent> match) {
    assertThat(audit.flush(Duration.ofSeconds(10))).isTrue();
    List<AuditEvent> events = recording.events.stream().filter(match).collect(Collectors.toList());
    assertThat(events).isNotEmpty();
    return events.get(events.size() - 1);
  }

  private static Predicate<AuditEvent> on(String path, AuditEvent.Decision decision) {
    return e -> e.decision() == decision && e.path().filter(path::equals).isPresent();
  }

  @Test
  void preAuthorizeWhenScopeMissingThenInsufficientScopeEventWithEveryField() throws Exception {
    JwtSvid svid = svid(ORDERS, "payments:read", "a:b");
    assertThat(get("/refunds", svid.token()).statusCode()).isEqualTo(403);

    AuditEvent e = delivered(on("/refunds", AuditEvent.Decision.INSUFFICIENT_SCOPE));
    assertThat(e.reason()).contains("missing payments:refund");
    assertThat(e.rule()).contains(LanyardSecurityResponses.RULE);
    assertThat(e.method()).contains("GET");
    assertThat(e.callee()).contains(PAYMENTS.toString());
    assertThat(e.caller()).contains(ORDERS.toString());
    assertThat(e.callerVerified()).isTrue();
    assertThat(e.credential()).contains(AuditEvent.Credential.JWT);
    assertThat(e.tokenId()).contains(svid.tokenId());
    assertThat(e.tokenHash()).isEmpty();
    assertThat(e.keyId()).contains(svid.keyId());
    assertThat(e.scopesPresented()).containsExactly("a:b", "payments:read");
    assertThat(e.scopesRequired()).containsExactly("payments:refund");
    assertThat(e.traceId()).contains(TRACE_ID);
    // The filter allowed the call first, by its policy rule, and said so with the same caller and trace.
    AuditEvent allowed = delivered(on("/refunds", AuditEvent.Decision.ALLOWED));
    assertThat(allowed.caller()).contains(ORDERS.toString());
    assertThat(allowed.traceId()).contains(TRACE_ID);
  }

  @Test
  void preAuthorizeWhenRoleMissingThenDeniedEventWithoutRequiredScopes() throws Exception {
    JwtSvid svid = svid(ORDERS, "payments:read");
    assertThat(get("/admin", svid.token()).statusCode()).isEqualTo(403);

    AuditEvent e = delivered(on("/admin", AuditEvent.Decision.DENIED));
    assertThat(e.reason()).contains("DENIED");
    assertThat(e.rule()).contains(LanyardSecurityResponses.RULE);
    assertThat(e.caller()).contains(ORDERS.toString());
    assertThat(e.callerVerified()).isTrue();
    assertThat(e.callee()).contains(PAYMENTS.toString());
    assertThat(e.credential()).contains(AuditEvent.Credential.JWT);
    assertThat(e.keyId()).contains(svid.keyId());
    assertThat(e.scopesPresented()).containsExactly("payments:read");
    assertThat(e.scopesRequired()).isEmpty();
    assertThat(e.traceId()).contains(TRACE_ID);
  }

  @Test
  void preAuthorizeWhenAnonymousOnPublicRuleThenUnauthenticatedEvent() throws Exception {
    assertThat(get("/public/members", null).statusCode()).isEqualTo(401);

    AuditEvent e = delivered(on("/public/members", AuditEvent.Decision.UNAUTHENTICATED));
    assertThat(e.rule()).contains(LanyardSecurityResponses.RULE);
    assertThat(e.callee()).contains(PAYMENTS.toString());
    assertThat(e.caller()).isEmpty();
    assertThat(e.credential()).isEmpty();
    assertThat(e.traceId()).contains(TRACE_ID);
    assertThat(delivered(on("/public/members", AuditEvent.Decision.PUBLIC)).callee()).contains(PAYMENTS.toString());
  }

  @Test
  void firewallWhenPathHasParameterThenBadRequestEventWithRawPath() throws Exception {
    RawResponse response = RawResponse.get(port, "/public/a;x=1/b", null);
    assertThat(response.status).isEqualTo(400);

    AuditEvent e = delivered(on("/public/a;x=1/b", AuditEvent.Decision.BAD_REQUEST));
    assertThat(e.reason()).contains("NON_NORMALIZED_PATH");
    assertThat(e.callee()).contains(PAYMENTS.toString());
    assertThat(e.method()).contains("GET");
  }

  @Test
  void filterWhenItDecidesUnderSpringSecurityThenEventsCarryCalleeCredentialAndTrace() throws Exception {
    JwtSvid good = svid(ORDERS, "payments:charge");
    JwtSvid noScope = svid(ORDERS);
    JwtSvid stranger = svid(SpiffeId.parse("spiffe://example.org/stranger"), "payments:charge");
    assertThat(get("/charge", good.token()).statusCode()).isEqualTo(200);
    assertThat(get("/charge", noScope.token()).statusCode()).isEqualTo(403);
    assertThat(get("/charge", stranger.token()).statusCode()).isEqualTo(403);
    assertThat(get("/nowhere", good.token()).statusCode()).isEqualTo(403);
    assertThat(get("/charge", null).statusCode()).isEqualTo(401);
    assertThat(get("/charge", "not.a.token").statusCode()).isEqualTo(401);

    AuditEvent allowed = delivered(on("/charge", AuditEvent.Decision.ALLOWED));
    assertThat(allowed.caller()).contains(ORDERS.toString());
    assertThat(allowed.tokenId()).contains(good.tokenId());
    assertThat(allowed.keyId()).contains(good.keyId());
    assertThat(allowed.scopesRequired()).containsExactly("payments:charge");
    AuditEvent scope = delivered(on("/charge", AuditEvent.Decision.INSUFFICIENT_SCOPE));
    assertThat(scope.scopesRequired()).containsExactly("payments:charge");
    assertThat(scope.scopesPresented()).isEmpty();
    assertThat(delivered(on("/charge", AuditEvent.Decision.DENIED)).reason()).contains("NO_RULE_ALLOWS_CALLER");
    assertThat(delivered(on("/nowhere", AuditEvent.Decision.DENIED)).reason()).contains("NO_MATCHING_RULE");
    AuditEvent rejected = delivered(on("/charge", AuditEvent.Decision.REJECTED));
    assertThat(rejected.reason()).contains("MALFORMED");
    assertThat(rejected.tokenHash()).contains(AuditEvent.tokenFingerprint("not.a.token"));
    for (AuditEvent e : List.of(allowed, scope, rejected,
        delivered(on("/charge", AuditEvent.Decision.UNAUTHENTICATED)))) {
      assertThat(e.callee()).contains(PAYMENTS.toString());
      assertThat(e.traceId()).contains(TRACE_ID);
      assertThat(e.method()).contains("GET");
    }
  }

  @Test
  void sinksWhenOneBlockedAndOneThrowingThenRequestsStayFastAndEveryBeanReceivesAll() throws Exception {
    JwtSvid svid = svid(ORDERS, "payments:charge");
    assertThat(audit.flush(Duration.ofSeconds(10))).isTrue();
    long before = recording.events.size();
    long thrownBefore = throwing.calls.get();
    blocking.block();
    try {
      long start = System.nanoTime();
      for (int i = 0; i < 20; i++) {
        assertThat(get("/charge", svid.token()).statusCode()).isEqualTo(200);
      }
      long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      // The sink blocks the delivery thread until released; 20 requests complete meanwhile.
      assertThat(elapsedMillis).isLessThan(10_000);
      assertThat(recording.events.size() - before).isLessThanOrEqualTo(1);
    } finally {
      blocking.release();
    }
    Await.until("the recording sink received the 20 events", () -> recording.events.size() - before >= 20,
        Duration.ofSeconds(10));
    assertThat(throwing.calls.get() - thrownBefore).isGreaterThanOrEqualTo(20);
    assertThat(audit.dropped()).isZero();
  }

  @Test
  void actuatorAuditWhenLimitedThenLastEventsNewestLastAndNoSecret() throws Exception {
    JwtSvid svid = svid(ORDERS, "payments:charge");
    for (int i = 0; i < 3; i++) {
      assertThat(get("/charge", svid.token()).statusCode()).isEqualTo(200);
    }
    String ops = svid(OPS).token();

    HttpResponse<String> response = get("/actuator/lanyard/audit?limit=4", ops);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        v -> assertThat(v).startsWith("application/json"));
    String body = response.body();
    assertThat((Integer) JsonPath.read(body, "$.capacity")).isEqualTo(50);
    List<Map<String, Object>> events = JsonPath.read(body, "$.events");
    assertThat(events).hasSize(4);
    assertThat(events.subList(0, 3)).allSatisfy(e -> {
      assertThat(e).containsEntry("path", "/charge").containsEntry("decision", "ALLOWED")
          .containsEntry("caller", ORDERS.toString()).containsEntry("callee", PAYMENTS.toString());
    });
    assertThat(events.get(3)).containsEntry("path", "/actuator/lanyard/audit")
        .containsEntry("caller", OPS.toString());
    assertThat(get("/actuator/lanyard/audit?limit=0", ops).statusCode()).isEqualTo(400);
    assertThat(get("/actuator/lanyard/audit", svid.token()).statusCode()).isEqualTo(403);
    secrets.assertAbsentFrom("the actuator audit part", body);
  }

  @Test
  void embeddedAuthorityWhenItIssuesThenIssuanceReachesTheRingAndEverySinkBean() throws Exception {
    JwtSvid svid = svid(ORDERS, "payments:charge");

    assertThat(audit.flush(Duration.ofSeconds(10))).isTrue();
    assertThat(recording.authorityEvents).anySatisfy(e -> {
      assertThat(e.kind()).isEqualTo(AuthorityEvent.Kind.X509_SVID_ISSUED);
      assertThat(e.subject()).contains(PAYMENTS.toString());
    });
    assertThat(recording.authorityEvents).anySatisfy(e -> {
      assertThat(e.kind()).isEqualTo(AuthorityEvent.Kind.JWT_SVID_MINTED);
      assertThat(e.subject()).contains(ORDERS.toString());
      assertThat(e.audience()).containsExactly(PAYMENTS.toString());
      assertThat(e.scopes()).containsExactly("payments:charge");
      assertThat(e.keyId()).contains(svid.keyId());
    });
    assertThat(audit.ring()).hasValueSatisfying(ring -> assertThat(ring.authorityEvents())
        .anySatisfy(e -> assertThat(e.kind()).isEqualTo(AuthorityEvent.Kind.JWT_SVID_MINTED)));
    recording.authorityEvents.forEach(e -> secrets.assertAbsentFrom("an authority event", e.toJson()));
  }

  @Test
  void actuatorGraphWhenEachFormatThenJsonParsesDotAndMermaidHaveTheirShape() throws Exception {
    JwtSvid svid = svid(ORDERS, "payments:charge");
    assertThat(get("/charge", svid.token()).statusCode()).isEqualTo(200);
    String ops = svid(OPS).token();

    HttpResponse<String> json = get("/actuator/lanyard/graph?format=json", ops);
    HttpResponse<String> dot = get("/actuator/lanyard/graph?format=dot", ops);
    HttpResponse<String> mermaid = get("/actuator/lanyard/graph?format=mermaid", ops);

    assertThat(json.statusCode()).isEqualTo(200);
    GraphSnapshot graph = GraphSnapshot.parseJson(json.body());
    assertThat(graph.edges()).anySatisfy(e -> {
      assertThat(e.caller()).isEqualTo(ORDERS);
      assertThat(e.callee()).isEqualTo(PAYMENTS);
    });
    assertThat(dot.statusCode()).isEqualTo(200);
    assertThat(dot.headers().firstValue("Content-Type")).hasValueSatisfying(
        v -> assertThat(v).startsWith("text/vnd.graphviz"));
    assertThat(dot.body()).startsWith("digraph").contains("\"" + ORDERS + "\" -> \"" + PAYMENTS + "\"")
        .endsWith("}\n");
    assertThat(mermaid.statusCode()).isEqualTo(200);
    assertThat(mermaid.body()).startsWith("flowchart").contains("-->");
    assertThat(get("/actuator/lanyard/graph?format=xml", ops).statusCode()).isEqualTo(400);
    for (HttpResponse<String> r : List.of(json, dot, mermaid)) {
      secrets.assertAbsentFrom("the actuator graph part", r.body());
    }
  }

  @Test
  void graphWhenConcurrentCallsThenCountsExact() throws Exception {
    SpiffeId caller = SpiffeId.parse("spiffe://example.org/load-caller");
    String token = svid(caller).token();
    int threads = 8;
    int each = 25;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(pool.submit(() -> {
          int ok = 0;
          for (int i = 0; i < each; i++) {
            ok += get("/load", token).statusCode() == 200 ? 1 : 0;
          }
          return ok;
        }));
      }
      for (Future<Integer> r : results) {
        assertThat(r.get(60, TimeUnit.SECONDS)).isEqualTo(each);
      }
    } finally {
      pool.shutdownNow();
    }
    HttpResponse<String> json = get("/actuator/lanyard/graph", svid(OPS).token());
    GraphSnapshot graph = GraphSnapshot.parseJson(json.body());
    assertThat(graph.edges()).filteredOn(e -> e.caller().equals(caller)).singleElement().satisfies(e -> {
      assertThat(e.calls()).isEqualTo(threads * each);
      assertThat(e.allowed()).isEqualTo(threads * each);
    });
  }

  @Test
  void allEventsWhenScannedThenHoldNoTokenText() throws Exception {
    svid(ORDERS, "payments:charge");
    JwtSvid svid = svid(ORDERS, "payments:charge");
    get("/charge", svid.token());
    get("/refunds", svid.token());
    get("/charge", svid.token() + "x");
    assertThat(audit.flush(Duration.ofSeconds(10))).isTrue();
    StringBuilder all = new StringBuilder();
    recording.events.forEach(e -> all.append(e.toJson()).append('\n'));
    audit.ring().orElseThrow().events().forEach(e -> all.append(e).append('\n'));
    assertThat(secrets.count()).isGreaterThanOrEqualTo(2);
    secrets.assertAbsentFrom("the audit events", all.toString());
    String log = captured();
    List<String> auditLines = log.lines().filter(l -> l.contains("lanyard.audit") && l.contains("{\"time\""))
        .collect(Collectors.toList());
    assertThat(auditLines).as("the lanyard.audit lines of these calls")
        .anySatisfy(l -> assertThat(l).contains("\"tokenId\":\"" + svid.tokenId() + "\"").contains("ALLOWED"))
        .anySatisfy(l -> assertThat(l).contains("\"decision\":\"REJECTED\"")
            .contains(AuditEvent.tokenFingerprint(svid.token() + "x")));
    secrets.privateKey(identity.x509Svids().current().privateKey());
    secrets.assertAbsentFrom("the logger output (lanyard.audit lines and all else)", log);
  }

  @Test
  void bundleUnavailableWhenCallerPresentsTokenThen503AndOneUnavailableEventWithEveryField() throws Exception {
    JwtSvid svid = svid(ORDERS, "payments:charge");
    String traceId = "0af7651916cd43dd8448eb211c80319c";
    bundleDown.set(true);
    Instant before = Instant.now();

    HttpResponse<String> response = http.send(HttpRequest.newBuilder(
        URI.create("http://localhost:" + port + "/charge"))
        .header("traceparent", "00-" + traceId + "-b7ad6b7169203331-01")
        .header("Authorization", "Bearer " + svid.token()).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.headers().firstValue("WWW-Authenticate")).isEmpty();
    assertThat(audit.flush(Duration.ofSeconds(10))).isTrue();
    List<AuditEvent> events = recording.events.stream().filter(e -> e.traceId().filter(traceId::equals).isPresent())
        .collect(Collectors.toList());
    assertThat(events).as("one event for the request, from the filter; Spring Security adds none").hasSize(1);
    AuditEvent e = events.get(0);
    assertThat(e.time()).isBetween(before, Instant.now());
    assertThat(e.decision()).isEqualTo(AuditEvent.Decision.UNAVAILABLE);
    assertThat(e.reason()).contains("BUNDLE_UNAVAILABLE");
    assertThat(e.method()).contains("GET");
    assertThat(e.path()).contains("/charge");
    assertThat(e.callee()).contains(PAYMENTS.toString());
    assertThat(e.caller()).as("nothing was verified, nothing claimed").isEmpty();
    assertThat(e.callerVerified()).isFalse();
    assertThat(e.credential()).contains(AuditEvent.Credential.JWT);
    assertThat(e.tokenId()).isEmpty();
    assertThat(e.tokenHash()).contains(AuditEvent.tokenFingerprint(svid.token()));
    assertThat(e.keyId()).isEmpty();
    assertThat(e.rule()).isEmpty();
    assertThat(e.scopesPresented()).isEmpty();
    assertThat(e.scopesRequired()).isEmpty();
    assertThat(e.traceId()).contains(traceId);
    assertThat(audit.ring().orElseThrow().events()).contains(e);
    assertThat(counters.rejected()).containsKey("UNAVAILABLE");
    // On logger lanyard.audit at WARN, as the same JSON.
    assertThat(captured().lines().filter(l -> l.contains(traceId) && l.contains("lanyard.audit")))
        .singleElement().satisfies(l -> assertThat(l).contains("WARN").endsWith(e.toJson()));
    bundleDown.set(false);
    assertThat(get("/charge", svid.token()).statusCode()).isEqualTo(200);
  }

  @Test
  void createWhenAllowedLevelUnknownThenStartupErrorNamesTheProperty() {
    LanyardProperties.Audit p = new LanyardProperties.Audit();
    p.setAllowedLevel("LOUD");
    assertThatThrownBy(() -> LanyardAudit.create(p, new AuditCounters(), List.of()))
        .isInstanceOf(InvalidConfigurationPropertyValueException.class)
        .hasMessageContaining(LanyardAudit.ALLOWED_LEVEL).hasMessageContaining("TRACE, DEBUG, INFO, OFF");
  }

  @Test
  void createWhenRingSizeNegativeThenStartupErrorNamesTheProperty() {
    LanyardProperties.Audit p = new LanyardProperties.Audit();
    p.setRingSize(-1);
    assertThatThrownBy(() -> LanyardAudit.create(p, new AuditCounters(), List.of()))
        .isInstanceOf(InvalidConfigurationPropertyValueException.class).hasMessageContaining(LanyardAudit.RING_SIZE);
  }

  @Test
  void createWhenQueueSizeOutOfRangeThenStartupErrorNamesThePropertyEvenWhenSynchronous() {
    for (int bad : new int[] {0, -1, 1_000_001}) {
      for (boolean async : new boolean[] {true, false}) {
        LanyardProperties.Audit p = new LanyardProperties.Audit();
        p.setQueueSize(bad);
        p.setAsync(async);
        assertThatThrownBy(() -> LanyardAudit.create(p, new AuditCounters(), List.of()))
            .isInstanceOf(InvalidConfigurationPropertyValueException.class)
            .hasMessageContaining(LanyardAudit.QUEUE_SIZE).hasMessageContaining("between 1 and 1000000");
      }
    }
  }

  @Test
  void createWhenQueueSizeTwoAndSinkBlockedThenEventsBeyondTheQueueAreDroppedAndCounted() {
    LanyardProperties.Audit p = new LanyardProperties.Audit();
    assertThat(p.getQueueSize()).isEqualTo(LanyardAudit.DEFAULT_QUEUE_SIZE).isEqualTo(8192);
    p.setQueueSize(2);
    p.setAllowedLevel("OFF");
    Blocking blocked = new Blocking();
    Recording recorded = new Recording();
    blocked.block();
    try (LanyardAudit a = LanyardAudit.create(p, new AuditCounters(), List.of(blocked, recorded))) {
      for (int i = 0; i < 10; i++) {
        a.sink().record(AuditEvent.newBuilder(Instant.EPOCH, AuditEvent.Decision.ALLOWED).request("GET", "/" + i)
            .build());
      }
      // The delivery thread holds at most one event (blocked on it), the queue two more: 7 or 8 are dropped.
      assertThat(a.dropped()).isBetween(7L, 8L);
      blocked.release();
      assertThat(a.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(recorded.events).hasSize((int) (10 - a.dropped()));
    } finally {
      blocked.release();
    }
    p.setQueueSize(LanyardAudit.DEFAULT_QUEUE_SIZE);
    Blocking again = new Blocking();
    again.block();
    try (LanyardAudit a = LanyardAudit.create(p, new AuditCounters(), List.of(again))) {
      for (int i = 0; i < 10; i++) {
        a.sink().record(AuditEvent.newBuilder(Instant.EPOCH, AuditEvent.Decision.ALLOWED).build());
      }
      assertThat(a.dropped()).isZero();
    } finally {
      again.release();
    }
  }

  @Test
  void queueSizePropertyWhenBadThenApplicationStartFailsNamingIt() {
    ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(LanyardAutoConfiguration.class, SslAutoConfiguration.class))
        .withPropertyValues("lanyard.spiffe-id=spiffe://example.org/payments", "lanyard.policy.rules[0]=GET / any");
    runner.withPropertyValues("lanyard.audit.queue-size=0").run(context -> LanyardAutoConfigurationTest
        .assertFailure(context, "lanyard.audit.queue-size", "must be between 1 and 1000000"));
    runner.withPropertyValues("lanyard.audit.queue-size=lots").run(context -> LanyardAutoConfigurationTest
        .assertFailure(context, "lanyard.audit.queue-size", "lots"));
    runner.withPropertyValues("lanyard.audit.queue-size=16").run(context ->
        assertThat(context).hasNotFailed().hasSingleBean(LanyardAudit.class));
  }

  @Test
  void createWhenRingSizeZeroAndSynchronousThenNoRingAndThrowingSinkSkippedOnly() {
    LanyardProperties.Audit p = new LanyardProperties.Audit();
    p.setRingSize(0);
    p.setAsync(false);
    p.setAllowedLevel("off");
    Recording recorded = new Recording();
    Throwing failing = new Throwing();
    AuditCounters counters = new AuditCounters();
    try (LanyardAudit a = LanyardAudit.create(p, counters, List.of(failing, recorded))) {
      a.sink().record(AuditEvent.newBuilder(java.time.Instant.EPOCH, AuditEvent.Decision.ALLOWED).build());
      assertThat(a.ring()).isEmpty();
      assertThat(failing.calls.get()).isEqualTo(1);
      assertThat(recorded.events).hasSize(1);
      assertThat(counters.accepted()).containsEntry("ALLOWED", 1L);
    }
  }

  /** Records every event. */
  static final class Recording implements AuditSink {
    final List<AuditEvent> events = new CopyOnWriteArrayList<>();
    final List<AuthorityEvent> authorityEvents = new CopyOnWriteArrayList<>();

    @Override
    public void record(AuditEvent event) {
      events.add(event);
    }

    @Override
    public void recordAuthority(AuthorityEvent event) {
      authorityEvents.add(event);
    }
  }

  /** Blocks delivery while {@link #block()} holds, like a sink whose backend hangs. */
  static final class Blocking implements AuditSink {
    private volatile CountDownLatch gate = new CountDownLatch(0);

    void block() {
      gate = new CountDownLatch(1);
    }

    void release() {
      gate.countDown();
    }

    @Override
    public void record(AuditEvent event) {
      try {
        gate.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Throws on every event. */
  static final class Throwing implements AuditSink {
    final AtomicLong calls = new AtomicLong();

    @Override
    public void record(AuditEvent event) {
      calls.incrementAndGet();
      throw new IllegalStateException("the audit backend is down (test)");
    }
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @EnableMethodSecurity
  @Import(AuditController.class)
  static class AuditApp {
    @Bean
    AtomicBoolean bundleDown() {
      return new AtomicBoolean();
    }

    /** The embedded authority's bundle, or a bundle endpoint gone down beyond its staleness bound when switched. */
    @Bean
    BundleSource switchableBundles(EmbeddedAuthority authority, AtomicBoolean bundleDown) {
      BundleSource bundles = authority.bundleSource();
      return trustDomain -> {
        if (bundleDown.get()) {
          throw new BundleUnavailableException("the bundle endpoint is down (test)");
        }
        return bundles.bundleFor(trustDomain);
      };
    }

    @Bean
    @Order(1)
    Throwing throwingSink() {
      return new Throwing();
    }

    @Bean
    @Order(2)
    Blocking blockingSink() {
      return new Blocking();
    }

    @Bean
    @Order(3)
    Recording recordingSink() {
      return new Recording();
    }
  }

  @RestController
  static class AuditController {
    @GetMapping("/public/members")
    @PreAuthorize("isAuthenticated()")
    String members() {
      return "members";
    }

    @GetMapping("/refunds")
    @PreAuthorize("hasAuthority('SCOPE_payments:refund')")
    String refunds() {
      return "refunds";
    }

    @GetMapping("/admin")
    @PreAuthorize("hasRole('ADMIN')")
    String admin() {
      return "admin";
    }

    @GetMapping("/charge")
    String charge() {
      return "charged";
    }

    @GetMapping("/load")
    String load() {
      return "load";
    }
  }
}

package dev.lanyard.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.lanyard.audit.AuditEvent;
import dev.lanyard.audit.AuditSink;
import dev.lanyard.policy.Caller;
import dev.lanyard.graph.GraphEdge;
import dev.lanyard.graph.RuleRef;
import dev.lanyard.graph.TrustGraph;
import dev.lanyard.policy.Policy;
import dev.lanyard.policy.PolicyMatch;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleUnavailableException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Tests {@link InboundAudit}: each decision's event, with every field that applies to it, and each policy decision on a
 * verified caller as one call on its trust-graph edge.
 */
class InboundAuditTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final String CALLEE = "spiffe://example.org/orders-api";
  private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final Caller CALLER = new Caller(SpiffeId.parse("spiffe://example.org/billing"), Set.of("read"),
      Caller.CredentialType.JWT_SVID, "token-1");
  private static final Authenticator.Authenticated AUTHENTICATED = new Authenticator.Authenticated(CALLER, "k1");
  private static final Policy POLICY = Policy.parse(String.join("\n",
      "GET  /health  public",
      "GET  /orders  spiffe://example.org/billing  read",
      "POST /orders  spiffe://example.org/billing  read,write,admin",
      "DELETE /orders  spiffe://example.org/admin",
      ""), "policy.txt");

  private final List<AuditEvent> events = new ArrayList<>();
  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private final TrustGraph graph = TrustGraph.newBuilder(SpiffeId.parse(CALLEE)).clock(clock).build();
  private final InboundAudit audit = new InboundAudit(events::add, clock, graph);

  private void decided(String method, String path, Authenticator.Authenticated caller) {
    PolicyMatch match = POLICY.match(method, path);
    audit.decided(exchange(method, path, "a.b.c"), caller, match, match.decide(caller.caller));
  }

  private GraphEdge edge(SpiffeId caller, @Nullable Integer ruleLine) {
    return graph.snapshot().edges().stream().filter(e -> e.caller().equals(caller))
        .filter(e -> ruleLine == null ? e.rule().isEmpty() : e.rule().map(RuleRef::line).orElse(-1).equals(ruleLine))
        .findFirst().orElseThrow();
  }

  private static InboundAudit.Exchange exchange(String method, String path, String token) {
    InboundAudit.Exchange exchange = new InboundAudit.Exchange(method, path, TRACEPARENT);
    exchange.credentials(token, false);
    return exchange;
  }

  @Test
  void nonNormalizedPathWhenRecordedThenBadRequestWithTheRawUriItsReasonCalleeAndTraceId() {
    audit.nonNormalizedPath(new InboundAudit.Exchange("GET", "/a/../admin", TRACEPARENT));

    AuditEvent e = events.get(0);
    assertThat(e.time()).isEqualTo(NOW);
    assertThat(e.decision()).isEqualTo(AuditEvent.Decision.BAD_REQUEST);
    assertThat(e.path()).contains("/a/../admin");
    assertThat(e.reason()).contains("NON_NORMALIZED_PATH");
    assertThat(e.callee()).contains(CALLEE);
    assertThat(e.traceId()).contains(TRACE_ID);
    assertThat(e.credential()).isEmpty();
  }

  @Test
  void refusalsBeforeAuthenticationWhenRecordedThenCarryTheirDecisionAndReason() {
    audit.multipleAuthorizationHeaders(exchange("GET", "/x", null));
    audit.unauthenticated(exchange("GET", "/x", null));
    audit.rejected(exchange("GET", "/x", "a.b.c"), "EXPIRED", "spiffe://example.org/a", "k9");
    audit.subjectMismatch(exchange("GET", "/x", "a.b.c"), "spiffe://example.org/a", "k1", "jti-1");
    audit.unavailable(exchange("GET", "/x", "a.b.c"), new BundleUnavailableException("down"));
    audit.publicPath(exchange("GET", "/health", null), POLICY.match("GET", "/health").decide(null));

    assertThat(events).extracting(AuditEvent::decision).containsExactly(AuditEvent.Decision.BAD_REQUEST,
        AuditEvent.Decision.UNAUTHENTICATED, AuditEvent.Decision.REJECTED, AuditEvent.Decision.REJECTED,
        AuditEvent.Decision.UNAVAILABLE, AuditEvent.Decision.PUBLIC);
    assertThat(events).extracting(e -> e.reason().orElse(null)).containsExactly("MULTIPLE_AUTHORIZATION_HEADERS",
        null, "EXPIRED", "SUBJECT_MISMATCH", "BUNDLE_UNAVAILABLE", null);
    assertThat(events).allSatisfy(e -> {
      assertThat(e.callee()).contains(CALLEE);
      assertThat(e.traceId()).contains(TRACE_ID);
    });
    AuditEvent rejected = events.get(2);
    assertThat(rejected.caller()).contains("spiffe://example.org/a");
    assertThat(rejected.callerVerified()).as("a refused token's subject is only claimed").isFalse();
    assertThat(rejected.keyId()).contains("k9");
    assertThat(rejected.tokenId()).isEmpty();
    assertThat(rejected.tokenHash()).contains(AuditEvent.tokenFingerprint("a.b.c"));
    assertThat(rejected.credential()).contains(AuditEvent.Credential.JWT);
    AuditEvent mismatch = events.get(3);
    assertThat(mismatch.caller()).contains("spiffe://example.org/a");
    assertThat(mismatch.callerVerified()).isTrue();
    assertThat(mismatch.tokenId()).contains("jti-1");
    assertThat(mismatch.tokenHash()).isEmpty();
    assertThat(events.get(5).rule()).contains("policy.txt:1");
  }

  @Test
  void policyDecisionsWhenRecordedThenCarryCallerTokenIdKeyIdScopesRuleAndReason() {
    decided("GET", "/orders", AUTHENTICATED);
    decided("POST", "/orders", AUTHENTICATED);
    decided("PUT", "/orders", AUTHENTICATED);
    decided("DELETE", "/orders", AUTHENTICATED);

    assertThat(events).extracting(AuditEvent::decision).containsExactly(AuditEvent.Decision.ALLOWED,
        AuditEvent.Decision.INSUFFICIENT_SCOPE, AuditEvent.Decision.DENIED, AuditEvent.Decision.DENIED);
    assertThat(events).allSatisfy(e -> {
      assertThat(e.caller()).contains("spiffe://example.org/billing");
      assertThat(e.callerVerified()).isTrue();
      assertThat(e.tokenId()).contains("token-1");
      assertThat(e.tokenHash()).as("a token with an id is named by it").isEmpty();
      assertThat(e.keyId()).contains("k1");
      assertThat(e.scopesPresented()).containsExactly("read");
      assertThat(e.credential()).contains(AuditEvent.Credential.JWT);
      assertThat(e.callee()).contains(CALLEE);
    });
    assertThat(events.get(0).rule()).contains("policy.txt:2");
    assertThat(events.get(0).reason()).isEmpty();
    assertThat(events.get(0).scopesRequired()).containsExactly("read");
    assertThat(events.get(1).reason()).contains("missing write admin");
    assertThat(events.get(1).rule()).contains("policy.txt:3");
    assertThat(events.get(1).scopesRequired()).containsExactly("read", "write", "admin");
    assertThat(events.get(2).rule()).isEmpty();
    assertThat(events.get(2).reason()).as("PUT /orders: no rule matches").contains("NO_MATCHING_RULE");
    assertThat(events.get(3).rule()).isEmpty();
    assertThat(events.get(3).reason()).as("DELETE /orders: a rule matches, not for billing")
        .contains("NO_RULE_ALLOWS_CALLER");
  }

  @Test
  void policyDecisionsWhenRecordedThenEachIsOneTrustGraphCallOnItsEdge() {
    decided("GET", "/orders", AUTHENTICATED);
    decided("GET", "/orders", AUTHENTICATED);
    decided("POST", "/orders", AUTHENTICATED);
    decided("PUT", "/orders", AUTHENTICATED);
    decided("DELETE", "/orders", AUTHENTICATED);

    GraphEdge allowed = edge(CALLER.id(), 2);
    assertThat(allowed.calls()).isEqualTo(2);
    assertThat(allowed.allowed()).isEqualTo(2);
    assertThat(allowed.callee()).isEqualTo(SpiffeId.parse(CALLEE));
    assertThat(edge(CALLER.id(), 3).denials()).containsExactly(Map.entry(TrustGraph.INSUFFICIENT_SCOPE, 1L));
    assertThat(edge(CALLER.id(), null).denials()).containsOnly(Map.entry(TrustGraph.NO_RULE, 1L),
        Map.entry(TrustGraph.NOT_ALLOWED, 1L));
    assertThat(graph.snapshot().edges().stream().mapToLong(GraphEdge::calls).sum()).isEqualTo(5);
  }

  @Test
  void refusalsBeforePolicyWhenRecordedThenNotInTheTrustGraph() {
    audit.unauthenticated(exchange("GET", "/orders", null));
    audit.rejected(exchange("GET", "/orders", "a.b.c"), "EXPIRED", "spiffe://example.org/a", "k9");
    audit.publicPath(exchange("GET", "/health", null), POLICY.match("GET", "/health").decide(null));

    assertThat(events).hasSize(3);
    assertThat(graph.edgeCount()).as("a claimed caller is never an edge").isZero();
  }

  @Test
  void allowedWhenTokenHasNoIdThenItsFingerprintInstead() {
    Caller anonymous = new Caller(CALLER.id(), Set.of(), Caller.CredentialType.JWT_SVID, null);
    PolicyMatch match = Policy.parse("GET /x any\n", "p").match("GET", "/x");

    audit.decided(exchange("GET", "/x", "h.p.s"), new Authenticator.Authenticated(anonymous, "k1"), match,
        match.decide(anonymous));

    assertThat(events.get(0).decision()).isEqualTo(AuditEvent.Decision.ALLOWED);
    assertThat(events.get(0).tokenId()).isEmpty();
    assertThat(events.get(0).tokenHash()).contains(AuditEvent.tokenFingerprint("h.p.s"));
  }

  @Test
  void deployOnlyWhenRecordedThenDeniedWithItsOwnReasonCallerAndTokenIdButNoRule() {
    audit.deployOnly(exchange("GET", "/orders", "a.b.c"), AUTHENTICATED);

    AuditEvent e = events.get(0);
    assertThat(e.time()).isEqualTo(NOW);
    assertThat(e.decision()).isEqualTo(AuditEvent.Decision.DENIED);
    assertThat(e.reason()).contains("DEPLOY_ONLY_IDENTITY");
    assertThat(e.caller()).contains("spiffe://example.org/billing");
    assertThat(e.callerVerified()).isTrue();
    assertThat(e.tokenId()).contains("token-1");
    assertThat(e.method()).contains("GET");
    assertThat(e.path()).contains("/orders");
    assertThat(e.rule()).isEmpty();
    assertThat(edge(CALLER.id(), null).denials()).containsExactly(Map.entry(TrustGraph.DEPLOY_ONLY_IDENTITY, 1L));
  }

  @Test
  void exchangeWhenTraceparentInvalidThenNoTraceIdAndCredentialKinds() {
    InboundAudit.Exchange hostile = new InboundAudit.Exchange("GET", "/", "00-\"},{\"decision\":\"ALLOWED\"-x-01");
    hostile.credentials("t", true);
    InboundAudit.Exchange certificate = new InboundAudit.Exchange("GET", "/", null);
    certificate.credentials(null, true);

    assertThat(hostile.traceId).isNull();
    assertThat(hostile.credential).isEqualTo(AuditEvent.Credential.BOTH);
    assertThat(certificate.credential).isEqualTo(AuditEvent.Credential.X509);
  }

  @Test
  void recordWhenSinkFailsThenTheFailureDoesNotReachTheRequest() {
    AuditSink failing = event -> {
      throw new IllegalStateException("disk full");
    };

    assertThatCode(() -> new InboundAudit(failing, Clock.systemUTC(), graph)
        .unauthenticated(exchange("GET", "/x", null))).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @CsvSource({
      "spiffe://example.org/payments, spiffe://example.org/payments",
      "spiffe://partner.example/payments, spiffe://example.org",
      "https://payments.example.org, spiffe://example.org",
      "spiffe://example.org/a/../b, spiffe://example.org",
      "payments, spiffe://example.org"})
  void calleeWhenAudienceIsASpiffeIdOfTheTrustDomainThenItElseTheTrustDomainsId(String audience, String callee) {
    assertThat(InboundAudit.callee(TrustDomain.of("example.org"), audience)).hasToString(callee);
  }
}

package dev.lanyard.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.lanyard.audit.AuditEvent;
import dev.lanyard.audit.AuditSink;
import dev.lanyard.policy.Caller;
import dev.lanyard.policy.Decision;
import dev.lanyard.policy.Policy;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.trust.BundleUnavailableException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Tests {@link InboundAudit}: each decision's event, with every field that applies to it. */
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
      ""), "policy.txt");

  private final List<AuditEvent> events = new ArrayList<>();
  private final InboundAudit audit = new InboundAudit(events::add, Clock.fixed(NOW, ZoneOffset.UTC), CALLEE);

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
    audit.allowed(exchange("GET", "/orders", "a.b.c"), AUTHENTICATED, POLICY.match("GET", "/orders").decide(CALLER));
    audit.insufficientScope(exchange("POST", "/orders", "a.b.c"), AUTHENTICATED,
        POLICY.match("POST", "/orders").decide(CALLER));
    audit.denied(exchange("DELETE", "/orders", "a.b.c"), AUTHENTICATED, true);
    audit.denied(exchange("GET", "/orders", "a.b.c"), AUTHENTICATED, false);

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
    });
    assertThat(events.get(0).rule()).contains("policy.txt:2");
    assertThat(events.get(0).reason()).isEmpty();
    assertThat(events.get(0).scopesRequired()).containsExactly("read");
    assertThat(events.get(1).reason()).contains("missing write admin");
    assertThat(events.get(1).scopesRequired()).containsExactly("read", "write", "admin");
    assertThat(events.get(2).rule()).isEmpty();
    assertThat(events.get(2).reason()).contains("NO_MATCHING_RULE");
    assertThat(events.get(3).reason()).contains("NO_RULE_ALLOWS_CALLER");
  }

  @Test
  void allowedWhenTokenHasNoIdThenItsFingerprintInstead() {
    Caller anonymous = new Caller(CALLER.id(), Set.of(), Caller.CredentialType.JWT_SVID, null);
    Decision decision = Policy.parse("GET /x any\n", "p").match("GET", "/x").decide(anonymous);

    audit.allowed(exchange("GET", "/x", "h.p.s"), new Authenticator.Authenticated(anonymous, "k1"), decision);

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

    assertThatCode(() -> new InboundAudit(failing, Clock.systemUTC(), CALLEE)
        .unauthenticated(exchange("GET", "/x", null))).doesNotThrowAnyException();
  }
}

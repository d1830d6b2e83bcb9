package dev.lanyard.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.lanyard.audit.AuditEvent;
import dev.lanyard.audit.AuditSink;
import dev.lanyard.policy.Caller;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.trust.BundleUnavailableException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InboundAuditTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final Caller CALLER = new Caller(SpiffeId.parse("spiffe://example.org/billing"), Set.of("read"),
      Caller.CredentialType.JWT_SVID, "token-1");

  private final List<AuditEvent> events = new ArrayList<>();
  private final InboundAudit audit = new InboundAudit(events::add, Clock.fixed(NOW, ZoneOffset.UTC));

  @Test
  void nonNormalizedPathWhenRecordedThenBadRequestWithTheRawUriAndItsReason() {
    audit.nonNormalizedPath("GET", "/a/../admin");

    AuditEvent e = events.get(0);
    assertThat(e.time()).isEqualTo(NOW);
    assertThat(e.decision()).isEqualTo(AuditEvent.Decision.BAD_REQUEST);
    assertThat(e.path()).contains("/a/../admin");
    assertThat(e.reason()).contains("NON_NORMALIZED_PATH");
  }

  @Test
  void refusalsBeforeAuthenticationWhenRecordedThenCarryTheirDecisionAndReason() {
    audit.multipleAuthorizationHeaders("GET", "/x");
    audit.unauthenticated("GET", "/x");
    audit.rejected("GET", "/x", "EXPIRED");
    audit.subjectMismatch("GET", "/x", "spiffe://example.org/a");
    audit.unavailable("GET", "/x", new BundleUnavailableException("down"));
    audit.publicPath("GET", "/health");

    assertThat(events).extracting(AuditEvent::decision).containsExactly(AuditEvent.Decision.BAD_REQUEST,
        AuditEvent.Decision.UNAUTHENTICATED, AuditEvent.Decision.REJECTED, AuditEvent.Decision.REJECTED,
        AuditEvent.Decision.UNAVAILABLE, AuditEvent.Decision.PUBLIC);
    assertThat(events).extracting(e -> e.reason().orElse(null)).containsExactly("MULTIPLE_AUTHORIZATION_HEADERS",
        null, "EXPIRED", "SUBJECT_MISMATCH", "BUNDLE_UNAVAILABLE", null);
    assertThat(events.get(3).caller()).contains("spiffe://example.org/a");
  }

  @Test
  void policyDecisionsWhenRecordedThenCarryCallerTokenIdRuleAndReason() {
    audit.allowed(CALLER, "GET", "/orders", "policy.txt:2");
    audit.insufficientScope(CALLER, "POST", "/orders", "policy.txt:3", List.of("write", "admin"));
    audit.denied(CALLER, "DELETE", "/orders", null);

    assertThat(events).extracting(AuditEvent::decision).containsExactly(AuditEvent.Decision.ALLOWED,
        AuditEvent.Decision.INSUFFICIENT_SCOPE, AuditEvent.Decision.DENIED);
    assertThat(events).allSatisfy(e -> {
      assertThat(e.caller()).contains("spiffe://example.org/billing");
      assertThat(e.callerVerified()).isTrue();
      assertThat(e.tokenId()).contains("token-1");
    });
    assertThat(events.get(0).rule()).contains("policy.txt:2");
    assertThat(events.get(0).reason()).isEmpty();
    assertThat(events.get(1).reason()).contains("missing write admin");
    assertThat(events.get(2).rule()).isEmpty();
    assertThat(events.get(2).reason()).contains("NO_RULE_ALLOWS_CALLER");
  }

  @Test
  void deployOnlyWhenRecordedThenDeniedWithItsOwnReasonCallerAndTokenIdButNoRule() {
    audit.deployOnly(CALLER, "GET", "/orders");

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
  void recordWhenSinkFailsThenTheFailureDoesNotReachTheRequest() {
    AuditSink failing = event -> {
      throw new IllegalStateException("disk full");
    };

    assertThatCode(() -> new InboundAudit(failing, Clock.systemUTC()).unauthenticated("GET", "/x"))
        .doesNotThrowAnyException();
  }
}

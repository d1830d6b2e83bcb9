package dev.lanyard.servlet;

import dev.lanyard.audit.AuditEvent;
import dev.lanyard.audit.AuditSink;
import dev.lanyard.graph.TrustGraph;
import dev.lanyard.internal.WarningGate;
import dev.lanyard.policy.Caller;
import dev.lanyard.policy.Decision;
import dev.lanyard.policy.PolicyMatch;
import dev.lanyard.policy.PolicyRule;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records each inbound decision once: one audit event, with the reasons of the filter's outcome table and every field
 * that applies (callee, method, path, trace id, credential type, caller (verified, or as claimed by a refused
 * credential), token id or fingerprint, key id, scopes presented and required, deciding rule), and, for a policy
 * decision on a verified caller, its edge in the {@link TrustGraph} (refused credentials are not in the graph: their
 * caller is only claimed). Logs a trust-bundle outage at most once per period. A failing audit sink is logged and never
 * fails the request. Events carry SPIFFE IDs, token ids, fingerprints and reasons, never token text.
 *
 * <p>Thread-safe: the sink must be; the graph is; the outage counters are atomic.
 */
final class InboundAudit {
  /** The audit reason of a request refused because its raw path is not in normal form. */
  static final String NON_NORMALIZED_PATH = "NON_NORMALIZED_PATH";
  static final String MULTIPLE_AUTHORIZATION_HEADERS = "MULTIPLE_AUTHORIZATION_HEADERS";
  static final String SUBJECT_MISMATCH = "SUBJECT_MISMATCH";
  static final String BUNDLE_UNAVAILABLE = "BUNDLE_UNAVAILABLE";
  /** Rules match the request's method and path, but none allows this caller (a missing grant). */
  static final String NO_RULE_ALLOWS_CALLER = "NO_RULE_ALLOWS_CALLER";
  /** No rule matches the request's method and path at all (probing, or a forgotten rule). */
  static final String NO_MATCHING_RULE = "NO_MATCHING_RULE";
  static final String DEPLOY_ONLY_IDENTITY = "DEPLOY_ONLY_IDENTITY";
  // The filter's log category, as before the split: operators filter on it.
  private static final Logger LOG = LoggerFactory.getLogger(LanyardFilter.class);
  private static final Duration UNAVAILABLE_WARNING_PERIOD = Duration.ofSeconds(10);

  private final AuditSink sink;
  private final Clock clock;
  private final TrustGraph graph;
  private final String callee;
  /** When the last "bundle unavailable" warning was logged (System.nanoTime), so an outage logs once per period. */
  private final WarningGate unavailableGate = WarningGate.every(UNAVAILABLE_WARNING_PERIOD);
  private final AtomicLong unavailableSinceWarning = new AtomicLong();

  /** @param graph the graph of this service's calls; its callee is every event's callee */
  InboundAudit(AuditSink sink, Clock clock, TrustGraph graph) {
    this.sink = sink;
    this.clock = clock;
    this.graph = graph;
    this.callee = graph.callee().toString();
  }

  /**
   * The callee of a filter's events and graph: its audience when that is a SPIFFE ID in its trust domain, else the
   * trust domain's ID.
   */
  static SpiffeId callee(TrustDomain trustDomain, String audience) {
    if (audience.startsWith("spiffe://")) {
      try {
        SpiffeId id = SpiffeId.parse(audience);
        if (id.isMemberOf(trustDomain)) {
          return id;
        }
      } catch (IllegalArgumentException notAnId) {
        // fall through: not a SPIFFE ID
      }
    }
    return trustDomain.spiffeId();
  }

  /** The graph the policy decisions on verified callers go to. */
  TrustGraph graph() {
    return graph;
  }

  /**
   * What every event of one request shares: method, path, the W3C trace id of its {@code traceparent} header (when
   * valid), and the credentials it presented. Not thread-safe: one per request thread.
   */
  static final class Exchange {
    final String method;
    final String path;
    final @Nullable String traceId;
    AuditEvent.@Nullable Credential credential;
    @Nullable String token;

    /** @param traceparent the request's {@code traceparent} header, untrusted; only a valid trace id is kept */
    Exchange(String method, String path, @Nullable String traceparent) {
      this.method = method;
      this.path = path;
      this.traceId = AuditEvent.traceIdOf(traceparent);
    }

    /** Notes the credentials presented: the bearer token (kept only to fingerprint it) and/or a certificate. */
    void credentials(@Nullable String token, boolean certificate) {
      this.token = token;
      this.credential = token != null && certificate ? AuditEvent.Credential.BOTH
          : token != null ? AuditEvent.Credential.JWT : certificate ? AuditEvent.Credential.X509 : null;
    }
  }

  /** A request refused before any rule: its raw path (the request URI as sent) is not in normal form. */
  void nonNormalizedPath(Exchange exchange) {
    record(event(AuditEvent.Decision.BAD_REQUEST, exchange).reason(NON_NORMALIZED_PATH));
  }

  /** A request a {@code public} rule let through without a credential; {@code decision} names the rule. */
  void publicPath(Exchange exchange, Decision decision) {
    record(event(AuditEvent.Decision.PUBLIC, exchange).rule(rule(decision.rule().orElse(null))));
  }

  /** A request with more than one Authorization header. */
  void multipleAuthorizationHeaders(Exchange exchange) {
    record(event(AuditEvent.Decision.BAD_REQUEST, exchange).reason(MULTIPLE_AUTHORIZATION_HEADERS));
  }

  /** A request without any credential. */
  void unauthenticated(Exchange exchange) {
    record(event(AuditEvent.Decision.UNAUTHENTICATED, exchange));
  }

  /**
   * A credential refused, with the rejection reason's name and what the credential claimed (unverified): the
   * caller's SPIFFE ID and the token's key id, each null when unreadable. The token is identified by its fingerprint.
   */
  void rejected(Exchange exchange, String reason, @Nullable String claimedCaller, @Nullable String claimedKeyId) {
    record(event(AuditEvent.Decision.REJECTED, exchange).reason(reason).caller(claimedCaller, false)
        .keyId(claimedKeyId).tokenHash(fingerprint(exchange)));
  }

  /**
   * A token and a client certificate naming different SPIFFE IDs. The token is verified, so its subject is recorded
   * as a verified caller, with its key id and token id.
   */
  void subjectMismatch(Exchange exchange, String tokenSubject, String keyId, @Nullable String tokenId) {
    record(event(AuditEvent.Decision.REJECTED, exchange).caller(tokenSubject, true).reason(SUBJECT_MISMATCH)
        .keyId(keyId).tokenId(tokenId).tokenHash(tokenId == null ? fingerprint(exchange) : null));
  }

  /** A request answered 503 because the trust bundle is unavailable; the outage is logged once per period. */
  void unavailable(Exchange exchange, BundleUnavailableException e) {
    unavailableWarning(e);
    record(event(AuditEvent.Decision.UNAVAILABLE, exchange).reason(BUNDLE_UNAVAILABLE)
        .tokenHash(fingerprint(exchange)));
  }

  /**
   * A policy decision on a verified caller, made from {@code match}: its trust-graph edge, and its event: allowed by
   * the decision's rule, insufficient scope on the caller's closest rule (reason {@code missing <scopes>}), or denied
   * with {@link #NO_MATCHING_RULE} when no rule matched the request, else {@link #NO_RULE_ALLOWS_CALLER}.
   */
  void decided(Exchange exchange, Authenticator.Authenticated caller, PolicyMatch match, Decision decision) {
    graph.record(caller.caller, match, decision);
    PolicyRule rule = decision.rule().orElse(null);
    switch (decision.outcome()) {
      case ALLOWED:
        record(callerEvent(AuditEvent.Decision.ALLOWED, exchange, caller, rule));
        return;
      case INSUFFICIENT_SCOPE:
        record(callerEvent(AuditEvent.Decision.INSUFFICIENT_SCOPE, exchange, caller, rule)
            .reason("missing " + String.join(" ", decision.missingScopes())));
        return;
      default:
        record(callerEvent(AuditEvent.Decision.DENIED, exchange, caller, null)
            .reason(match.isEmpty() ? NO_MATCHING_RULE : NO_RULE_ALLOWS_CALLER));
    }
  }

  /**
   * A verified caller the identity inventory lists as deploy-only, refused whatever policy says: its trust-graph edge
   * on no rule, and its event.
   */
  void deployOnly(Exchange exchange, Authenticator.Authenticated authenticated) {
    Caller caller = authenticated.caller;
    graph.record(caller.id(), null, caller.scopes(), TrustGraph.DEPLOY_ONLY_IDENTITY);
    record(callerEvent(AuditEvent.Decision.DENIED, exchange, authenticated, null).reason(DEPLOY_ONLY_IDENTITY));
  }

  private AuditEvent.Builder event(AuditEvent.Decision decision, Exchange exchange) {
    return AuditEvent.newBuilder(clock.instant(), decision).request(exchange.method, exchange.path).callee(callee)
        .traceId(exchange.traceId).credential(exchange.credential);
  }

  private AuditEvent.Builder callerEvent(AuditEvent.Decision decision, Exchange exchange,
      Authenticator.Authenticated authenticated, @Nullable PolicyRule rule) {
    Caller caller = authenticated.caller;
    String tokenId = caller.tokenId().orElse(null);
    return event(decision, exchange).caller(caller.id().toString(), true).tokenId(tokenId)
        .tokenHash(tokenId == null ? fingerprint(exchange) : null).keyId(authenticated.keyId)
        .scopesPresented(caller.scopes()).scopesRequired(rule == null ? List.of() : rule.scopes()).rule(rule(rule));
  }

  private static @Nullable String rule(@Nullable PolicyRule rule) {
    return rule == null ? null : rule.source() + ":" + rule.line();
  }

  private static @Nullable String fingerprint(Exchange exchange) {
    return exchange.token == null ? null : AuditEvent.tokenFingerprint(exchange.token);
  }

  private void record(AuditEvent.Builder event) {
    try {
      sink.record(event.build());
    } catch (RuntimeException e) {
      LOG.warn("the audit sink failed: {}", e.toString());
    }
  }

  /** Logs a bundle outage at WARN at most once per {@link #UNAVAILABLE_WARNING_PERIOD}, counting the rest. */
  private void unavailableWarning(BundleUnavailableException e) {
    long suppressed = unavailableSinceWarning.incrementAndGet() - 1;
    if (unavailableGate.open()) {
      unavailableSinceWarning.set(0);
      LOG.warn("trust bundle unavailable, answering 503 ({} more such requests since the last warning): {}",
          suppressed, e.getMessage());
    }
  }
}

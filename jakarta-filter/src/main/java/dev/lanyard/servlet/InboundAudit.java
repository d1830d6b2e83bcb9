package dev.lanyard.servlet;

import dev.lanyard.audit.AuditEvent;
import dev.lanyard.audit.AuditSink;
import dev.lanyard.policy.Caller;
import dev.lanyard.trust.BundleUnavailableException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Emits one audit event per inbound decision, with the reasons of the filter's outcome table, and logs a trust-bundle
 * outage at most once per period. A failing audit sink is logged and never fails the request. Events carry SPIFFE IDs,
 * token IDs and reasons, never token text.
 *
 * <p>Thread-safe: the sink must be; the outage counters are atomic.
 */
final class InboundAudit {
  /** The audit reason of a request refused because its raw path is not in normal form. */
  static final String NON_NORMALIZED_PATH = "NON_NORMALIZED_PATH";
  static final String MULTIPLE_AUTHORIZATION_HEADERS = "MULTIPLE_AUTHORIZATION_HEADERS";
  static final String SUBJECT_MISMATCH = "SUBJECT_MISMATCH";
  static final String BUNDLE_UNAVAILABLE = "BUNDLE_UNAVAILABLE";
  static final String NO_RULE_ALLOWS_CALLER = "NO_RULE_ALLOWS_CALLER";
  static final String DEPLOY_ONLY_IDENTITY = "DEPLOY_ONLY_IDENTITY";
  // The filter's log category, as before the split: operators filter on it.
  private static final Logger LOG = LoggerFactory.getLogger(LanyardFilter.class);
  private static final long UNAVAILABLE_WARNING_PERIOD = TimeUnit.SECONDS.toNanos(10);

  private final AuditSink sink;
  private final Clock clock;
  /** When the last "bundle unavailable" warning was logged (System.nanoTime), so an outage logs once per period. */
  private final AtomicLong lastUnavailableWarning = new AtomicLong(System.nanoTime() - UNAVAILABLE_WARNING_PERIOD);
  private final AtomicLong unavailableSinceWarning = new AtomicLong();

  InboundAudit(AuditSink sink, Clock clock) {
    this.sink = sink;
    this.clock = clock;
  }

  /** A request refused before any rule: its raw path (the request URI as sent) is not in normal form. */
  void nonNormalizedPath(String method, String requestUri) {
    record(AuditEvent.newBuilder(clock.instant(), AuditEvent.Decision.BAD_REQUEST).request(method, requestUri)
        .reason(NON_NORMALIZED_PATH));
  }

  /** A request a {@code public} rule let through without a credential. */
  void publicPath(String method, String path) {
    record(AuditEvent.newBuilder(clock.instant(), AuditEvent.Decision.PUBLIC).request(method, path));
  }

  /** A request with more than one Authorization header. */
  void multipleAuthorizationHeaders(String method, String path) {
    record(AuditEvent.newBuilder(clock.instant(), AuditEvent.Decision.BAD_REQUEST).request(method, path)
        .reason(MULTIPLE_AUTHORIZATION_HEADERS));
  }

  /** A request without any credential. */
  void unauthenticated(String method, String path) {
    record(AuditEvent.newBuilder(clock.instant(), AuditEvent.Decision.UNAUTHENTICATED).request(method, path));
  }

  /** A credential refused, with the rejection reason's name. */
  void rejected(String method, String path, String reason) {
    record(AuditEvent.newBuilder(clock.instant(), AuditEvent.Decision.REJECTED).request(method, path).reason(reason));
  }

  /** A token and a client certificate naming different SPIFFE IDs; the token's subject is recorded. */
  void subjectMismatch(String method, String path, String tokenSubject) {
    record(AuditEvent.newBuilder(clock.instant(), AuditEvent.Decision.REJECTED).request(method, path)
        .caller(tokenSubject, true).reason(SUBJECT_MISMATCH));
  }

  /** A request answered 503 because the trust bundle is unavailable; the outage is logged once per period. */
  void unavailable(String method, String path, BundleUnavailableException e) {
    unavailableWarning(e);
    record(AuditEvent.newBuilder(clock.instant(), AuditEvent.Decision.UNAVAILABLE).request(method, path)
        .reason(BUNDLE_UNAVAILABLE));
  }

  /** A caller the policy allowed, by the rule {@code source:line}. */
  void allowed(Caller caller, String method, String path, @Nullable String rule) {
    record(callerEvent(AuditEvent.Decision.ALLOWED, caller, method, path, rule));
  }

  /** A caller allowed by a rule but missing scopes. */
  void insufficientScope(Caller caller, String method, String path, @Nullable String rule, List<String> missing) {
    record(callerEvent(AuditEvent.Decision.INSUFFICIENT_SCOPE, caller, method, path, rule)
        .reason("missing " + String.join(" ", missing)));
  }

  /** A caller no rule allows. */
  void denied(Caller caller, String method, String path, @Nullable String rule) {
    record(callerEvent(AuditEvent.Decision.DENIED, caller, method, path, rule).reason(NO_RULE_ALLOWS_CALLER));
  }

  /** A verified caller the identity inventory lists as deploy-only: refused whatever policy says. */
  void deployOnly(Caller caller, String method, String path) {
    record(callerEvent(AuditEvent.Decision.DENIED, caller, method, path, null).reason(DEPLOY_ONLY_IDENTITY));
  }

  private AuditEvent.Builder callerEvent(AuditEvent.Decision decision, Caller caller, String method, String path,
      @Nullable String rule) {
    return AuditEvent.newBuilder(clock.instant(), decision).request(method, path)
        .caller(caller.id().toString(), true).tokenId(caller.tokenId().orElse(null)).rule(rule);
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
    long last = lastUnavailableWarning.get();
    long now = System.nanoTime();
    if (now - last >= UNAVAILABLE_WARNING_PERIOD && lastUnavailableWarning.compareAndSet(last, now)) {
      unavailableSinceWarning.set(0);
      LOG.warn("trust bundle unavailable, answering 503 ({} more such requests since the last warning): {}",
          suppressed, e.getMessage());
    }
  }
}

package dev.lanyard.spring;

import dev.lanyard.audit.AuditSink;
import dev.lanyard.servlet.LanyardFilter;
import dev.lanyard.trust.BundleSource;
import java.time.Clock;

/**
 * Inbound verification as configured: the servlet filter (verification and policy, with the outcome table of
 * {@link LanyardFilter}), the realm of challenges, and the audit sink, shared by the plain servlet registration and
 * the Spring Security bridge.
 */
final class LanyardInbound {
  private final LanyardFilter filter;
  private final String realm;
  private final AuditSink audit;
  private final Clock clock;

  private LanyardInbound(LanyardFilter filter, String realm, AuditSink audit, Clock clock) {
    this.filter = filter;
    this.realm = realm;
    this.audit = audit;
    this.clock = clock;
  }

  static LanyardInbound create(LanyardSettings settings, BundleSource bundles, LanyardIdentity identity,
      AuditSink audit) {
    Clock clock = Clock.systemUTC();
    LanyardFilter.Builder builder = LanyardFilter.newBuilder()
        .trustDomain(settings.trustDomain())
        .audience(settings.audience())
        .bundleSource(bundles)
        .policySupplier(settings.policy().supplier())
        .maxTokenLifetime(settings.maxTokenLifetime())
        .clockSkew(settings.clockSkew())
        .clock(clock)
        .auditSink(audit);
    identity.revocations().ifPresent(builder::revocations);
    return new LanyardInbound(builder.build(), settings.trustDomain().name(), audit, clock);
  }

  LanyardFilter filter() {
    return filter;
  }

  /** The realm of {@code Bearer} challenges: the trust domain's name. */
  String realm() {
    return realm;
  }

  AuditSink audit() {
    return audit;
  }

  Clock clock() {
    return clock;
  }

  @Override
  public String toString() {
    return "LanyardInbound[" + realm + "]";
  }
}

package dev.lanyard.spring;

import dev.lanyard.audit.AuditSink;
import dev.lanyard.servlet.LanyardFilter;
import dev.lanyard.trust.BundleSource;
import java.time.Clock;

/**
 * Inbound verification as configured: the servlet filter (verification and policy, with the outcome table of
 * {@link LanyardFilter}), the realm of challenges, and the audit sink, shared by the plain servlet registration and
 * the Spring Security bridge. The filter is built from the same {@code InboundSettings} the servlet filter's init-params
 * map onto.
 *
 * <p>Thread-safe: immutable.
 */
final class LanyardInbound {
  private final LanyardFilter filter;
  private final String realm;
  private final AuditSink audit;
  private final Clock clock;
  private final boolean allowUnnormalizedPaths;

  private LanyardInbound(LanyardFilter filter, String realm, AuditSink audit, Clock clock,
      boolean allowUnnormalizedPaths) {
    this.filter = filter;
    this.realm = realm;
    this.audit = audit;
    this.clock = clock;
    this.allowUnnormalizedPaths = allowUnnormalizedPaths;
  }

  static LanyardInbound create(LanyardSettings settings, BundleSource bundles, LanyardIdentity identity,
      AuditSink audit) {
    Clock clock = Clock.systemUTC();
    LanyardFilter.Builder builder = settings.inbound().newFilterBuilder()
        .bundleSource(bundles)
        .policySupplier(settings.policy().supplier())
        .clock(clock)
        .auditSink(audit);
    identity.revocations().ifPresent(builder::revocations);
    return new LanyardInbound(builder.build(), settings.inbound().realm(), audit, clock,
        settings.allowUnnormalizedPaths());
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

  /** True when {@code lanyard.allow-unnormalized-paths} is set. */
  boolean allowUnnormalizedPaths() {
    return allowUnnormalizedPaths;
  }

  @Override
  public String toString() {
    return "LanyardInbound[" + realm + "]";
  }
}

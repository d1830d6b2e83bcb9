package dev.lanyard.spring;

import dev.lanyard.audit.AuditSink;
import dev.lanyard.servlet.LanyardFilter;
import dev.lanyard.servlet.internal.ServletExchanges;
import dev.lanyard.trust.BundleSource;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.util.Set;

/**
 * Inbound verification as configured: the servlet filter (verification and policy, with the outcome table of
 * {@link LanyardFilter}), the realm of challenges, and the audit sink, shared by the plain servlet registration and
 * the Spring Security bridge. The filter is built from the same {@code InboundSettings} the servlet filter's init-params
 * map onto, with the Kubernetes token verifier of {@code lanyard.oidc.*} when issuers are set (the filter routes tokens
 * of those issuers to it). Paths of the bundle endpoint ({@code lanyard.bundle-endpoint.*}) are public: {@code GET}
 * and {@code HEAD} of exactly those paths, in normal form, pass without a credential.
 *
 * <p>Thread-safe: immutable.
 */
final class LanyardInbound {
  private final LanyardFilter filter;
  private final String realm;
  private final AuditSink audit;
  private final Clock clock;
  private final boolean allowUnnormalizedPaths;
  private final Set<String> publicPaths;

  private LanyardInbound(LanyardFilter filter, String realm, AuditSink audit, Clock clock,
      boolean allowUnnormalizedPaths, Set<String> publicPaths) {
    this.filter = filter;
    this.realm = realm;
    this.audit = audit;
    this.clock = clock;
    this.allowUnnormalizedPaths = allowUnnormalizedPaths;
    this.publicPaths = Set.copyOf(publicPaths);
  }

  static LanyardInbound create(LanyardSettings settings, BundleSource bundles, LanyardIdentity identity,
      AuditSink audit) {
    return create(settings, bundles, identity, audit, Set.of());
  }

  /** As {@link #create(LanyardSettings, BundleSource, LanyardIdentity, AuditSink)}, with public endpoint paths. */
  static LanyardInbound create(LanyardSettings settings, BundleSource bundles, LanyardIdentity identity,
      AuditSink audit, Set<String> publicPaths) {
    Clock clock = Clock.systemUTC();
    LanyardFilter.Builder builder = settings.inbound().newFilterBuilder()
        .bundleSource(bundles)
        .policySupplier(settings.policy().supplier())
        .clock(clock)
        .auditSink(audit);
    identity.revocations().ifPresent(builder::revocations);
    settings.oidcVerifier().ifPresent(builder::oidcVerifier);
    settings.inventory().ifPresent(builder::inventory);
    return new LanyardInbound(builder.build(), settings.inbound().realm(), audit, clock,
        settings.allowUnnormalizedPaths(), publicPaths);
  }

  LanyardFilter filter() {
    return filter;
  }

  /**
   * The filter to register in the servlet container: {@link #filter()}, in front of which, when there are public
   * endpoint paths, requests for them pass straight on.
   */
  Filter servletFilter() {
    if (publicPaths.isEmpty()) {
      return filter;
    }
    return (request, response, chain) -> {
      if (request instanceof HttpServletRequest && isPublicEndpoint((HttpServletRequest) request)) {
        chain.doFilter(request, response);
      } else {
        filter.doFilter(request, response, chain);
      }
    };
  }

  /**
   * True for a request of a public endpoint path: a {@code GET} or {@code HEAD} request (not a forward or include)
   * whose raw path is in normal form and whose path within the application is exactly one of those paths.
   */
  boolean isPublicEndpoint(HttpServletRequest request) {
    if (publicPaths.isEmpty() || request.getDispatcherType() != DispatcherType.REQUEST) {
      return false;
    }
    String method = request.getMethod();
    return ("GET".equals(method) || "HEAD".equals(method))
        && publicPaths.contains(ServletExchanges.pathOf(request)) && LanyardFilter.hasNormalPath(request);
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

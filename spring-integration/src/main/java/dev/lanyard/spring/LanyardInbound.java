package dev.lanyard.spring;

import dev.lanyard.audit.AuditEvent;
import dev.lanyard.audit.AuditSink;
import dev.lanyard.internal.Base64Url;
import dev.lanyard.internal.Json;
import dev.lanyard.policy.Caller;
import dev.lanyard.servlet.LanyardFilter;
import dev.lanyard.servlet.internal.ServletExchanges;
import dev.lanyard.trust.BundleSource;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
  /** The longest JWS header (base64url) read for its key id. */
  private static final int MAX_HEADER_LENGTH = 4096;
  private static final Logger LOG = LoggerFactory.getLogger(LanyardInbound.class);
  private static final String BEARER = "Bearer ";

  private final LanyardFilter filter;
  private final String realm;
  private final String callee;
  private final AuditSink audit;
  private final Clock clock;
  private final boolean allowUnnormalizedPaths;
  private final Set<String> publicPaths;

  private LanyardInbound(LanyardFilter filter, String realm, String callee, AuditSink audit, Clock clock,
      boolean allowUnnormalizedPaths, Set<String> publicPaths) {
    this.filter = filter;
    this.realm = realm;
    this.callee = callee;
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
    return new LanyardInbound(builder.build(), settings.inbound().realm(), settings.spiffeId().toString(), audit, clock,
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

  /**
   * The start of the audit event of a decision made by Spring Security (not by the filter, which audits its own):
   * time, this service's SPIFFE ID as the callee, the method, {@code path} and the W3C trace id of the request's
   * {@code traceparent} header, if valid.
   */
  AuditEvent.Builder event(AuditEvent.Decision decision, HttpServletRequest request, String path) {
    return AuditEvent.newBuilder(clock.instant(), decision).callee(callee).request(request.getMethod(), path)
        .traceId(AuditEvent.traceIdOf(request.getHeader("traceparent")));
  }

  /**
   * Adds the verified caller to {@code event}: its SPIFFE ID, credential type, presented scopes (sorted), token id, or
   * else the token's fingerprint, and the id of the key that signed its token (read from the token's header; the
   * filter verified the token with that key). Never the token.
   */
  static AuditEvent.Builder caller(AuditEvent.Builder event, Caller caller, HttpServletRequest request) {
    event.caller(caller.id().toString(), true).tokenId(caller.tokenId().orElse(null))
        .credential(credentialOf(caller.credentialType())).scopesPresented(new TreeSet<>(caller.scopes()));
    String token = caller.credentialType() == Caller.CredentialType.X509_SVID ? null : bearerToken(request);
    if (token != null) {
      if (caller.tokenId().isEmpty()) {
        event.tokenHash(AuditEvent.tokenFingerprint(token));
      }
      event.keyId(keyIdOf(token));
    }
    return event;
  }

  /** Records {@code event}; what the sink throws is logged (its type) and never fails the request. */
  void record(AuditEvent.Builder event) {
    try {
      audit.record(event.build());
    } catch (RuntimeException e) {
      LOG.warn("the audit sink failed: {}", e.getClass().getName());
    }
  }

  static AuditEvent.Credential credentialOf(Caller.CredentialType type) {
    switch (type) {
      case X509_SVID:
        return AuditEvent.Credential.X509;
      case JWT_SVID_AND_X509_SVID:
        return AuditEvent.Credential.BOTH;
      default:
        return AuditEvent.Credential.JWT;
    }
  }

  /** The bearer token of the request's one Authorization header, or null. */
  private static @Nullable String bearerToken(HttpServletRequest request) {
    String value = request.getHeader("Authorization");
    if (value == null || value.length() <= BEARER.length()
        || !value.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return null;
    }
    return value.substring(BEARER.length()).strip();
  }

  /** The {@code kid} of a compact JWS's protected header, or null when there is none or the header does not parse. */
  static @Nullable String keyIdOf(String token) {
    int dot = token.indexOf('.');
    if (dot <= 0 || dot > MAX_HEADER_LENGTH) {
      return null;
    }
    byte[] header = Base64Url.decode(token, 0, dot);
    if (header == null) {
      return null;
    }
    try {
      Object kid = Json.parseObject(new String(header, StandardCharsets.UTF_8), 2).get("kid");
      return kid instanceof String ? (String) kid : null;
    } catch (ParseException e) {
      return null;
    }
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

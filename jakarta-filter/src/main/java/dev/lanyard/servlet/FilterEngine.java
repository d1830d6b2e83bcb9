package dev.lanyard.servlet;

import dev.lanyard.graph.TrustGraph;
import dev.lanyard.jwt.JwtSvidRejectedException;
import dev.lanyard.policy.Caller;
import dev.lanyard.policy.Decision;
import dev.lanyard.policy.PolicyMatch;
import dev.lanyard.servlet.internal.ServletExchanges;
import dev.lanyard.trust.BundleUnavailableException;
import dev.lanyard.x509.X509SvidRejectedException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.security.cert.X509Certificate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request through the filter, step by step as Spring Security's resource server takes it: the raw path check, the
 * request's one policy match ({@link Authorization}; a {@code public} rule lets it through without a credential),
 * credential resolution ({@link CredentialResolver}), authentication ({@link Authenticator}), the deploy-only check and
 * the policy decision for the verified caller. Each refusal is answered by the {@link EntryPoint}; every outcome is
 * recorded once by {@link InboundAudit} (audit event and trust-graph edge). The steps decide; this class only orders
 * them.
 *
 * <p>Thread-safe: immutable, its parts thread-safe; shared by all request threads.
 */
final class FilterEngine {
  /** The W3C Trace Context header whose trace id audit events carry. */
  private static final String TRACEPARENT = "traceparent";
  // The filter's log category, as before the split: operators filter on it.
  private static final Logger LOG = LoggerFactory.getLogger(LanyardFilter.class);

  private final Authorization authorization;
  private final Authenticator authenticator;
  private final EntryPoint entryPoint;
  private final InboundAudit audit;
  private final boolean allowUnnormalizedPaths;
  private final AutoCloseable closeable;

  /**
   * @param allowUnnormalizedPaths true to let requests through whose raw path is not in normal form
   * @param closeable what {@link #close()} releases: bundle sources, the default audit queue
   */
  FilterEngine(Authorization authorization, Authenticator authenticator, EntryPoint entryPoint, InboundAudit audit,
      boolean allowUnnormalizedPaths, AutoCloseable closeable) {
    this.authorization = authorization;
    this.authenticator = authenticator;
    this.entryPoint = entryPoint;
    this.audit = audit;
    this.allowUnnormalizedPaths = allowUnnormalizedPaths;
    this.closeable = closeable;
  }

  /** The graph of the calls decided, as {@link InboundAudit} records them. */
  TrustGraph graph() {
    return audit.graph();
  }

  void filter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    String method = request.getMethod();
    String traceparent = request.getHeader(TRACEPARENT);
    if (!allowUnnormalizedPaths && !LanyardFilter.hasNormalPath(request)) {
      audit.nonNormalizedPath(new InboundAudit.Exchange(method, request.getRequestURI(), traceparent));
      entryPoint.nonNormalizedPath(response);
      return;
    }
    String path = ServletExchanges.pathOf(request);
    InboundAudit.Exchange exchange = new InboundAudit.Exchange(method, path, traceparent);
    PolicyMatch match = authorization.match(method, path);
    if (match.isPublic()) {
      audit.publicPath(exchange, match.decide(null));
      chain.doFilter(request, response);
      return;
    }
    Authenticator.Authenticated authenticated = authenticate(request, response, exchange);
    if (authenticated == null) {
      return;
    }
    Caller caller = authenticated.caller;
    if (authorization.isDeployOnly(caller)) {
      audit.deployOnly(exchange, authenticated);
      entryPoint.forbidden(response);
      return;
    }
    Decision decision = authorization.decide(match, caller);
    audit.decided(exchange, authenticated, match, decision);
    if (decision.outcome() == Decision.Outcome.ALLOWED) {
      request.setAttribute(LanyardFilter.CALLER_ATTRIBUTE, caller);
      chain.doFilter(new AuthenticatedRequest(request, caller), response);
    } else {
      entryPoint.refused(response, decision);
    }
  }

  /** The verified caller, or null when the request was refused (the refusal answered and audited). */
  private Authenticator.@Nullable Authenticated authenticate(HttpServletRequest request,
      HttpServletResponse response, InboundAudit.Exchange exchange) throws IOException {
    String token;
    try {
      token = CredentialResolver.bearerToken(request);
    } catch (CredentialResolver.MultipleAuthorizationHeadersException twoHeaders) {
      audit.multipleAuthorizationHeaders(exchange);
      entryPoint.multipleAuthorizationHeaders(response);
      return null;
    }
    X509Certificate[] certificates = CredentialResolver.clientCertificates(request);
    exchange.credentials(token, certificates != null);
    if (token == null && certificates == null) {
      audit.unauthenticated(exchange);
      entryPoint.unauthenticated(response);
      return null;
    }
    try {
      return authenticator.authenticate(token, certificates);
    } catch (JwtSvidRejectedException e) {
      Authenticator.Claimed claimed = token == null ? null : Authenticator.claimedByToken(token);
      audit.rejected(exchange, e.reason().name(), claimed == null ? null : claimed.subject,
          claimed == null ? null : claimed.keyId);
      entryPoint.rejected(response, e.reason().description());
    } catch (X509SvidRejectedException e) {
      Authenticator.Claimed claimed = token == null ? null : Authenticator.claimedByToken(token);
      audit.rejected(exchange, e.reason().name(),
          certificates == null ? null : Authenticator.claimedByCertificate(certificates),
          claimed == null ? null : claimed.keyId);
      entryPoint.rejected(response, e.reason().description());
    } catch (Authenticator.SubjectMismatchException e) {
      audit.subjectMismatch(exchange, e.tokenSubject(), e.keyId(), e.tokenId());
      entryPoint.subjectMismatch(response);
    } catch (BundleUnavailableException e) {
      audit.unavailable(exchange, e);
      entryPoint.unavailable(response);
    }
    return null;
  }

  /** Releases the bundle sources and the default audit queue; a failure is logged, never thrown. */
  void close() {
    try {
      closeable.close();
    } catch (Exception e) {
      LOG.debug("closing the bundle source failed: {}", e.toString());
    }
  }

  @Override
  public String toString() {
    return "FilterEngine[" + entryPoint + ", " + authorization + ", allowUnnormalizedPaths=" + allowUnnormalizedPaths
        + "]";
  }
}

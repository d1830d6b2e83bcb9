package dev.lanyard.servlet;

import dev.lanyard.audit.AuditEvent;
import dev.lanyard.audit.AuditSink;
import dev.lanyard.internal.Durations;
import dev.lanyard.internal.RequestPaths;
import dev.lanyard.jwt.JwtSvidRejectedException;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.jwt.VerifiedJwtSvid;
import dev.lanyard.policy.Caller;
import dev.lanyard.policy.Challenge;
import dev.lanyard.policy.Decision;
import dev.lanyard.policy.Policy;
import dev.lanyard.policy.PolicyException;
import dev.lanyard.policy.PolicyFile;
import dev.lanyard.policy.PolicyMatch;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.tls.PeerIdentity;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.BundleUnavailableException;
import dev.lanyard.trust.FileBundleSource;
import dev.lanyard.trust.HttpBundleSource;
import dev.lanyard.trust.RevocationList;
import dev.lanyard.x509.VerifiedX509Svid;
import dev.lanyard.x509.X509SvidRejectedException;
import dev.lanyard.x509.X509SvidVerifier;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Enumeration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies every inbound request and enforces request-time policy, deny by default.
 *
 * <p>Credentials: {@code Authorization: Bearer <JWT-SVID>} (exactly one header; never a query or form parameter)
 * and/or a TLS client certificate verified as an X.509-SVID; with both, the token's subject must equal the
 * certificate's SPIFFE ID. Outcomes:
 * <table>
 *   <caption>Responses</caption>
 *   <tr><th>case</th><th>status</th><th>{@code WWW-Authenticate}</th></tr>
 *   <tr><td>raw request path not in normal form ({@link #hasNormalPath}), checked before any rule</td><td>400</td>
 *       <td></td></tr>
 *   <tr><td>a {@code public} rule matches</td><td>passes, no credential needed</td><td></td></tr>
 *   <tr><td>no credential</td><td>401</td><td>{@code Bearer realm="<trust domain>"}</td></tr>
 *   <tr><td>credential rejected</td><td>401</td>
 *       <td>{@code Bearer error="invalid_token", error_description="<fixed text for the reason>"}</td></tr>
 *   <tr><td>caller not allowed, or no rule matches</td><td>403</td><td></td></tr>
 *   <tr><td>caller allowed, scopes missing</td><td>403</td>
 *       <td>{@code Bearer error="insufficient_scope", scope="<missing scopes>"}</td></tr>
 *   <tr><td>two Authorization headers</td><td>400</td><td>{@code Bearer error="invalid_request"}</td></tr>
 *   <tr><td>trust bundle unavailable beyond its bound</td><td>503</td><td></td></tr>
 * </table>
 * On success {@code request.getUserPrincipal().getName()} is the caller's SPIFFE ID and the request attribute
 * {@value #CALLER_ATTRIBUTE} holds the {@link Caller}. Every decision goes to the audit sink. Responses never carry a
 * stack trace or token text.
 *
 * <p>Init-params (for {@code web.xml}): {@code trust-domain} (required), {@code audience} (required), {@code bundle}
 * (a SPIFFE bundle file, re-read when it changes, or an https URL, refreshed; the filter does not start when the first
 * fetch does not complete within 5 s), {@code policy} (a policy file, re-read when it changes; a broken new version
 * keeps the old policy and logs an error), {@code max-token-lifetime} (default 1h, at most 24h), {@code clock-skew}
 * (default 30s, at most 5m), {@value #ALLOW_INSECURE_HTTP_BUNDLE} (INSECURE, default false: {@code true} accepts a
 * cleartext {@code http://} bundle URL, for tests only, with a WARN at start) and {@value #ALLOW_UNNORMALIZED_PATHS}
 * ({@code true} or {@code false}, default {@code false}; see {@link Builder#allowUnnormalizedPaths()}).
 */
public final class LanyardFilter implements Filter {
  /** The request attribute holding the verified {@link Caller}. */
  public static final String CALLER_ATTRIBUTE = "dev.lanyard.caller";
  /** Init-param: the trust domain whose bundle verifies callers. */
  public static final String TRUST_DOMAIN = "trust-domain";
  /** Init-param: the audience tokens must carry. */
  public static final String AUDIENCE = "audience";
  /** Init-param: a SPIFFE bundle file or http(s) URL. */
  public static final String BUNDLE = "bundle";
  /** Init-param: the policy file. */
  public static final String POLICY = "policy";
  /** Init-param: the longest token lifetime accepted. */
  public static final String MAX_TOKEN_LIFETIME = "max-token-lifetime";
  /** Init-param: the allowed clock skew. */
  public static final String CLOCK_SKEW = "clock-skew";
  /** Init-param: {@code true} to let requests through whose raw path is not in normal form (not recommended). */
  public static final String ALLOW_UNNORMALIZED_PATHS = "allow-unnormalized-paths";
  /**
   * Init-param, INSECURE: {@code true} accepts a cleartext {@code http://} bundle URL (default {@code false}: only
   * https). Anyone on the network path could replace the bundle; for tests only.
   */
  public static final String ALLOW_INSECURE_HTTP_BUNDLE = "allow-insecure-http-bundle";

  static final Duration DEFAULT_MAX_TOKEN_LIFETIME = Duration.ofHours(1);
  static final Duration MAX_MAX_TOKEN_LIFETIME = Duration.ofHours(24);
  static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);
  /** The audit reason of a request refused because its raw path is not in normal form. */
  static final String NON_NORMALIZED_PATH = "NON_NORMALIZED_PATH";
  private static final String CLIENT_CERTIFICATE_ATTRIBUTE = "jakarta.servlet.request.X509Certificate";
  private static final Logger LOG = LoggerFactory.getLogger(LanyardFilter.class);
  private static final long UNAVAILABLE_WARNING_PERIOD = TimeUnit.SECONDS.toNanos(10);

  private volatile Engine engine;

  /** For {@code web.xml}: configured from init-params in {@link #init(FilterConfig)}. */
  public LanyardFilter() {}

  private LanyardFilter(Engine engine) {
    this.engine = engine;
  }

  /** A builder for embedded containers, taking core objects. */
  public static Builder newBuilder() {
    return new Builder();
  }

  @Override
  public void init(FilterConfig config) throws ServletException {
    if (engine != null) {
      return;
    }
    try {
      engine = Engine.fromInitParams(config);
    } catch (InitParamException e) {
      throw new ServletException("Lanyard filter '" + config.getFilterName() + "': " + e.getMessage());
    }
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    Engine e = engine;
    if (e == null) {
      throw new ServletException("the Lanyard filter was not initialised");
    }
    if (!(request instanceof HttpServletRequest) || !(response instanceof HttpServletResponse)) {
      throw new ServletException("the Lanyard filter handles HTTP requests only");
    }
    e.filter((HttpServletRequest) request, (HttpServletResponse) response, chain);
  }

  @Override
  public void destroy() {
    Engine e = engine;
    if (e != null) {
      e.close();
    }
  }

  /** A configuration error naming the init-param. */
  private static final class InitParamException extends Exception {
    private static final long serialVersionUID = 1L;

    InitParamException(String param, String problem) {
      super("init-param '" + param + "': " + problem, null, false, false);
    }
  }

  /** The configured machinery. */
  private static final class Engine {
    final String realm;
    final JwtSvidVerifier jwtVerifier;
    final X509SvidVerifier x509Verifier;
    final Supplier<Policy> policy;
    final Clock clock;
    final AuditSink audit;
    final boolean allowUnnormalizedPaths;
    final AutoCloseable closeable;
    /** When the last "bundle unavailable" warning was logged (System.nanoTime), so an outage logs once per period. */
    private final AtomicLong lastUnavailableWarning = new AtomicLong(System.nanoTime() - UNAVAILABLE_WARNING_PERIOD);
    private final AtomicLong unavailableSinceWarning = new AtomicLong();

    Engine(String realm, JwtSvidVerifier jwtVerifier, X509SvidVerifier x509Verifier, Supplier<Policy> policy,
        Clock clock, AuditSink audit, boolean allowUnnormalizedPaths, AutoCloseable closeable) {
      this.realm = realm;
      this.jwtVerifier = jwtVerifier;
      this.x509Verifier = x509Verifier;
      this.policy = policy;
      this.clock = clock;
      this.audit = audit;
      this.allowUnnormalizedPaths = allowUnnormalizedPaths;
      this.closeable = closeable;
    }

    static Engine fromInitParams(FilterConfig config) throws InitParamException {
      TrustDomain trustDomain;
      try {
        trustDomain = TrustDomain.of(required(config, TRUST_DOMAIN));
      } catch (IllegalArgumentException e) {
        throw new InitParamException(TRUST_DOMAIN, e.getMessage());
      }
      String audience = required(config, AUDIENCE);
      Duration maxLifetime = duration(config, MAX_TOKEN_LIFETIME, DEFAULT_MAX_TOKEN_LIFETIME);
      if (maxLifetime.isZero() || maxLifetime.compareTo(MAX_MAX_TOKEN_LIFETIME) > 0) {
        throw new InitParamException(MAX_TOKEN_LIFETIME, "must be more than 0 and at most 24h");
      }
      Duration skew = duration(config, CLOCK_SKEW, DEFAULT_CLOCK_SKEW);
      if (skew.compareTo(JwtSvidVerifier.Builder.MAX_CLOCK_SKEW) > 0) {
        throw new InitParamException(CLOCK_SKEW, "must be at most 5m");
      }
      String bundle = required(config, BUNDLE);
      boolean allowInsecureHttp = flag(config, ALLOW_INSECURE_HTTP_BUNDLE);
      BundleSource bundleSource;
      AutoCloseable closeable = () -> { };
      try {
        String lower = bundle.toLowerCase(Locale.ROOT);
        if (lower.startsWith("https://") || lower.startsWith("http://")) {
          if (lower.startsWith("http://") && !allowInsecureHttp) {
            throw new InitParamException(BUNDLE, "'" + bundle + "' is cleartext http: bundles must come over https "
                + "(init-param '" + ALLOW_INSECURE_HTTP_BUNDLE + "' set to true allows http, for tests only)");
          }
          HttpBundleSource.Builder builder = HttpBundleSource.newBuilder(trustDomain, URI.create(bundle));
          if (allowInsecureHttp) {
            builder.allowInsecureHttp();
          }
          HttpBundleSource http = builder.build();
          bundleSource = http;
          closeable = http;
        } else {
          bundleSource = FileBundleSource.of(trustDomain, resolve(config, bundle));
        }
      } catch (RuntimeException e) {
        throw new InitParamException(BUNDLE, e.getMessage());
      }
      PolicyFile policyFile;
      try {
        policyFile = PolicyFile.watch(resolve(config, required(config, POLICY)));
      } catch (PolicyException e) {
        throw new InitParamException(POLICY, e.getMessage());
      }
      Builder builder = new Builder().trustDomain(trustDomain).audience(audience).bundleSource(bundleSource)
          .policyFile(policyFile).maxTokenLifetime(maxLifetime).clockSkew(skew);
      if (flag(config, ALLOW_UNNORMALIZED_PATHS)) {
        builder.allowUnnormalizedPaths();
      }
      return builder.engine(closeable);
    }

    private static String required(FilterConfig config, String name) throws InitParamException {
      String value = config.getInitParameter(name);
      if (value == null || value.isBlank()) {
        throw new InitParamException(name, "is required");
      }
      return value.strip();
    }

    private static boolean flag(FilterConfig config, String name) throws InitParamException {
      String value = config.getInitParameter(name);
      if (value == null || value.isBlank() || value.strip().equalsIgnoreCase("false")) {
        return false;
      }
      if (value.strip().equalsIgnoreCase("true")) {
        return true;
      }
      throw new InitParamException(name, "must be true or false");
    }

    private static Duration duration(FilterConfig config, String name, Duration fallback)
        throws InitParamException {
      String value = config.getInitParameter(name);
      if (value == null || value.isBlank()) {
        return fallback;
      }
      try {
        return Durations.parse(value);
      } catch (IllegalArgumentException e) {
        throw new InitParamException(name, e.getMessage());
      }
    }

    /** A path as given, or under the web application's root (e.g. {@code /WEB-INF/policy.txt}). */
    private static Path resolve(FilterConfig config, String value) {
      Path direct = Path.of(value);
      if (Files.exists(direct)) {
        return direct;
      }
      String real = config.getServletContext() == null ? null : config.getServletContext().getRealPath(value);
      return real != null && Files.exists(Path.of(real)) ? Path.of(real) : direct;
    }

    void filter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
        throws IOException, ServletException {
      String method = request.getMethod();
      if (!allowUnnormalizedPaths && !hasNormalPath(request)) {
        record(AuditEvent.newBuilder(clock.instant(), AuditEvent.Decision.BAD_REQUEST)
            .request(method, request.getRequestURI()).reason(NON_NORMALIZED_PATH));
        respond(response, Challenge.nonNormalizedPath());
        return;
      }
      String path = pathOf(request);
      PolicyMatch match = policy.get().match(method, path);
      if (match.isPublic()) {
        record(AuditEvent.newBuilder(clock.instant(), AuditEvent.Decision.PUBLIC).request(method, path));
        chain.doFilter(request, response);
        return;
      }
      String token;
      try {
        token = bearerToken(request);
      } catch (IllegalStateException twoHeaders) {
        record(AuditEvent.newBuilder(clock.instant(), AuditEvent.Decision.BAD_REQUEST).request(method, path)
            .reason("MULTIPLE_AUTHORIZATION_HEADERS"));
        respond(response, Challenge.invalidRequest("Send exactly one Authorization header"));
        return;
      }
      X509Certificate[] certificates = clientCertificates(request);
      if (token == null && certificates == null) {
        record(AuditEvent.newBuilder(clock.instant(), AuditEvent.Decision.UNAUTHENTICATED).request(method, path));
        respond(response, Challenge.unauthenticated(realm));
        return;
      }
      Caller caller;
      try {
        caller = authenticate(token, certificates);
      } catch (JwtSvidRejectedException e) {
        record(AuditEvent.newBuilder(clock.instant(), AuditEvent.Decision.REJECTED).request(method, path)
            .reason(e.reason().name()));
        rejected(response, e.reason().description());
        return;
      } catch (X509SvidRejectedException e) {
        record(AuditEvent.newBuilder(clock.instant(), AuditEvent.Decision.REJECTED).request(method, path)
            .reason(e.reason().name()));
        rejected(response, e.reason().description());
        return;
      } catch (MismatchException e) {
        record(AuditEvent.newBuilder(clock.instant(), AuditEvent.Decision.REJECTED).request(method, path)
            .caller(e.tokenSubject, true).reason("SUBJECT_MISMATCH"));
        rejected(response, "The token's subject does not match the client certificate");
        return;
      } catch (BundleUnavailableException e) {
        unavailableWarning(e);
        record(AuditEvent.newBuilder(clock.instant(), AuditEvent.Decision.UNAVAILABLE).request(method, path)
            .reason("BUNDLE_UNAVAILABLE"));
        respond(response, Challenge.unavailable());
        return;
      }
      Decision decision = match.decide(caller);
      String rule = decision.rule().map(r -> r.source() + ":" + r.line()).orElse(null);
      switch (decision.outcome()) {
        case ALLOWED:
          record(callerEvent(AuditEvent.Decision.ALLOWED, caller, method, path, rule));
          request.setAttribute(CALLER_ATTRIBUTE, caller);
          chain.doFilter(new AuthenticatedRequest(request, caller), response);
          return;
        case INSUFFICIENT_SCOPE:
          record(callerEvent(AuditEvent.Decision.INSUFFICIENT_SCOPE, caller, method, path, rule)
              .reason("missing " + String.join(" ", decision.missingScopes())));
          respond(response, Challenge.insufficientScope(decision.missingScopes()));
          return;
        default:
          record(callerEvent(AuditEvent.Decision.DENIED, caller, method, path, rule)
              .reason("NO_RULE_ALLOWS_CALLER"));
          respond(response, Challenge.forbidden());
      }
    }

    private AuditEvent.Builder callerEvent(AuditEvent.Decision decision, Caller caller, String method, String path,
        String rule) {
      return AuditEvent.newBuilder(clock.instant(), decision).request(method, path)
          .caller(caller.id().toString(), true).tokenId(caller.tokenId().orElse(null)).rule(rule);
    }

    private Caller authenticate(String token, X509Certificate[] certificates)
        throws JwtSvidRejectedException, X509SvidRejectedException, MismatchException {
      VerifiedJwtSvid jwt = token == null ? null : jwtVerifier.verify(token);
      VerifiedX509Svid x509 = certificates == null ? null : PeerIdentity.of(certificates, x509Verifier);
      if (jwt != null && x509 != null) {
        if (!jwt.subject().equals(x509.spiffeId())) {
          throw new MismatchException(jwt.subject().toString());
        }
        return new Caller(jwt.subject(), jwt.scopes(), Caller.CredentialType.JWT_SVID_AND_X509_SVID,
            jwt.tokenId().orElse(null));
      }
      if (jwt != null) {
        return new Caller(jwt.subject(), jwt.scopes(), Caller.CredentialType.JWT_SVID, jwt.tokenId().orElse(null));
      }
      return new Caller(x509.spiffeId(), java.util.Set.of(), Caller.CredentialType.X509_SVID, null);
    }

    private void rejected(HttpServletResponse response, String description) throws IOException {
      respond(response, Challenge.invalidToken(description));
    }

    private void record(AuditEvent.Builder event) {
      try {
        audit.record(event.build());
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

    void close() {
      try {
        closeable.close();
      } catch (Exception e) {
        LOG.debug("closing the bundle source failed: {}", e.toString());
      }
    }
  }

  /** Two credentials naming different SPIFFE IDs. */
  private static final class MismatchException extends Exception {
    private static final long serialVersionUID = 1L;
    final String tokenSubject;

    MismatchException(String tokenSubject) {
      super("subject mismatch", null, false, false);
      this.tokenSubject = tokenSubject;
    }
  }

  /**
   * The path within the application that policy decides on: servlet path plus path info (decoded and normalised by
   * the container). Public for other adapters.
   */
  public static String pathOf(HttpServletRequest request) {
    String servletPath = request.getServletPath();
    String pathInfo = request.getPathInfo();
    String path = (servletPath == null ? "" : servletPath) + (pathInfo == null ? "" : pathInfo);
    return path.isEmpty() ? "/" : path;
  }

  /**
   * True when the request's raw path is in normal form, so that every framework routes it to the path that policy
   * decides on: the request URI (as sent, still percent-encoded) has no dot segment, encoded dot, slash or backslash,
   * backslash, {@code ;} path parameter, empty segment, control character or bad percent-encoding, and the servlet
   * path plus path info (as the container decoded and normalised them) is exactly the rest of the request URI after
   * the context path, percent-decoded. Only a {@code REQUEST} dispatch is checked: forwards, includes and error pages
   * are the application's own. Allocates nothing. Public for other adapters.
   */
  public static boolean hasNormalPath(HttpServletRequest request) {
    if (request.getDispatcherType() != DispatcherType.REQUEST) {
      return true;
    }
    String uri = request.getRequestURI();
    if (uri == null || !RequestPaths.isNormal(uri)) {
      return false;
    }
    String context = request.getContextPath();
    int from = context == null ? 0 : context.length();
    if (from > 0 && (!uri.startsWith(context) || (uri.length() > from && uri.charAt(from) != '/'))) {
      return false;
    }
    return RequestPaths.decodesTo(uri, from, request.getServletPath(), request.getPathInfo());
  }

  /**
   * The bearer token of the one Authorization header, or null when there is none or it is not a Bearer credential.
   *
   * @throws IllegalStateException when the request has more than one Authorization header
   */
  static String bearerToken(HttpServletRequest request) {
    Enumeration<String> headers = request.getHeaders("Authorization");
    if (headers == null || !headers.hasMoreElements()) {
      return null;
    }
    String value = headers.nextElement();
    if (headers.hasMoreElements()) {
      throw new IllegalStateException("more than one Authorization header");
    }
    if (value == null || value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return value.substring(7).strip();
  }

  private static X509Certificate[] clientCertificates(HttpServletRequest request) {
    Object attribute = request.getAttribute(CLIENT_CERTIFICATE_ATTRIBUTE);
    if (attribute instanceof X509Certificate[] && ((X509Certificate[]) attribute).length > 0) {
      return (X509Certificate[]) attribute;
    }
    return null;
  }

  /** Writes a refusal: status, challenge, no-store, and the small JSON body. Public for other adapters. */
  public static void respond(HttpServletResponse response, Challenge challenge) throws IOException {
    response.resetBuffer();
    response.setStatus(challenge.status());
    challenge.wwwAuthenticate().ifPresent(value -> response.setHeader("WWW-Authenticate", value));
    response.setHeader("Cache-Control", "no-store");
    response.setContentType("application/json");
    response.setCharacterEncoding("UTF-8");
    byte[] body = challenge.body();
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  /** The request as the application sees it after authentication. */
  private static final class AuthenticatedRequest extends HttpServletRequestWrapper {
    private final Caller caller;
    private final Principal principal;

    AuthenticatedRequest(HttpServletRequest request, Caller caller) {
      super(request);
      this.caller = caller;
      String name = caller.id().toString();
      this.principal = new Principal() {
        @Override
        public String getName() {
          return name;
        }

        @Override
        public String toString() {
          return name;
        }
      };
    }

    @Override
    public Principal getUserPrincipal() {
      return principal;
    }

    @Override
    public String getRemoteUser() {
      return principal.getName();
    }

    @Override
    public String getAuthType() {
      return caller.credentialType() == Caller.CredentialType.X509_SVID ? CLIENT_CERT_AUTH : "BEARER";
    }

    @Override
    public boolean isUserInRole(String role) {
      return false;
    }
  }

  /**
   * Builds a {@link LanyardFilter} from core objects, for embedded containers and frameworks. Required: trust domain,
   * audience, bundle source, and a policy (fixed, a watched file, or any supplier).
   */
  public static final class Builder {
    private TrustDomain trustDomain;
    private String audience;
    private BundleSource bundleSource;
    private Supplier<Policy> policy;
    private Duration maxTokenLifetime = DEFAULT_MAX_TOKEN_LIFETIME;
    private Duration clockSkew = DEFAULT_CLOCK_SKEW;
    private Clock clock = Clock.systemUTC();
    private RevocationList revocations;
    private AuditSink audit = AuditSink.slf4j();
    private boolean allowUnnormalizedPaths;

    private Builder() {}

    private static void unset(Object current, String what) {
      if (current != null) {
        throw new IllegalStateException(what + " was already set");
      }
    }

    /** The trust domain whose bundle verifies callers (also the realm of challenges). */
    public Builder trustDomain(TrustDomain trustDomain) {
      unset(this.trustDomain, "trust domain");
      this.trustDomain = Objects.requireNonNull(trustDomain, "trustDomain");
      return this;
    }

    /** The audience tokens must carry (usually this service's SPIFFE ID). */
    public Builder audience(String audience) {
      unset(this.audience, "audience");
      this.audience = Objects.requireNonNull(audience, "audience");
      return this;
    }

    /** Where trust bundles come from. */
    public Builder bundleSource(BundleSource bundleSource) {
      unset(this.bundleSource, "bundle source");
      this.bundleSource = Objects.requireNonNull(bundleSource, "bundleSource");
      return this;
    }

    /** A fixed policy. Only one of policy, policyFile and policySupplier may be set. */
    public Builder policy(Policy policy) {
      Objects.requireNonNull(policy, "policy");
      return policySupplier(() -> policy);
    }

    /** A watched policy file. Only one of policy, policyFile and policySupplier may be set. */
    public Builder policyFile(PolicyFile policyFile) {
      Objects.requireNonNull(policyFile, "policyFile");
      return policySupplier(policyFile::current);
    }

    /**
     * Any source of the current policy (called once per request; must be fast). Only one of policy, policyFile and
     * policySupplier may be set.
     */
    public Builder policySupplier(Supplier<Policy> policy) {
      unset(this.policy, "the policy");
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** The longest token lifetime accepted (default 1 h, at most 24 h). */
    public Builder maxTokenLifetime(Duration maxTokenLifetime) {
      Objects.requireNonNull(maxTokenLifetime, "maxTokenLifetime");
      if (maxTokenLifetime.isNegative() || maxTokenLifetime.isZero()
          || maxTokenLifetime.compareTo(MAX_MAX_TOKEN_LIFETIME) > 0) {
        throw new IllegalArgumentException("maximum token lifetime must be more than 0 and at most 24h");
      }
      this.maxTokenLifetime = maxTokenLifetime;
      return this;
    }

    /** The allowed clock skew (default 30 s, at most 5 min). */
    public Builder clockSkew(Duration clockSkew) {
      Objects.requireNonNull(clockSkew, "clockSkew");
      if (clockSkew.isNegative() || clockSkew.compareTo(JwtSvidVerifier.Builder.MAX_CLOCK_SKEW) > 0) {
        throw new IllegalArgumentException("clock skew must be between 0 and 5m");
      }
      this.clockSkew = clockSkew;
      return this;
    }

    /** The clock (system UTC by default). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Revocations to honour (share the authority's or the process's list). */
    public Builder revocations(RevocationList revocations) {
      unset(this.revocations, "revocations");
      this.revocations = Objects.requireNonNull(revocations, "revocations");
      return this;
    }

    /** Where audit events go (SLF4J by default). */
    public Builder auditSink(AuditSink audit) {
      this.audit = Objects.requireNonNull(audit, "audit");
      return this;
    }

    /**
     * Lets requests through whose raw path is not in normal form (dot segments, encoded dots or slashes, {@code ;}
     * path parameters, {@code //}, control characters, bad percent-encoding, or a container path that is not the
     * raw path decoded). Not recommended: policy then decides on the container's normalised path, which frameworks
     * that route on the raw request URI (Spring MVC, JAX-RS) may not serve. Logged as a warning at start-up.
     */
    public Builder allowUnnormalizedPaths() {
      if (allowUnnormalizedPaths) {
        throw new IllegalStateException("allowUnnormalizedPaths was already set");
      }
      allowUnnormalizedPaths = true;
      return this;
    }

    /**
     * The filter.
     *
     * @throws IllegalStateException when a required setting is missing
     * @throws IllegalArgumentException when a setting is out of range
     */
    public LanyardFilter build() {
      return new LanyardFilter(engine(() -> { }));
    }

    Engine engine(AutoCloseable closeable) {
      if (trustDomain == null || audience == null || bundleSource == null || policy == null) {
        throw new IllegalStateException("trust domain, audience, bundle source and policy are required");
      }
      JwtSvidVerifier.Builder jwt = JwtSvidVerifier.newBuilder().bundleSource(bundleSource).audience(audience)
          .trustDomains(trustDomain).maxTokenLifetime(maxTokenLifetime).clockSkew(clockSkew).clock(clock);
      if (revocations != null) {
        jwt.revocations(revocations);
      }
      X509SvidVerifier x509 = X509SvidVerifier.newBuilder().bundleSource(bundleSource).trustDomains(trustDomain)
          .clock(clock).build();
      if (allowUnnormalizedPaths) {
        LOG.warn("Lanyard accepts request paths that are not in normal form ({}=true): policy decides on the "
            + "container's normalised path, which frameworks routing on the raw request URI may not serve",
            ALLOW_UNNORMALIZED_PATHS);
      }
      return new Engine(trustDomain.name(), jwt.build(), x509, policy, clock, audit, allowUnnormalizedPaths,
          closeable);
    }
  }
}

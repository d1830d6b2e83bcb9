package dev.lanyard.servlet;

import dev.lanyard.audit.AsyncAuditSink;
import dev.lanyard.audit.AuditSink;
import dev.lanyard.graph.TrustGraph;
import dev.lanyard.internal.RequestPaths;
import dev.lanyard.oidc.OidcTokenVerifier;
import dev.lanyard.policy.Caller;
import dev.lanyard.inventory.Inventory;
import dev.lanyard.policy.Policy;
import dev.lanyard.policy.PolicyFile;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.FederatedBundleSource;
import dev.lanyard.trust.RevocationList;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
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
 *   <tr><td>caller listed as deploy-only in the identity inventory (audit reason {@code DEPLOY_ONLY_IDENTITY}), whatever
 *       policy says</td><td>403</td><td></td></tr>
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
 * fetch does not complete within 5 s), {@value #BUNDLE_MAX_STALENESS} (how long the last good bundle from a URL is
 * served while refreshes fail, default 1h, at most 7d), {@code policy} (a policy file, re-read when it changes; a broken new version
 * keeps the old policy and logs an error), {@code max-token-lifetime} (default 1h, at most 24h), {@code clock-skew}
 * (default 30s, at most 5m), {@value #ALLOW_INSECURE_HTTP_BUNDLE} (INSECURE, default false: {@code true} accepts a
 * cleartext {@code http://} bundle URL, for tests only, with a WARN at start) and {@value #ALLOW_UNNORMALIZED_PATHS}
 * ({@code true} or {@code false}, default {@code false}; see {@link Builder#allowUnnormalizedPaths()}),
 * {@value #OIDC_ISSUERS}, {@value #OIDC_AUDIENCE}, {@value #OIDC_MAX_TOKEN_LIFETIME}, {@value #OIDC_TRUST_DOMAIN} and
 * {@value #OIDC_ALLOW_INSECURE_HTTP} (Kubernetes service-account tokens; see {@link Builder#oidcVerifier}),
 * {@value #INVENTORY} (an identity inventory file, read once at start; see {@link Builder#inventory}). Defaults and
 * bounds are those of {@link InboundSettings}. Federation: each {@code lanyard.federation.<trust domain>} init-param
 * (e.g. {@code lanyard.federation.partner.example}) names that trust domain's bundle, a file or an https URL with the
 * same rules as {@code bundle}; its callers are then accepted too, each verified only against its own trust domain's
 * bundle (see {@link FederatedBundleSource}), and policy rules name them by SPIFFE ID.
 *
 * <p>Audit: every request the filter decides gives exactly one {@link dev.lanyard.audit.AuditEvent} with the
 * callee (the same as the graph's), method, path, decision, reason, caller (verified, or as claimed by a refused
 * credential with {@code callerVerified=false}), credential type, token id (or the token's fingerprint when it has
 * none or was refused), key id, scopes presented and required, the deciding rule and the {@code traceparent} trace
 * id. A denial is {@code NO_MATCHING_RULE} when no rule matches the request, {@code NO_RULE_ALLOWS_CALLER} when rules
 * match but none allows the caller. Init-params {@value #AUDIT_ALLOWED_LEVEL} and {@value #AUDIT_ASYNC} shape the
 * default SLF4J sink.
 *
 * <p>Trust graph: every policy decision on a verified caller (allowed, not allowed, no rule, insufficient scope,
 * deploy-only) is recorded in the filter's {@link #trustGraph()}; refused credentials are not (their caller is only
 * claimed). Its callee is the audience when it is a SPIFFE ID of the filter's trust domain, else the trust domain's
 * ID; it keeps at most {@value #TRUST_GRAPH_MAX_EDGES} (init-param) edges, 10000 by default. {@link #init} publishes it as the servlet-context attribute
 * {@value #TRUST_GRAPH_ATTRIBUTE_PREFIX}{@code <filter name>} for {@link TrustGraphServlet}.
 *
 * <p>Thread-safe: configured once (by {@link #init} or its builder), then shared by all request threads.
 */
public final class LanyardFilter implements Filter {
  /**
   * Prefix of the servlet-context attribute, followed by the filter's name, under which {@link #init} publishes the
   * filter's {@link TrustGraph}.
   */
  public static final String TRUST_GRAPH_ATTRIBUTE_PREFIX = "dev.lanyard.trust-graph.";
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
  /**
   * Init-param: how long the last good bundle fetched from a URL is served while refreshes fail, e.g. {@code 30m}
   * (default 1h, at most 7d); beyond it requests that need the bundle get 503.
   */
  public static final String BUNDLE_MAX_STALENESS = "bundle-max-staleness";
  /**
   * Init-param: comma-separated OIDC issuer URLs (e.g. the Kubernetes API server's service-account issuer) whose
   * tokens are accepted as bearer credentials; unset, none are.
   */
  public static final String OIDC_ISSUERS = "oidc-issuers";
  /** Init-param: the audience OIDC tokens must carry (default: the {@code audience} init-param). */
  public static final String OIDC_AUDIENCE = "oidc-audience";
  /** Init-param: the longest OIDC token lifetime accepted (default 1h, at most 24h). */
  public static final String OIDC_MAX_TOKEN_LIFETIME = "oidc-max-token-lifetime";
  /** Init-param: the trust domain service accounts map into (default: the {@code trust-domain} init-param). */
  public static final String OIDC_TRUST_DOMAIN = "oidc-trust-domain";
  /** Init-param, INSECURE: {@code true} accepts cleartext {@code http://} OIDC issuers, for tests only. */
  public static final String OIDC_ALLOW_INSECURE_HTTP = "oidc-allow-insecure-http";
  /**
   * Init-param prefix: {@code lanyard.federation.<trust domain>} names the bundle (file or https URL, as
   * {@value #BUNDLE}) of a trust domain whose callers are also accepted, e.g. {@code lanyard.federation.partner.example}.
   */
  public static final String FEDERATION_PREFIX = "lanyard.federation.";
  /**
   * Init-param: an identity inventory file ({@code lanyard-inventory/1}, read once at start); callers it lists as
   * deploy-only are refused with 403.
   */
  public static final String INVENTORY = "inventory";
  /**
   * Init-param: the SLF4J level at which the default audit sink logs allowed and public decisions on logger
   * {@code lanyard.audit}: {@code TRACE}, {@code DEBUG} (the default), {@code INFO} or {@code OFF}. Refusals are
   * always logged at INFO, an unavailable bundle at WARN.
   */
  public static final String AUDIT_ALLOWED_LEVEL = "audit-allowed-level";
  /**
   * Init-param: {@code true} (the default) hands audit events to the SLF4J logger on a background thread through a
   * bounded queue, so a slow log appender never holds a request (when the queue is full events are dropped, counted
   * and warned about); {@code false} logs on the request thread.
   */
  public static final String AUDIT_ASYNC = "audit-async";
  /**
   * Init-param: how many events the asynchronous audit sink ({@link #AUDIT_ASYNC}) holds while the logger catches up
   * (default 8192, between 1 and 1000000); beyond it events are dropped, counted and warned about.
   */
  public static final String AUDIT_QUEUE_SIZE = "audit-queue-size";
  /**
   * Init-param: the most edges the filter's {@link #trustGraph()} keeps (default 10000); calls on new edges beyond it
   * are counted as overflow.
   */
  public static final String TRUST_GRAPH_MAX_EDGES = "trust-graph-max-edges";

  private static final Logger LOG = LoggerFactory.getLogger(LanyardFilter.class);

  private volatile @Nullable FilterEngine engine;

  /** For {@code web.xml}: configured from init-params in {@link #init(FilterConfig)}. */
  public LanyardFilter() {}

  private LanyardFilter(FilterEngine engine) {
    this.engine = engine;
  }

  /** A builder for embedded containers, taking core objects. */
  public static Builder newBuilder() {
    return new Builder();
  }

  @Override
  public void init(FilterConfig config) throws ServletException {
    FilterEngine e = engine;
    if (e == null) {
      try {
        e = InitParams.engine(config);
      } catch (InitParams.InitParamException ex) {
        throw new ServletException("Lanyard filter '" + config.getFilterName() + "': " + ex.getMessage());
      }
      engine = e;
    }
    config.getServletContext().setAttribute(TRUST_GRAPH_ATTRIBUTE_PREFIX + config.getFilterName(), e.graph());
  }

  /**
   * The graph of the calls this filter decided: one edge per verified caller and deciding rule, with counts and
   * denials by reason.
   *
   * @throws IllegalStateException when a filter configured by init-params was not initialised yet
   */
  public TrustGraph trustGraph() {
    FilterEngine e = engine;
    if (e == null) {
      throw new IllegalStateException("the Lanyard filter was not initialised");
    }
    return e.graph();
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    FilterEngine e = engine;
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
    FilterEngine e = engine;
    if (e != null) {
      e.close();
    }
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
   * Builds a {@link LanyardFilter} from core objects, for embedded containers and frameworks. Required: trust domain,
   * audience, bundle source, and a policy (fixed, a watched file, or any supplier). Defaults and bounds are those of
   * {@link InboundSettings}.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    private @Nullable TrustDomain trustDomain;
    private @Nullable String audience;
    private @Nullable BundleSource bundleSource;
    private @Nullable Supplier<Policy> policy;
    private Duration maxTokenLifetime = InboundSettings.DEFAULT_MAX_TOKEN_LIFETIME;
    private Duration clockSkew = InboundSettings.DEFAULT_CLOCK_SKEW;
    private Clock clock = Clock.systemUTC();
    private @Nullable RevocationList revocations;
    private @Nullable AuditSink audit;
    private boolean allowUnnormalizedPaths;
    private @Nullable OidcTokenVerifier oidcVerifier;
    private @Nullable Inventory inventory;
    private int trustGraphMaxEdges = TrustGraph.DEFAULT_MAX_EDGES;

    private Builder() {}

    private static void unset(@Nullable Object current, String what) {
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

    /**
     * Where trust bundles come from. A {@link FederatedBundleSource} (whose own trust domain must be this filter's)
     * also admits callers of the trust domains it federates with, each verified only by its own trust domain's bundle.
     */
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
      this.maxTokenLifetime = InboundSettings.checkMaxTokenLifetime(maxTokenLifetime);
      return this;
    }

    /** The allowed clock skew (default 30 s, at most 5 min). */
    public Builder clockSkew(Duration clockSkew) {
      this.clockSkew = InboundSettings.checkClockSkew(clockSkew);
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

    /**
     * Also accepts Kubernetes service-account tokens from the verifier's allowed OIDC issuers: a bearer token whose
     * {@code iss} is one of them goes to this verifier and names the caller by its mapped SPIFFE ID (no scopes);
     * every other token is verified as a JWT-SVID. None by default.
     */
    public Builder oidcVerifier(OidcTokenVerifier oidcVerifier) {
      unset(this.oidcVerifier, "OIDC verifier");
      this.oidcVerifier = Objects.requireNonNull(oidcVerifier, "oidcVerifier");
      return this;
    }

    /**
     * An identity inventory: a verified caller it lists as deploy-only (a CI pipeline's identity, not a runtime one)
     * is refused with 403 before policy is asked, audited as {@code DENIED} with reason {@code DEPLOY_ONLY_IDENTITY}.
     * None by default.
     */
    public Builder inventory(Inventory inventory) {
      unset(this.inventory, "inventory");
      this.inventory = Objects.requireNonNull(inventory, "inventory");
      return this;
    }

    /**
     * The most edges (caller and deciding rule pairs) the filter's {@link #trustGraph()} keeps, default
     * {@value TrustGraph#DEFAULT_MAX_EDGES}; calls on new edges beyond it are counted as overflow.
     *
     * @throws IllegalArgumentException when not positive
     */
    public Builder trustGraphMaxEdges(int maxEdges) {
      if (maxEdges < 1) {
        throw new IllegalArgumentException("the trust graph's edge cap must be positive, not " + maxEdges);
      }
      this.trustGraphMaxEdges = maxEdges;
      return this;
    }

    /**
     * Where audit events go, called on the request thread: wrap a sink that may be slow in
     * {@link AuditSink#async(AuditSink, int)}. By default, {@link AuditSink#slf4j()} behind an asynchronous queue of
     * {@value #DEFAULT_AUDIT_QUEUE} events that the filter closes when destroyed.
     */
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

    /** The queue capacity of the default audit sink. */
    static final int DEFAULT_AUDIT_QUEUE = 8192;

    FilterEngine engine(AutoCloseable resources) {
      if (trustDomain == null || audience == null || bundleSource == null || policy == null) {
        throw new IllegalStateException("trust domain, audience, bundle source and policy are required");
      }
      Authenticator authenticator = Authenticator.of(trustDomain, audience, bundleSource, maxTokenLifetime, clockSkew,
          clock, revocations, oidcVerifier);
      if (allowUnnormalizedPaths) {
        LOG.warn("Lanyard accepts request paths that are not in normal form ({}=true): policy decides on the "
            + "container's normalised path, which frameworks routing on the raw request URI may not serve",
            ALLOW_UNNORMALIZED_PATHS);
      }
      if (inventory != null) {
        LOG.info("Lanyard refuses callers the identity inventory lists as deploy-only: {}", inventory);
      }
      if (oidcVerifier != null) {
        LOG.info("Lanyard accepts Kubernetes service-account tokens from OIDC issuers {}", oidcVerifier.issuers());
      }
      AuditSink sink = audit;
      AutoCloseable closeable = resources;
      if (sink == null) {
        AsyncAuditSink async = AuditSink.async(AuditSink.slf4j(), DEFAULT_AUDIT_QUEUE);
        sink = async;
        closeable = () -> {
          try {
            resources.close();
          } finally {
            async.close();
          }
        };
      }
      TrustGraph graph = TrustGraph.newBuilder(InboundAudit.callee(trustDomain, audience)).maxEdges(trustGraphMaxEdges)
          .clock(clock).build();
      return new FilterEngine(new Authorization(policy, inventory), authenticator, new EntryPoint(trustDomain.name()),
          new InboundAudit(sink, clock, graph), allowUnnormalizedPaths, closeable);
    }
  }
}

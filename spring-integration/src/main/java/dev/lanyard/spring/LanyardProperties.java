package dev.lanyard.spring;

import dev.lanyard.servlet.InboundSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Lanyard's settings under {@code lanyard.*}. Plain values only: they are checked and turned into Lanyard's core
 * objects in one place when the application starts, and a bad value stops the start naming the property and why.
 *
 * <p>Not thread-safe: a JavaBean that Spring binds once at start-up, before any request.
 */
@ConfigurationProperties("lanyard")
public class LanyardProperties {
  /** Whether Lanyard is configured at all. */
  private boolean enabled = true;

  /**
   * The trust domain this service belongs to and accepts callers from, e.g. {@code example.org}. Defaults to the
   * trust domain of {@code lanyard.spiffe-id}.
   */
  private @Nullable String trustDomain;

  /** This service's own SPIFFE ID, e.g. {@code spiffe://example.org/payments}. Required. */
  private @Nullable String spiffeId;

  /** The audience inbound tokens must carry. Defaults to this service's SPIFFE ID. */
  private @Nullable String audience;

  /**
   * Where the trust bundle comes from: a SPIFFE bundle file (re-read when it changes) or an https bundle endpoint
   * (refreshed in the background; the application does not start when the first fetch does not complete within 5s).
   * Defaults to the identity source's own bundle (the embedded authority's).
   */
  private @Nullable String bundle;

  /**
   * INSECURE: whether {@code lanyard.bundle} may be a cleartext {@code http://} URL, whose bundle anyone on the network
   * path could replace. For tests only; logged as a WARN at start. Default false: only https.
   */
  private boolean allowInsecureHttpBundle;

  /**
   * How long the last good bundle fetched from an https {@code lanyard.bundle} URL is served while refreshes fail
   * (default 1h; more than 0, at most 7d). Beyond it, requests that need the bundle get 503 until a refresh succeeds.
   */
  private @Nullable Duration bundleMaxStaleness;

  /** The longest lifetime of an inbound token that is accepted (default 1h; more than 0, at most 24h). */
  private Duration maxTokenLifetime = InboundSettings.DEFAULT_MAX_TOKEN_LIFETIME;

  /** The clock skew allowed when checking the times in inbound tokens (default 30s, at most 5m). */
  private Duration clockSkew = InboundSettings.DEFAULT_CLOCK_SKEW;

  /**
   * Whether to let inbound requests through whose raw path is not in normal form (dot segments such as
   * {@code /admin/../health}, encoded dots or slashes, {@code ;} path parameters, {@code //}, control characters, bad
   * percent-encoding). By default such requests get 400 before any policy rule is consulted, because Spring MVC routes
   * on the raw path while the container hands policy a normalised one. Not recommended; logged as a warning.
   */
  private boolean allowUnnormalizedPaths;

  /** Where this service's own credentials come from. */
  private final Identity identity = new Identity();

  /** The embedded authority (used when {@code lanyard.identity.source=embedded}). */
  private final Authority authority = new Authority();

  /** This service's own X.509-SVID. */
  private final X509 x509 = new X509();

  /** The SPIFFE Workload API (used when {@code lanyard.identity.source=workload-api}). */
  private final WorkloadApi workloadApi = new WorkloadApi();

  private final Files files = new Files();

  /** Request-time policy: who may call which endpoint with which scopes. Deny by default. */
  private final Policy policy = new Policy();

  /** Outbound calls: the services this one calls, and what tokens to attach. */
  private final Client client = new Client();

  /** The bundle endpoint: this service's trust bundle, OIDC discovery and JWKS as public documents. */
  private final BundleEndpoint bundleEndpoint = new BundleEndpoint();

  /** Kubernetes service-account tokens from allow-listed OIDC issuers, accepted as callers besides JWT-SVIDs. */
  private final Oidc oidc = new Oidc();

  /** The identity inventory: deploy-only callers refused, and the embedded authority's issuance checked. */
  private final Inventory inventory = new Inventory();

  /** The audit trail of inbound decisions: log level of allowed calls, the in-memory ring, asynchronous delivery. */
  private final Audit audit = new Audit();

  /**
   * Federation: trust domain to its bundle, e.g. {@code lanyard.federation.partner.example=file:/etc/partner.json} or
   * {@code =https://partner.example/bundle} (same rules as {@code lanyard.bundle}). Callers of these trust domains are
   * accepted too, each verified only against its own trust domain's bundle; policy rules name them by SPIFFE ID.
   */
  private Map<String, String> federation = new LinkedHashMap<>();

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public @Nullable String getTrustDomain() {
    return trustDomain;
  }

  public void setTrustDomain(@Nullable String trustDomain) {
    this.trustDomain = trustDomain;
  }

  public @Nullable String getSpiffeId() {
    return spiffeId;
  }

  public void setSpiffeId(@Nullable String spiffeId) {
    this.spiffeId = spiffeId;
  }

  public @Nullable String getAudience() {
    return audience;
  }

  public void setAudience(@Nullable String audience) {
    this.audience = audience;
  }

  public @Nullable String getBundle() {
    return bundle;
  }

  public void setBundle(@Nullable String bundle) {
    this.bundle = bundle;
  }

  public boolean isAllowInsecureHttpBundle() {
    return allowInsecureHttpBundle;
  }

  public void setAllowInsecureHttpBundle(boolean allowInsecureHttpBundle) {
    this.allowInsecureHttpBundle = allowInsecureHttpBundle;
  }

  public @Nullable Duration getBundleMaxStaleness() {
    return bundleMaxStaleness;
  }

  public void setBundleMaxStaleness(@Nullable Duration bundleMaxStaleness) {
    this.bundleMaxStaleness = bundleMaxStaleness;
  }

  public Duration getMaxTokenLifetime() {
    return maxTokenLifetime;
  }

  public void setMaxTokenLifetime(Duration maxTokenLifetime) {
    this.maxTokenLifetime = maxTokenLifetime;
  }

  public Duration getClockSkew() {
    return clockSkew;
  }

  public void setClockSkew(Duration clockSkew) {
    this.clockSkew = clockSkew;
  }

  public boolean isAllowUnnormalizedPaths() {
    return allowUnnormalizedPaths;
  }

  public void setAllowUnnormalizedPaths(boolean allowUnnormalizedPaths) {
    this.allowUnnormalizedPaths = allowUnnormalizedPaths;
  }

  public Identity getIdentity() {
    return identity;
  }

  public Authority getAuthority() {
    return authority;
  }

  public X509 getX509() {
    return x509;
  }

  public Files getFiles() {
    return files;
  }

  public WorkloadApi getWorkloadApi() {
    return workloadApi;
  }

  public Policy getPolicy() {
    return policy;
  }

  public Map<String, String> getFederation() {
    return federation;
  }

  public void setFederation(Map<String, String> federation) {
    this.federation = federation;
  }

  public Client getClient() {
    return client;
  }

  public BundleEndpoint getBundleEndpoint() {
    return bundleEndpoint;
  }

  public Oidc getOidc() {
    return oidc;
  }

  public Inventory getInventory() {
    return inventory;
  }

  public Audit getAudit() {
    return audit;
  }

  /** Where the service's own SVIDs come from. */
  public enum Source {
    /** An authority inside this JVM (development, tests, a single host). */
    EMBEDDED,
    /** A SPIRE agent through the SPIFFE Workload API (needs {@code dev.lanyard:lanyard-workload-api}). */
    WORKLOAD_API,
    /** SVID, key, bundle and token files kept current by another process (spiffe-helper, csi-driver-spiffe). */
    FILES
  }

  /** Settings of the identity source. */
  public static class Identity {
    /**
     * Where this service's own credentials come from: {@code embedded}, {@code workload-api} or {@code files}. A
     * {@code LanyardIdentity} bean of the application replaces the built-in source.
     */
    private Source source = Source.EMBEDDED;

    public Source getSource() {
      return source;
    }

    public void setSource(Source source) {
      this.source = source;
    }
  }

  /** Settings of the embedded authority. */
  public static class Authority {
    /**
     * A directory to persist the embedded authority in (keys 0600): opened when it holds one, created otherwise.
     * Services sharing it trust each other. In memory only when not set.
     */
    private @Nullable String dir;

    public @Nullable String getDir() {
      return dir;
    }

    public void setDir(@Nullable String dir) {
      this.dir = dir;
    }
  }

  /** Settings of this service's own X.509-SVID ({@code lanyard.x509.*}). */
  public static class X509 {
    /**
     * DNS names added as DNS SANs to this service's X.509-SVID (embedded authority only), so that clients checking
     * host names (curl, browsers) accept it, e.g. {@code localhost}, {@code payments.internal}. A wildcard only as
     * the whole leftmost label of at least three ({@code *.example.org}); no IP addresses.
     */
    private List<String> dnsNames = new ArrayList<>();

    public List<String> getDnsNames() {
      return dnsNames;
    }

    public void setDnsNames(List<String> dnsNames) {
      this.dnsNames = dnsNames;
    }
  }

  /** Files a sidecar keeps current, for {@code lanyard.identity.source=files}. */
  public static class Files {
    /**
     * The X.509-SVID's PEM certificate chain, leaf first (spiffe-helper svid.pem, csi-driver-spiffe tls.crt).
     * Required.
     */
    private @Nullable String certificate;

    /** The SVID's PEM private key, PKCS#8, SEC1 or PKCS#1 (svid_key.pem, tls.key). Required. */
    private @Nullable String key;

    /** The trust domain's X.509 roots, PEM or SPIFFE bundle JSON (svid_bundle.pem, ca.crt). Required. */
    private @Nullable String bundle;

    /** A file holding this service's JWT-SVID (spiffe-helper jwt_svid.token), served for its audiences. Optional. */
    private @Nullable String jwtToken;

    /** The trust domain's SPIFFE bundle (JSON) with the JWT keys that verify callers' tokens. Optional. */
    private @Nullable String jwtBundle;

    public @Nullable String getCertificate() {
      return certificate;
    }

    public void setCertificate(@Nullable String certificate) {
      this.certificate = certificate;
    }

    public @Nullable String getKey() {
      return key;
    }

    public void setKey(@Nullable String key) {
      this.key = key;
    }

    public @Nullable String getBundle() {
      return bundle;
    }

    public void setBundle(@Nullable String bundle) {
      this.bundle = bundle;
    }

    public @Nullable String getJwtToken() {
      return jwtToken;
    }

    public void setJwtToken(@Nullable String jwtToken) {
      this.jwtToken = jwtToken;
    }

    public @Nullable String getJwtBundle() {
      return jwtBundle;
    }

    public void setJwtBundle(@Nullable String jwtBundle) {
      this.jwtBundle = jwtBundle;
    }
  }

  /** Settings of the SPIFFE Workload API client. */
  public static class WorkloadApi {
    /**
     * The agent's socket, e.g. {@code unix:/run/spire/sockets/agent.sock}. Defaults to the environment variable
     * {@code SPIFFE_ENDPOINT_SOCKET}.
     */
    private @Nullable String socket;

    /**
     * How long the start waits for the agent's first X.509-SVID and bundles, and a JWT-SVID fetch may take (default
     * 10s; more than 0, at most 5m).
     */
    private Duration timeout = Duration.ofSeconds(10);

    public @Nullable String getSocket() {
      return socket;
    }

    public void setSocket(@Nullable String socket) {
      this.socket = socket;
    }

    public Duration getTimeout() {
      return timeout;
    }

    public void setTimeout(Duration timeout) {
      this.timeout = timeout;
    }
  }

  /**
   * Settings of the Kubernetes service-account token verifier: a bearer token whose {@code iss} is one of the issuers
   * is verified against that issuer's OIDC discovery and JWKS, and its {@code system:serviceaccount:<ns>:<sa>} subject
   * names the caller {@code spiffe://<trust domain>/ns/<ns>/sa/<sa>}. Off while no issuer is set.
   */
  public static class Oidc {
    /**
     * The allowed issuers, exactly as tokens carry them in {@code iss}, e.g. {@code https://kubernetes.default.svc}.
     */
    private List<String> issuers = new ArrayList<>();

    /** The audience tokens must carry; defaults to {@code lanyard.audience}. */
    private @Nullable String audience;

    /** The longest token lifetime accepted, {@code exp - iat} (default 1h; more than 0, at most 24h). */
    private @Nullable Duration maxTokenLifetime;

    /** The trust domain service accounts map into; defaults to {@code lanyard.trust-domain}. */
    private @Nullable String trustDomain;

    /** Allows issuers with cleartext {@code http} URLs. For tests only. */
    private boolean allowInsecureHttp;

    public List<String> getIssuers() {
      return issuers;
    }

    public void setIssuers(List<String> issuers) {
      this.issuers = issuers;
    }

    public @Nullable String getAudience() {
      return audience;
    }

    public void setAudience(@Nullable String audience) {
      this.audience = audience;
    }

    public @Nullable Duration getMaxTokenLifetime() {
      return maxTokenLifetime;
    }

    public void setMaxTokenLifetime(@Nullable Duration maxTokenLifetime) {
      this.maxTokenLifetime = maxTokenLifetime;
    }

    public @Nullable String getTrustDomain() {
      return trustDomain;
    }

    public void setTrustDomain(@Nullable String trustDomain) {
      this.trustDomain = trustDomain;
    }

    public boolean isAllowInsecureHttp() {
      return allowInsecureHttp;
    }

    public void setAllowInsecureHttp(boolean allowInsecureHttp) {
      this.allowInsecureHttp = allowInsecureHttp;
    }
  }

  /** Settings of the request-time policy; set the file or the rules, not both. */
  public static class Policy {
    /**
     * A policy file, e.g. {@code classpath:lanyard-policy.txt} or {@code file:/etc/lanyard/policy.txt}. A file on
     * the file system is re-read when it changes.
     */
    private @Nullable String file;

    /**
     * Policy rules, one per entry: {@code METHODS PATH CALLERS [SCOPES]}, e.g.
     * {@code POST /charge spiffe://example.org/orders payments:charge}.
     */
    private List<String> rules = new ArrayList<>();

    public @Nullable String getFile() {
      return file;
    }

    public void setFile(@Nullable String file) {
      this.file = file;
    }

    public List<String> getRules() {
      return rules;
    }

    public void setRules(List<String> rules) {
      this.rules = rules;
    }
  }

  /** The identity inventory ({@code lanyard.inventory.*}). */
  public static class Inventory {
    /**
     * An identity inventory file ({@code lanyard-inventory/1} JSON, read once at start), e.g.
     * {@code file:/etc/lanyard/inventory.json} or {@code classpath:inventory.json}. Callers it lists as deploy-only
     * are refused with 403; the embedded authority refuses to issue for unlisted IDs and caps TTLs at the listed
     * maximum.
     */
    private @Nullable String file;

    public @Nullable String getFile() {
      return file;
    }

    public void setFile(@Nullable String file) {
      this.file = file;
    }
  }

  /**
   * The audit trail ({@code lanyard.audit.*}): every inbound decision goes to the SLF4J logger {@code lanyard.audit}
   * and to every {@code AuditSink} bean, and the last ones to an in-memory ring served by the actuator endpoint.
   */
  public static class Audit {
    /**
     * The level at which allowed and public decisions are logged on {@code lanyard.audit}: {@code TRACE},
     * {@code DEBUG} (default), {@code INFO} or {@code OFF}. Refusals are logged at INFO, 503s at WARN.
     */
    private String allowedLevel = "DEBUG";

    /**
     * How many of the last decisions (and, separately, authority events) to keep in memory for the actuator endpoint
     * ({@code /actuator/lanyard/audit}); 0 keeps none. Default 1000, at most 1000000.
     */
    private int ringSize = 1000;

    /**
     * Whether the SLF4J logger and the {@code AuditSink} beans receive events on a separate thread (default true), so
     * that a slow or failing sink never delays or fails a request; events beyond a queue of {@code queue-size} are
     * dropped and counted. {@code false} calls them on the request thread.
     */
    private boolean async = true;

    /**
     * How many events the asynchronous delivery ({@code lanyard.audit.async=true}) holds for the SLF4J logger and the
     * {@code AuditSink} beans while they catch up; beyond it events are dropped, counted and warned about once a
     * minute. Default 8192, between 1 and 1000000.
     */
    private int queueSize = 8192;

    public String getAllowedLevel() {
      return allowedLevel;
    }

    public void setAllowedLevel(String allowedLevel) {
      this.allowedLevel = allowedLevel;
    }

    public int getRingSize() {
      return ringSize;
    }

    public void setRingSize(int ringSize) {
      this.ringSize = ringSize;
    }

    public boolean isAsync() {
      return async;
    }

    public void setAsync(boolean async) {
      this.async = async;
    }

    public int getQueueSize() {
      return queueSize;
    }

    public void setQueueSize(int queueSize) {
      this.queueSize = queueSize;
    }
  }

  /** Which servers a client using the SSL bundle {@code lanyard} accepts. */
  public enum ServerAuthorization {
    /**
     * A server at a target's address (host and port of {@code lanyard.client.targets.<name>.url}) must present that
     * target's SPIFFE ID ({@code server-id}, by default the audience); other servers any SPIFFE ID of the trust domain.
     */
    TARGET,
    /**
     * Any workload of the trust domain, wherever the connection goes. Risky: a workload that can redirect a target's
     * traffic receives the target's token.
     */
    TRUST_DOMAIN
  }

  /** Settings of outbound calls. */
  public static class Client {
    /**
     * The services this one calls, by name. A request of a {@code RestClient} or {@code RestTemplate} built by Spring
     * Boot (HTTP service clients included) gets a token only when its URL matches a target's URL (same scheme, host and
     * port, and a path under the target's path).
     */
    private Map<String, Target> targets = new LinkedHashMap<>();

    /**
     * Which servers a client using the SSL bundle {@code lanyard} accepts: {@code target} (a server at a target's
     * host and port must present that target's SPIFFE ID, other servers any SPIFFE ID of the trust domain) or
     * {@code trust-domain} (any workload of the trust domain everywhere: a workload that can redirect a target's
     * traffic gets its token; logged at WARN).
     */
    private ServerAuthorization serverAuthorization = ServerAuthorization.TARGET;

    public ServerAuthorization getServerAuthorization() {
      return serverAuthorization;
    }

    public void setServerAuthorization(ServerAuthorization serverAuthorization) {
      this.serverAuthorization = serverAuthorization;
    }

    public Map<String, Target> getTargets() {
      return targets;
    }

    public void setTargets(Map<String, Target> targets) {
      this.targets = targets;
    }
  }

  /** A service this one calls. */
  public static class Target {
    /**
     * The base URL of the target, e.g. {@code https://payments.internal:8443/api}. Required, unless the target takes
     * the base URL of a Spring HTTP service group ({@code spring.http.serviceclient.<group>.base-url}): the group of
     * the target's name, or the one {@code service-group} names.
     */
    private @Nullable String url;

    /**
     * The HTTP service group ({@code @ImportHttpServices(group = ...)}) whose base URL,
     * {@code spring.http.serviceclient.<group>.base-url}, is the target's URL, so that it is written once. Defaults to
     * the target's name when {@code url} is not set; not together with {@code url}.
     */
    private @Nullable String serviceGroup;

    /** The audience of tokens for the target, usually its SPIFFE ID. Required. */
    private @Nullable String audience;

    /** The scopes to ask for in tokens for the target. */
    private List<String> scopes = new ArrayList<>();

    /**
     * The SPIFFE ID the target's server must present over TLS with the SSL bundle {@code lanyard}, e.g.
     * {@code spiffe://example.org/payments}. Defaults to the audience when that is a SPIFFE ID of the trust domain;
     * required for an https target otherwise (until it is set, the bundle refuses every server at the target's
     * address). Targets sharing a host and port must name the same server.
     */
    private @Nullable String serverId;

    public @Nullable String getUrl() {
      return url;
    }

    public void setUrl(@Nullable String url) {
      this.url = url;
    }

    public @Nullable String getServiceGroup() {
      return serviceGroup;
    }

    public void setServiceGroup(@Nullable String serviceGroup) {
      this.serviceGroup = serviceGroup;
    }

    public @Nullable String getAudience() {
      return audience;
    }

    public void setAudience(@Nullable String audience) {
      this.audience = audience;
    }

    public List<String> getScopes() {
      return scopes;
    }

    public void setScopes(List<String> scopes) {
      this.scopes = scopes;
    }

    public @Nullable String getServerId() {
      return serverId;
    }

    public void setServerId(@Nullable String serverId) {
      this.serverId = serverId;
    }
  }

  /**
   * Settings of the bundle endpoint: this service's trust bundle (the identity's, e.g. the embedded authority's) as a
   * SPIFFE bundle, OIDC discovery at {@code /.well-known/openid-configuration} and the JWKS, served at public paths
   * (no credential needed, whatever the policy says).
   */
  public static class BundleEndpoint {
    /** Whether to serve the bundle endpoint. Default false. */
    private boolean enabled;

    /** The path of the SPIFFE bundle (default {@code /.well-known/spiffe-bundle}). */
    private String path = "/.well-known/spiffe-bundle";

    /** The path of the JWKS, the discovery document's {@code jwks_uri} (default {@code /.well-known/jwks.json}). */
    private String jwksPath = "/.well-known/jwks.json";

    /**
     * The OIDC issuer of the discovery document, e.g. {@code https://oidc.example.org}: an https URL without query or
     * fragment. Default: the URL each request was made to (from its {@code Host} header): set it in production.
     */
    private @Nullable String issuer;

    /**
     * The refresh hint to serve ({@code spiffe_refresh_hint} and {@code Cache-Control: max-age}) instead of the
     * bundle's own (the embedded authority's is 5m); from 1s to 7d.
     */
    private @Nullable Duration refreshHint;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public String getPath() {
      return path;
    }

    public void setPath(String path) {
      this.path = path;
    }

    public String getJwksPath() {
      return jwksPath;
    }

    public void setJwksPath(String jwksPath) {
      this.jwksPath = jwksPath;
    }

    public @Nullable String getIssuer() {
      return issuer;
    }

    public void setIssuer(@Nullable String issuer) {
      this.issuer = issuer;
    }

    public @Nullable Duration getRefreshHint() {
      return refreshHint;
    }

    public void setRefreshHint(@Nullable Duration refreshHint) {
      this.refreshHint = refreshHint;
    }
  }
}

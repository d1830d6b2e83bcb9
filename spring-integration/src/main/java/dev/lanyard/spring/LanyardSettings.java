package dev.lanyard.spring;

import dev.lanyard.authority.AuthorityStoreException;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.internal.RequestPaths;
import dev.lanyard.internal.ScopeTokens;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.policy.Policy;
import dev.lanyard.policy.PolicyException;
import dev.lanyard.policy.PolicyFile;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.tls.ServerAuthorizer;
import dev.lanyard.trust.BundleFormatException;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.BundleUnavailableException;
import dev.lanyard.trust.FileBundleSource;
import dev.lanyard.trust.HttpBundleSource;
import dev.lanyard.trust.TrustBundle;
import dev.lanyard.x509.PeerAuthorizer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;

/**
 * {@link LanyardProperties} checked and turned into Lanyard's core values and objects: the one place where properties
 * meet core builders. Every problem is an {@link InvalidConfigurationPropertyValueException} naming the property and
 * saying why, so that the application does not start.
 */
final class LanyardSettings {
  static final String TRUST_DOMAIN = "lanyard.trust-domain";
  static final String SPIFFE_ID = "lanyard.spiffe-id";
  static final String AUDIENCE = "lanyard.audience";
  static final String BUNDLE = "lanyard.bundle";
  static final String ALLOW_INSECURE_HTTP_BUNDLE = "lanyard.allow-insecure-http-bundle";
  static final String MAX_TOKEN_LIFETIME = "lanyard.max-token-lifetime";
  static final String CLOCK_SKEW = "lanyard.clock-skew";
  static final String ALLOW_UNNORMALIZED_PATHS = "lanyard.allow-unnormalized-paths";
  static final String IDENTITY_SOURCE = "lanyard.identity.source";
  static final String AUTHORITY_DIR = "lanyard.authority.dir";
  static final String POLICY_FILE = "lanyard.policy.file";
  static final String POLICY_RULES = "lanyard.policy.rules";
  static final String TARGETS = "lanyard.client.targets";
  static final String SERVER_AUTHORIZATION = "lanyard.client.server-authorization";

  static final Duration MAX_MAX_TOKEN_LIFETIME = Duration.ofHours(24);
  private static final String CLASSPATH_PREFIX = "classpath:";
  private static final String FILE_PREFIX = "file:";

  private final TrustDomain trustDomain;
  private final SpiffeId spiffeId;
  private final String audience;
  private final Duration maxTokenLifetime;
  private final Duration clockSkew;
  private final boolean allowUnnormalizedPaths;
  private final LanyardProperties.Source source;
  private final Path authorityDir;
  private final String bundle;
  private final boolean allowInsecureHttpBundle;
  private final ResourceLoader resources;
  private final PolicySource policy;
  private final List<ClientTarget> targets;
  private final LanyardProperties.ServerAuthorization serverAuthorization;
  private final ServerAuthorizer serverAuthorizer;

  private LanyardSettings(LanyardProperties p, ResourceLoader resources) {
    this.resources = resources;
    this.spiffeId = spiffeId(p);
    this.trustDomain = trustDomain(p, spiffeId);
    this.audience = blank(p.getAudience()) ? spiffeId.toString() : p.getAudience().strip();
    this.maxTokenLifetime = maxTokenLifetime(p.getMaxTokenLifetime());
    this.clockSkew = clockSkew(p.getClockSkew());
    this.allowUnnormalizedPaths = p.isAllowUnnormalizedPaths();
    this.source = p.getIdentity().getSource() == null ? LanyardProperties.Source.EMBEDDED : p.getIdentity().getSource();
    this.authorityDir = authorityDir(p.getAuthority().getDir());
    this.allowInsecureHttpBundle = p.isAllowInsecureHttpBundle();
    this.bundle = blank(p.getBundle()) ? null : checkBundle(p.getBundle().strip());
    this.policy = policy(p.getPolicy());
    this.targets = targets(p.getClient().getTargets(), trustDomain);
    this.serverAuthorization = p.getClient().getServerAuthorization() == null
        ? LanyardProperties.ServerAuthorization.TARGET : p.getClient().getServerAuthorization();
    this.serverAuthorizer = serverAuthorizer(targets, trustDomain, serverAuthorization);
  }

  /**
   * Checks every property.
   *
   * @throws InvalidConfigurationPropertyValueException naming the first bad property and why
   */
  static LanyardSettings of(LanyardProperties properties, ResourceLoader resources) {
    return new LanyardSettings(properties, resources);
  }

  TrustDomain trustDomain() {
    return trustDomain;
  }

  SpiffeId spiffeId() {
    return spiffeId;
  }

  String audience() {
    return audience;
  }

  Duration maxTokenLifetime() {
    return maxTokenLifetime;
  }

  Duration clockSkew() {
    return clockSkew;
  }

  /** True when {@code lanyard.allow-unnormalized-paths} relaxes the normal-form check of inbound paths. */
  boolean allowUnnormalizedPaths() {
    return allowUnnormalizedPaths;
  }

  PolicySource policy() {
    return policy;
  }

  List<ClientTarget> targets() {
    return targets;
  }

  /** {@code lanyard.client.server-authorization}. */
  LanyardProperties.ServerAuthorization serverAuthorization() {
    return serverAuthorization;
  }

  /**
   * Which servers clients using the SSL bundle {@code lanyard} accept: with {@code target}, a server at the host and
   * port of an https target must present its server ID (none when the target has none), any other server a SPIFFE ID
   * of the trust domain; with {@code trust-domain}, any workload of the trust domain everywhere.
   */
  ServerAuthorizer serverAuthorizer() {
    return serverAuthorizer;
  }

  /** The identity source as written in properties, e.g. {@code workload-api}. */
  String sourceName() {
    return source.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The embedded authority: opened from or persisted to {@code lanyard.authority.dir}, or in memory. */
  EmbeddedAuthority embeddedAuthority() {
    requireEmbeddedSource();
    if (authorityDir == null) {
      return EmbeddedAuthority.newBuilder(trustDomain).build();
    }
    EmbeddedAuthority authority;
    try {
      authority = Files.exists(authorityDir.resolve("authority.json")) ? EmbeddedAuthority.open(authorityDir)
          : EmbeddedAuthority.newBuilder(trustDomain).directory(authorityDir).build();
    } catch (AuthorityStoreException | IllegalArgumentException e) {
      throw invalid(AUTHORITY_DIR, authorityDir, e.getMessage());
    }
    if (!authority.trustDomain().equals(trustDomain)) {
      throw invalid(AUTHORITY_DIR, authorityDir, "holds an authority for trust domain '" + authority.trustDomain()
          + "', not '" + trustDomain + "' (" + TRUST_DOMAIN + ")");
    }
    return authority;
  }

  /** The identity backed by the embedded authority. */
  LanyardIdentity embeddedIdentity(EmbeddedAuthority authority) {
    requireEmbeddedSource();
    if (!authority.trustDomain().equals(trustDomain)) {
      throw invalid(TRUST_DOMAIN, trustDomain, "the EmbeddedAuthority bean issues for '" + authority.trustDomain()
          + "'");
    }
    return new EmbeddedIdentity(authority, spiffeId);
  }

  /** Fails unless the identity source is the embedded authority (the only one built in so far). */
  void requireEmbeddedSource() {
    if (source != LanyardProperties.Source.EMBEDDED) {
      throw invalid(IDENTITY_SOURCE, sourceName(), "'" + sourceName() + "' is not available yet: use 'embedded', "
          + "or declare a LanyardIdentity bean that provides this service's credentials");
    }
  }

  /** Fails when an identity bean of the application names another workload than {@code lanyard.spiffe-id}. */
  void checkIdentity(LanyardIdentity identity) {
    if (!identity.spiffeId().equals(spiffeId)) {
      throw invalid(SPIFFE_ID, spiffeId, "the LanyardIdentity bean is " + identity.spiffeId());
    }
  }

  /** Where callers' bundles come from: {@code lanyard.bundle}, or the identity's own. */
  BundleSource bundleSource(LanyardIdentity identity) {
    if (bundle == null) {
      return identity.bundles();
    }
    if (isHttp(bundle)) {
      try {
        HttpBundleSource.Builder builder = HttpBundleSource.newBuilder(trustDomain, URI.create(bundle));
        if (allowInsecureHttpBundle) {
          builder.allowInsecureHttp();
        }
        return builder.build();
      } catch (IllegalArgumentException | IllegalStateException | BundleUnavailableException e) {
        throw invalid(BUNDLE, bundle, e.getMessage());
      }
    }
    try {
      if (bundle.startsWith(CLASSPATH_PREFIX)) {
        Resource resource = resources.getResource(bundle);
        if (resource.isFile()) {
          return FileBundleSource.of(trustDomain, resource.getFile().toPath());
        }
        return BundleSource.of(TrustBundle.parse(trustDomain, read(resource)));
      }
      return FileBundleSource.of(trustDomain, filePath(BUNDLE, bundle));
    } catch (BundleFormatException | BundleUnavailableException e) {
      throw invalid(BUNDLE, bundle, e.getMessage());
    } catch (IOException e) {
      throw invalid(BUNDLE, bundle, "cannot be read: " + e.getMessage());
    }
  }

  private static SpiffeId spiffeId(LanyardProperties p) {
    String value = p.getSpiffeId();
    if (blank(value)) {
      throw invalid(SPIFFE_ID, null, "is required: this service's own SPIFFE ID, e.g. spiffe://example.org/payments");
    }
    SpiffeId id;
    try {
      id = SpiffeId.parse(value.strip());
    } catch (IllegalArgumentException e) {
      throw invalid(SPIFFE_ID, value, e.getMessage());
    }
    if (id.isTrustDomainId()) {
      throw invalid(SPIFFE_ID, value, "names a trust domain, not a workload: add a path, e.g. " + id + "/payments");
    }
    return id;
  }

  private static TrustDomain trustDomain(LanyardProperties p, SpiffeId id) {
    String value = p.getTrustDomain();
    if (blank(value)) {
      return id.trustDomain();
    }
    TrustDomain td;
    try {
      td = TrustDomain.of(value.strip());
    } catch (IllegalArgumentException e) {
      throw invalid(TRUST_DOMAIN, value, e.getMessage());
    }
    if (!id.isMemberOf(td)) {
      throw invalid(SPIFFE_ID, id, "is not in trust domain '" + td + "' (" + TRUST_DOMAIN + ")");
    }
    return td;
  }

  private static Duration maxTokenLifetime(Duration value) {
    if (value == null) {
      return JwtSvidVerifier.Builder.DEFAULT_MAX_TOKEN_LIFETIME;
    }
    if (value.isNegative() || value.isZero() || value.compareTo(MAX_MAX_TOKEN_LIFETIME) > 0) {
      throw invalid(MAX_TOKEN_LIFETIME, value, "must be more than 0 and at most 24h");
    }
    return value;
  }

  private static Duration clockSkew(Duration value) {
    if (value == null) {
      return JwtSvidVerifier.Builder.DEFAULT_CLOCK_SKEW;
    }
    if (value.isNegative() || value.compareTo(JwtSvidVerifier.Builder.MAX_CLOCK_SKEW) > 0) {
      throw invalid(CLOCK_SKEW, value, "must be between 0 and 5m");
    }
    return value;
  }

  private static Path authorityDir(String value) {
    if (blank(value)) {
      return null;
    }
    return filePath(AUTHORITY_DIR, value.strip());
  }

  private String checkBundle(String value) {
    if (isHttp(value)) {
      try {
        URI uri = new URI(value);
        if (uri.getHost() == null) {
          throw invalid(BUNDLE, value, "the URL has no host");
        }
        if ("http".equals(uri.getScheme().toLowerCase(Locale.ROOT)) && !allowInsecureHttpBundle) {
          throw invalid(BUNDLE, value, "is cleartext http: bundles must come over https (" + ALLOW_INSECURE_HTTP_BUNDLE
              + "=true allows http, for tests only)");
        }
      } catch (URISyntaxException e) {
        throw invalid(BUNDLE, value, "not a URL: " + e.getMessage());
      }
    } else if (!value.startsWith(CLASSPATH_PREFIX)) {
      Path path = filePath(BUNDLE, value);
      if (!Files.isRegularFile(path)) {
        throw invalid(BUNDLE, value, "no such file (give a SPIFFE bundle file or an http(s) URL)");
      }
    } else if (!resources.getResource(value).exists()) {
      throw invalid(BUNDLE, value, "no such resource on the class path");
    }
    return value;
  }

  private PolicySource policy(LanyardProperties.Policy p) {
    List<String> rules = p.getRules() == null ? List.of() : p.getRules();
    boolean hasFile = !blank(p.getFile());
    if (hasFile && !rules.isEmpty()) {
      throw invalid(POLICY_RULES, rules, "set " + POLICY_FILE + " or " + POLICY_RULES + ", not both");
    }
    if (hasFile) {
      return policyFile(p.getFile().strip());
    }
    if (rules.isEmpty()) {
      throw invalid(POLICY_FILE, null, "a policy is required: set " + POLICY_FILE + " or " + POLICY_RULES
          + " (Lanyard denies every request that no rule allows)");
    }
    Policy parsed;
    try {
      parsed = Policy.parseRules(rules, POLICY_RULES);
    } catch (PolicyException e) {
      int index = indexOf(e.source());
      throw invalid(e.source(), index >= 0 && index < rules.size() ? rules.get(index) : rules, problem(e));
    }
    return new PolicySource(() -> parsed, POLICY_RULES);
  }

  private PolicySource policyFile(String value) {
    try {
      if (value.startsWith(CLASSPATH_PREFIX)) {
        Resource resource = resources.getResource(value);
        if (!resource.exists()) {
          throw invalid(POLICY_FILE, value, "no such resource on the class path");
        }
        if (resource.isFile()) {
          PolicyFile watched = PolicyFile.watch(resource.getFile().toPath());
          return new PolicySource(watched::current, value);
        }
        String name = resource.getFilename() == null ? value : resource.getFilename();
        Policy parsed = Policy.parse(read(resource), name);
        return new PolicySource(() -> parsed, value);
      }
      PolicyFile watched = PolicyFile.watch(filePath(POLICY_FILE, value));
      return new PolicySource(watched::current, value);
    } catch (PolicyException e) {
      throw invalid(POLICY_FILE, value, e.getMessage());
    } catch (IOException e) {
      throw invalid(POLICY_FILE, value, "cannot be read: " + e.getMessage());
    }
  }

  private static List<ClientTarget> targets(Map<String, LanyardProperties.Target> targets, TrustDomain trustDomain) {
    List<ClientTarget> out = new ArrayList<>();
    if (targets == null) {
      return out;
    }
    targets.forEach((name, t) -> {
      String prefix = TARGETS + "." + name;
      if (t == null || blank(t.getUrl())) {
        throw invalid(prefix + ".url", null, "is required: the target's base URL");
      }
      URI uri;
      try {
        uri = new URI(t.getUrl().strip());
      } catch (URISyntaxException e) {
        throw invalid(prefix + ".url", t.getUrl(), "not a URL: " + e.getMessage());
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw invalid(prefix + ".url", t.getUrl(), "must be an http or https URL");
      }
      if (uri.getHost() == null) {
        throw invalid(prefix + ".url", t.getUrl(), "has no host");
      }
      if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
        throw invalid(prefix + ".url", t.getUrl(), "must not have user info, a query or a fragment");
      }
      if (uri.getRawPath() != null && !RequestPaths.isNormal(uri.getRawPath())) {
        throw invalid(prefix + ".url", t.getUrl(), "the path is not in normal form (no '.' or '..' segments, '//', "
            + "';', encoded dots or slashes, or bad percent-encoding): no request would ever match it");
      }
      if (blank(t.getAudience())) {
        throw invalid(prefix + ".audience", null, "is required: the audience of tokens for " + name
            + ", usually its SPIFFE ID");
      }
      List<String> scopes = t.getScopes() == null ? List.of() : t.getScopes();
      for (int i = 0; i < scopes.size(); i++) {
        if (!ScopeTokens.isValid(scopes.get(i))) {
          throw invalid(prefix + ".scopes[" + i + "]", scopes.get(i), "not a scope token (printable ASCII, no "
              + "space, '\"' or '\\')");
        }
      }
      String audience = t.getAudience().strip();
      out.add(ClientTarget.of(name, uri, audience, scopes, serverId(prefix, t.getServerId(), audience, trustDomain)));
    });
    return List.copyOf(out);
  }

  /**
   * The explicit {@code server-id}, checked; or else the audience when that is a workload SPIFFE ID of the trust
   * domain; or else none.
   */
  private static SpiffeId serverId(String prefix, String value, String audience, TrustDomain trustDomain) {
    if (blank(value)) {
      try {
        SpiffeId id = SpiffeId.parse(audience);
        return id.isMemberOf(trustDomain) && !id.isTrustDomainId() ? id : null;
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    String property = prefix + ".server-id";
    SpiffeId id;
    try {
      id = SpiffeId.parse(value.strip());
    } catch (IllegalArgumentException e) {
      throw invalid(property, value, "not a SPIFFE ID: " + e.getMessage());
    }
    if (id.isTrustDomainId()) {
      throw invalid(property, value, "names a trust domain, not a workload: give the SPIFFE ID the server presents");
    }
    if (!id.isMemberOf(trustDomain)) {
      throw invalid(property, value, "is not in trust domain '" + trustDomain + "', the only one the SSL bundle '"
          + LanyardSslBundle.NAME + "' trusts (" + TRUST_DOMAIN + ")");
    }
    return id;
  }

  private static ServerAuthorizer serverAuthorizer(List<ClientTarget> targets, TrustDomain trustDomain,
      LanyardProperties.ServerAuthorization choice) {
    PeerAuthorizer anyWorkload = PeerAuthorizer.memberOf(trustDomain);
    if (choice == LanyardProperties.ServerAuthorization.TRUST_DOMAIN) {
      return ServerAuthorizer.always(anyWorkload);
    }
    ServerAuthorizer.Builder builder = ServerAuthorizer.newBuilder(anyWorkload);
    Map<String, ClientTarget> byServer = new HashMap<>();
    for (ClientTarget target : targets) {
      if (!target.isHttps()) {
        continue;
      }
      String server = target.host() + ":" + target.port();
      ClientTarget other = byServer.putIfAbsent(server, target);
      if (other == null) {
        builder.server(target.host(), target.port(), target.serverId().map(PeerAuthorizer::exactly)
            .orElse(peer -> false));
      } else if (!other.serverId().equals(target.serverId())) {
        throw invalid(TARGETS + "." + target.name() + ".server-id", target.serverId().orElse(null),
            "targets '" + other.name() + "' and '" + target.name() + "' share " + server + " but name different "
            + "servers (" + other.serverId().map(Object::toString).orElse("none") + "): one TLS server presents one "
            + "SPIFFE ID; set the same server-id on both");
      }
    }
    return builder.build();
  }

  private static Path filePath(String property, String value) {
    String path = value.startsWith(FILE_PREFIX) ? value.substring(FILE_PREFIX.length()) : value;
    try {
      return Path.of(path);
    } catch (InvalidPathException e) {
      throw invalid(property, value, "not a file path: " + e.getMessage());
    }
  }

  private static String read(Resource resource) throws IOException {
    try (InputStream in = resource.getInputStream()) {
      byte[] bytes = in.readNBytes(TrustBundle.MAX_DOCUMENT_LENGTH + 1);
      if (bytes.length > TrustBundle.MAX_DOCUMENT_LENGTH) {
        throw new IOException("larger than " + TrustBundle.MAX_DOCUMENT_LENGTH + " bytes");
      }
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  private static boolean isHttp(String value) {
    String lower = value.toLowerCase(Locale.ROOT);
    return lower.startsWith("https://") || lower.startsWith("http://");
  }

  /** The problem part of a policy error, without its {@code source:line: } prefix. */
  private static String problem(PolicyException e) {
    String prefix = e.source() + ":" + e.line() + ": ";
    String message = e.getMessage();
    return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
  }

  private static int indexOf(String source) {
    int open = source.lastIndexOf('[');
    if (open < 0 || !source.endsWith("]")) {
      return -1;
    }
    try {
      return Integer.parseInt(source.substring(open + 1, source.length() - 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static boolean blank(String value) {
    return value == null || value.isBlank();
  }

  static InvalidConfigurationPropertyValueException invalid(String property, Object value, String reason) {
    return new InvalidConfigurationPropertyValueException(property, value, reason);
  }

  /** The current policy and where it comes from. */
  static final class PolicySource {
    private final Supplier<Policy> current;
    private final String origin;

    PolicySource(Supplier<Policy> current, String origin) {
      this.current = current;
      this.origin = origin;
    }

    Supplier<Policy> supplier() {
      return current;
    }

    Policy current() {
      return current.get();
    }

    /** The file or property the policy comes from. */
    String origin() {
      return origin;
    }
  }
}

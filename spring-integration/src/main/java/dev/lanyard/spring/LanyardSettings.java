package dev.lanyard.spring;

import dev.lanyard.internal.DnsNames;
import dev.lanyard.oidc.OidcTokenVerifier;
import dev.lanyard.policy.Policy;
import dev.lanyard.servlet.InboundSettings;
import dev.lanyard.servlet.InboundSettings.InvalidSettingException;
import dev.lanyard.servlet.InboundSettings.Setting;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.tls.ServerAuthorizer;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.core.io.ResourceLoader;

/**
 * {@link LanyardProperties} checked and mapped onto Lanyard's values: the one place where properties are named. The
 * inbound half becomes the {@link InboundSettings} that the servlet filter shares (defaults and bounds defined there);
 * the outbound half goes through {@link ClientTargets}; the policy is read by {@link LanyardSources}, which also builds
 * the authority, identity and bundle source these settings name. Every problem is an
 * {@link InvalidConfigurationPropertyValueException} naming the property and saying why, so that the application does
 * not start.
 *
 * <p>Thread-safe: immutable.
 */
final class LanyardSettings {
  static final String TRUST_DOMAIN = "lanyard.trust-domain";
  static final String SPIFFE_ID = "lanyard.spiffe-id";
  static final String AUDIENCE = "lanyard.audience";
  static final String BUNDLE = "lanyard.bundle";
  static final String ALLOW_INSECURE_HTTP_BUNDLE = "lanyard.allow-insecure-http-bundle";
  static final String BUNDLE_MAX_STALENESS = "lanyard.bundle-max-staleness";
  static final String MAX_TOKEN_LIFETIME = "lanyard.max-token-lifetime";
  static final String CLOCK_SKEW = "lanyard.clock-skew";
  static final String ALLOW_UNNORMALIZED_PATHS = "lanyard.allow-unnormalized-paths";
  static final String IDENTITY_SOURCE = "lanyard.identity.source";
  static final String AUTHORITY_DIR = "lanyard.authority.dir";
  static final String X509_DNS_NAMES = "lanyard.x509.dns-names";
  static final String WORKLOAD_API_SOCKET = "lanyard.workload-api.socket";
  static final String WORKLOAD_API_TIMEOUT = "lanyard.workload-api.timeout";
  static final String FILES_CERTIFICATE = "lanyard.files.certificate";
  static final String FILES_KEY = "lanyard.files.key";
  static final String FILES_BUNDLE = "lanyard.files.bundle";
  static final String FILES_JWT_TOKEN = "lanyard.files.jwt-token";
  static final String FILES_JWT_BUNDLE = "lanyard.files.jwt-bundle";
  static final String POLICY_FILE = "lanyard.policy.file";
  static final String INVENTORY_FILE = "lanyard.inventory.file";
  static final String POLICY_RULES = "lanyard.policy.rules";
  static final String TARGETS = "lanyard.client.targets";
  static final String SERVER_AUTHORIZATION = "lanyard.client.server-authorization";
  static final String FEDERATION = "lanyard.federation";
  static final String OIDC_ISSUERS = "lanyard.oidc.issuers";
  static final String OIDC_AUDIENCE = "lanyard.oidc.audience";
  static final String OIDC_MAX_TOKEN_LIFETIME = "lanyard.oidc.max-token-lifetime";
  static final String OIDC_TRUST_DOMAIN = "lanyard.oidc.trust-domain";
  static final String OIDC_ALLOW_INSECURE_HTTP = "lanyard.oidc.allow-insecure-http";

  static final String CLASSPATH_PREFIX = "classpath:";
  private static final String FILE_PREFIX = "file:";

  private final SpiffeId spiffeId;
  private final InboundSettings inbound;
  private final LanyardProperties.Source source;
  private final @Nullable Path authorityDir;
  private final List<String> dnsNames;
  private final @Nullable String workloadApiSocket;
  private final Duration workloadApiTimeout;
  private final LanyardProperties.Files files;
  private final PolicySource policy;
  private final List<ClientTarget> targets;
  private final LanyardProperties.ServerAuthorization serverAuthorization;
  private final ServerAuthorizer serverAuthorizer;
  private final Map<TrustDomain, String> federation;
  private final @Nullable OidcTokenVerifier oidcVerifier;
  private final dev.lanyard.inventory.@Nullable Inventory inventory;

  private LanyardSettings(LanyardProperties p, ResourceLoader resources, ClientTargets.ServiceGroupUrls groups) {
    this.spiffeId = spiffeId(p);
    TrustDomain trustDomain = trustDomain(p, spiffeId);
    InboundSettings.Builder inbound = inbound(p, trustDomain, spiffeId);
    this.source = p.getIdentity().getSource() == null ? LanyardProperties.Source.EMBEDDED : p.getIdentity().getSource();
    this.authorityDir = authorityDir(p.getAuthority().getDir());
    this.dnsNames = dnsNames(p.getX509().getDnsNames(), source);
    this.workloadApiSocket = workloadApiSocket(p.getWorkloadApi().getSocket());
    this.workloadApiTimeout = workloadApiTimeout(p.getWorkloadApi().getTimeout());
    this.files = p.getFiles();
    this.inbound = withBundle(inbound, p.getBundle(), resources);
    this.federation = federation(p, trustDomain, resources);
    this.oidcVerifier = oidcVerifier(p.getOidc(), this.inbound);
    this.policy = LanyardSources.policy(p.getPolicy(), resources);
    this.inventory = LanyardSources.inventory(p.getInventory(), resources);
    this.targets = ClientTargets.targets(p.getClient().getTargets(), trustDomain, groups);
    this.serverAuthorization = p.getClient().getServerAuthorization() == null
        ? LanyardProperties.ServerAuthorization.TARGET : p.getClient().getServerAuthorization();
    this.serverAuthorizer = ClientTargets.serverAuthorizer(targets, trustDomain, serverAuthorization);
  }

  /**
   * Checks every property.
   *
   * @throws InvalidConfigurationPropertyValueException naming the first bad property and why
   */
  static LanyardSettings of(LanyardProperties properties, ResourceLoader resources) {
    return new LanyardSettings(properties, resources, ClientTargets.ServiceGroupUrls.NONE);
  }

  /**
   * Checks every property; a client target without a URL takes the base URL of an HTTP service group from
   * {@code groups}.
   *
   * @throws InvalidConfigurationPropertyValueException naming the first bad property and why
   */
  static LanyardSettings of(LanyardProperties properties, ResourceLoader resources,
      ClientTargets.ServiceGroupUrls groups) {
    return new LanyardSettings(properties, resources, groups);
  }

  /** The inbound settings shared with the servlet filter. */
  InboundSettings inbound() {
    return inbound;
  }

  TrustDomain trustDomain() {
    return inbound.trustDomain();
  }

  SpiffeId spiffeId() {
    return spiffeId;
  }

  String audience() {
    return inbound.audience();
  }

  Duration maxTokenLifetime() {
    return inbound.maxTokenLifetime();
  }

  Duration clockSkew() {
    return inbound.clockSkew();
  }

  /** True when {@code lanyard.allow-unnormalized-paths} relaxes the normal-form check of inbound paths. */
  boolean allowUnnormalizedPaths() {
    return inbound.allowUnnormalizedPaths();
  }

  /** {@code lanyard.authority.dir}, when set. */
  Optional<Path> authorityDir() {
    return Optional.ofNullable(authorityDir);
  }

  /** {@code lanyard.x509.dns-names}: DNS SANs of the service's own X.509-SVID, checked; empty when not set. */
  List<String> dnsNames() {
    return dnsNames;
  }

  /** {@code lanyard.workload-api.socket}, when set (else the Workload API's own default, SPIFFE_ENDPOINT_SOCKET). */
  Optional<String> workloadApiSocket() {
    return Optional.ofNullable(workloadApiSocket);
  }

  /** {@code lanyard.files.*}, read by {@link FilesLanyardIdentity} when {@code lanyard.identity.source=files}. */
  LanyardProperties.Files files() {
    return files;
  }

  /** {@code lanyard.workload-api.timeout}. */
  Duration workloadApiTimeout() {
    return workloadApiTimeout;
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

  /** Which servers clients using the SSL bundle {@code lanyard} accept; see {@link ClientTargets#serverAuthorizer}. */
  ServerAuthorizer serverAuthorizer() {
    return serverAuthorizer;
  }

  /** The identity source as written in properties, e.g. {@code workload-api}. */
  String sourceName() {
    return source.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * Fails unless the identity source is the embedded authority; called where the embedded authority is built, which
   * {@code workload-api} never reaches (its own configuration builds its identity).
   */
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

  /**
   * {@code lanyard.federation.<trust domain>}: each federated trust domain and its bundle location as written (an
   * http(s) URL, {@code classpath:} resource or file), in property order.
   */
  Map<TrustDomain, String> federation() {
    return federation;
  }

  /** The identity inventory of {@code lanyard.inventory.file}, when set. */
  Optional<dev.lanyard.inventory.Inventory> inventory() {
    return Optional.ofNullable(inventory);
  }

  /** The Kubernetes service-account token verifier of {@code lanyard.oidc.*}, when issuers are set. */
  Optional<OidcTokenVerifier> oidcVerifier() {
    return Optional.ofNullable(oidcVerifier);
  }

  /**
   * {@code lanyard.oidc.*} checked and built (the filter's {@code oidc-*} init-params, as properties): null when no
   * issuer is set; audience and trust domain default to the inbound ones, the lifetime has the inbound bounds.
   */
  private static @Nullable OidcTokenVerifier oidcVerifier(LanyardProperties.Oidc p, InboundSettings inbound) {
    List<String> issuers = p.getIssuers() == null ? List.of() : p.getIssuers();
    if (issuers.isEmpty()) {
      if (!blank(p.getAudience()) || !blank(p.getTrustDomain()) || p.getMaxTokenLifetime() != null
          || p.isAllowInsecureHttp()) {
        throw invalid(OIDC_ISSUERS, null, "is required when other lanyard.oidc.* properties are set: the issuers "
            + "whose Kubernetes service-account tokens are accepted");
      }
      return null;
    }
    OidcTokenVerifier.Builder builder = OidcTokenVerifier.newBuilder();
    for (int i = 0; i < issuers.size(); i++) {
      String issuer = issuers.get(i);
      if (blank(issuer)) {
        throw invalid(OIDC_ISSUERS + "[" + i + "]", issuer,
            "needs an issuer URL, e.g. https://kubernetes.default.svc");
      }
      if (stripped(issuer).regionMatches(true, 0, "http://", 0, 7) && !p.isAllowInsecureHttp()) {
        throw invalid(OIDC_ISSUERS + "[" + i + "]", issuer, "is cleartext http: issuers must be https ("
            + OIDC_ALLOW_INSECURE_HTTP + "=true allows http, for tests only)");
      }
      try {
        builder.issuer(stripped(issuer));
      } catch (IllegalArgumentException e) {
        throw invalid(OIDC_ISSUERS + "[" + i + "]", issuer, e.getMessage());
      }
    }
    builder.audience(blank(p.getAudience()) ? inbound.audience() : stripped(p.getAudience()));
    try {
      builder.trustDomain(blank(p.getTrustDomain()) ? inbound.trustDomain()
          : TrustDomain.of(stripped(p.getTrustDomain())));
    } catch (IllegalArgumentException e) {
      throw invalid(OIDC_TRUST_DOMAIN, p.getTrustDomain(), e.getMessage());
    }
    Duration maxLifetime = p.getMaxTokenLifetime();
    if (maxLifetime != null) {
      if (maxLifetime.isNegative() || maxLifetime.isZero()
          || maxLifetime.compareTo(InboundSettings.MAX_MAX_TOKEN_LIFETIME) > 0) {
        throw invalid(OIDC_MAX_TOKEN_LIFETIME, maxLifetime, "must be more than 0 and at most 24h");
      }
      builder.maxTokenLifetime(maxLifetime);
    }
    builder.clockSkew(inbound.clockSkew());
    if (p.isAllowInsecureHttp()) {
      builder.allowInsecureHttp();
    }
    return builder.build();
  }

  /** The property of one federation entry, e.g. {@code lanyard.federation.partner.example}. */
  static String federationProperty(String trustDomain) {
    return FEDERATION + "." + trustDomain;
  }

  /** {@code lanyard.federation.*} checked: keys are trust domains other than the own, values usable locations. */
  private static Map<TrustDomain, String> federation(LanyardProperties p, TrustDomain own,
      ResourceLoader resources) {
    Map<String, String> entries = p.getFederation() == null ? Map.of() : p.getFederation();
    Map<TrustDomain, String> checked = new LinkedHashMap<>();
    for (Map.Entry<String, String> entry : entries.entrySet()) {
      String property = federationProperty(entry.getKey());
      TrustDomain td;
      try {
        td = TrustDomain.of(entry.getKey());
      } catch (IllegalArgumentException e) {
        throw invalid(property, entry.getValue(), "the key is not a trust domain: " + e.getMessage());
      }
      if (td.equals(own)) {
        throw invalid(property, entry.getValue(), "names this service's own trust domain, whose bundle is "
            + BUNDLE);
      }
      if (blank(entry.getValue())) {
        throw invalid(property, entry.getValue(), "needs a bundle location: a file, an https URL or 'identity'");
      }
      String value = stripped(entry.getValue());
      if (LanyardSources.FEDERATION_FROM_IDENTITY.equalsIgnoreCase(value)) {
        checked.put(td, value); // the identity source's bundles (a SPIRE agent's federated bundles)
        continue;
      }
      if (isHttp(value)) {
        if (value.regionMatches(true, 0, "http://", 0, 7) && !p.isAllowInsecureHttpBundle()) {
          throw invalid(property, value, "is cleartext http: bundles must come over https ("
              + ALLOW_INSECURE_HTTP_BUNDLE + "=true allows http, for tests only)");
        }
        try {
          if (new URI(value).getHost() == null) {
            throw invalid(property, value, "the URL has no host");
          }
        } catch (URISyntaxException e) {
          throw invalid(property, value, "not a URL: " + e.getMessage());
        }
      } else if (value.startsWith(CLASSPATH_PREFIX)) {
        if (!resources.getResource(value).exists()) {
          throw invalid(property, value, "no such resource on the class path");
        }
      } else if (!Files.isRegularFile(filePath(property, value))) {
        throw invalid(property, value, "no such file (give a SPIFFE bundle file or an http(s) URL)");
      }
      checked.put(td, value);
    }
    return Collections.unmodifiableMap(checked);
  }

  /** The property of an inbound setting. */
  static String property(Setting setting) {
    switch (setting) {
      case TRUST_DOMAIN:
        return TRUST_DOMAIN;
      case AUDIENCE:
        return AUDIENCE;
      case BUNDLE:
        return BUNDLE;
      case ALLOW_INSECURE_HTTP_BUNDLE:
        return ALLOW_INSECURE_HTTP_BUNDLE;
      case MAX_TOKEN_LIFETIME:
        return MAX_TOKEN_LIFETIME;
      case CLOCK_SKEW:
        return CLOCK_SKEW;
      case ALLOW_UNNORMALIZED_PATHS:
        return ALLOW_UNNORMALIZED_PATHS;
      case BUNDLE_MAX_STALENESS:
        return BUNDLE_MAX_STALENESS;
      default:
        throw new AssertionError(setting);
    }
  }

  /** An inbound setting's refusal as the property's: named, with the value, and the opt-in spelled as a property. */
  static InvalidConfigurationPropertyValueException invalid(InvalidSettingException e, @Nullable Object value) {
    String problem = e.remedy().map(remedy -> e.problem() + " (" + property(remedy)
        + "=true allows http, for tests only)").orElse(e.problem());
    return invalid(property(e.setting()), value, problem);
  }

  private static SpiffeId spiffeId(LanyardProperties p) {
    String value = p.getSpiffeId();
    if (blank(value)) {
      throw invalid(SPIFFE_ID, null, "is required: this service's own SPIFFE ID, e.g. spiffe://example.org/payments");
    }
    SpiffeId id;
    try {
      id = SpiffeId.parse(stripped(value));
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
      td = TrustDomain.of(stripped(value));
    } catch (IllegalArgumentException e) {
      throw invalid(TRUST_DOMAIN, value, e.getMessage());
    }
    if (!id.isMemberOf(td)) {
      throw invalid(SPIFFE_ID, id, "is not in trust domain '" + td + "' (" + TRUST_DOMAIN + ")");
    }
    return td;
  }

  /** The inbound settings but the bundle; an unset duration keeps its default. */
  private static InboundSettings.Builder inbound(LanyardProperties p, TrustDomain trustDomain, SpiffeId spiffeId) {
    InboundSettings.Builder builder = InboundSettings.newBuilder().trustDomain(trustDomain)
        .audience(blank(p.getAudience()) ? spiffeId.toString() : stripped(p.getAudience()));
    try {
      if (p.getMaxTokenLifetime() != null) {
        builder.maxTokenLifetime(p.getMaxTokenLifetime());
      }
    } catch (InvalidSettingException e) {
      throw invalid(e, p.getMaxTokenLifetime());
    }
    try {
      if (p.getClockSkew() != null) {
        builder.clockSkew(p.getClockSkew());
      }
    } catch (InvalidSettingException e) {
      throw invalid(e, p.getClockSkew());
    }
    Duration staleness = p.getBundleMaxStaleness();
    try {
      if (staleness != null) {
        builder.bundleMaxStaleness(staleness);
      }
    } catch (InvalidSettingException e) {
      throw invalid(e, staleness);
    }
    if (p.isAllowUnnormalizedPaths()) {
      builder.allowUnnormalizedPaths();
    }
    if (p.isAllowInsecureHttpBundle()) {
      builder.allowInsecureHttpBundle();
    }
    return builder;
  }

  /** The inbound settings with {@code lanyard.bundle}, checked: a URL with a host, a file, or a resource that exists. */
  private static InboundSettings withBundle(InboundSettings.Builder builder, @Nullable String property,
      ResourceLoader resources) {
    if (blank(property)) {
      return builder.build();
    }
    String value = stripped(property);
    if (isHttp(value)) {
      try {
        if (new URI(value).getHost() == null) {
          throw invalid(BUNDLE, value, "the URL has no host");
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
    try {
      return builder.bundle(value).build();
    } catch (InvalidSettingException e) {
      throw invalid(e, value);
    }
  }

  /** A {@code unix:} address; the Workload API module checks the rest of its form. */
  private static @Nullable String workloadApiSocket(@Nullable String value) {
    if (blank(value)) {
      return null;
    }
    String socket = stripped(value);
    if (!socket.startsWith("unix:")) {
      throw invalid(WORKLOAD_API_SOCKET, value, "must be a Unix domain socket address, unix:/path/to/agent.sock");
    }
    return socket;
  }

  private static Duration workloadApiTimeout(@Nullable Duration value) {
    if (value == null) {
      return Duration.ofSeconds(10);
    }
    if (value.isNegative() || value.isZero() || value.compareTo(Duration.ofMinutes(5)) > 0) {
      throw invalid(WORKLOAD_API_TIMEOUT, value, "must be more than 0 and at most 5m");
    }
    return value;
  }

  /**
   * {@code lanyard.x509.dns-names} checked with the grammar the embedded authority issues with (lower-cased, in
   * order, duplicates dropped); only the embedded authority issues this service's SVID, so another source refuses them.
   */
  private static List<String> dnsNames(@Nullable List<String> values, LanyardProperties.Source source) {
    if (values == null || values.isEmpty()) {
      return List.of();
    }
    if (source != LanyardProperties.Source.EMBEDDED) {
      throw invalid(X509_DNS_NAMES, values, "applies to the embedded authority only: with '"
          + source.name().toLowerCase(Locale.ROOT).replace('_', '-') + "' the SVID's DNS names come from where it is "
          + "issued (a SPIRE registration entry's -dns, or the certificate file)");
    }
    Set<String> names = new LinkedHashSet<>();
    for (int i = 0; i < values.size(); i++) {
      String value = values.get(i);
      if (blank(value) || !DnsNames.isDnsName(stripped(value), true)) {
        throw invalid(X509_DNS_NAMES + "[" + i + "]", value, "not a DNS name (letters, digits and '-' in labels "
            + "separated by '.', no trailing dot, not an IP address; a wildcard only as '*.' before two labels or "
            + "more)");
      }
      names.add(stripped(value).toLowerCase(Locale.ROOT));
    }
    return List.copyOf(names);
  }

  private static @Nullable Path authorityDir(@Nullable String value) {
    if (blank(value)) {
      return null;
    }
    return filePath(AUTHORITY_DIR, stripped(value));
  }

  /** A file path, with an optional {@code file:} prefix. */
  static Path filePath(String property, String value) {
    String path = value.startsWith(FILE_PREFIX) ? value.substring(FILE_PREFIX.length()) : value;
    try {
      return Path.of(path);
    } catch (InvalidPathException e) {
      throw invalid(property, value, "not a file path: " + e.getMessage());
    }
  }

  private static boolean isHttp(String value) {
    String lower = value.toLowerCase(Locale.ROOT);
    return lower.startsWith("https://") || lower.startsWith("http://");
  }

  static boolean blank(@Nullable String value) {
    return value == null || value.isBlank();
  }

  /** The value without surrounding white space; an absent value as empty (callers check {@link #blank} first). */
  static String stripped(@Nullable String value) {
    return value == null ? "" : value.strip();
  }

  static InvalidConfigurationPropertyValueException invalid(String property, @Nullable Object value,
      @Nullable String reason) {
    return new InvalidConfigurationPropertyValueException(property, value, reason == null ? "is not valid" : reason);
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

package dev.lanyard.spring;

import dev.lanyard.oidc.OidcTokenVerifier;
import dev.lanyard.policy.Policy;
import dev.lanyard.servlet.InboundSettings;
import dev.lanyard.servlet.InboundSettings.InvalidSettingException;
import dev.lanyard.servlet.InboundSettings.Setting;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.tls.ServerAuthorizer;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.core.io.ResourceLoader;

/**
 * {@link LanyardProperties} checked and mapped onto Lanyard's values: the one place where properties are named, and
 * the sum of one-job parts: {@link IdentitySettings} (who this service is, where its credentials come from),
 * {@link TrustSettings} (the {@link InboundSettings} that the servlet filter shares, with its defaults and bounds
 * defined there; federation; OIDC issuers), {@link ClientTargets} (the outbound half) and the policy, read by
 * {@link LanyardSources}, which also builds the authority, identity and bundle source these settings name. Every
 * problem is an {@link InvalidConfigurationPropertyValueException} naming the property and saying why, so that the
 * application does not start.
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

  private final IdentitySettings identity;
  private final TrustSettings trust;
  private final PolicySource policy;
  private final dev.lanyard.inventory.@Nullable Inventory inventory;
  private final ClientTargets client;

  private LanyardSettings(LanyardProperties p, ResourceLoader resources, ClientTargets.ServiceGroupUrls groups) {
    this.identity = IdentitySettings.of(p);
    this.trust = TrustSettings.of(p, identity, resources);
    this.policy = LanyardSources.policy(p.getPolicy(), resources);
    this.inventory = LanyardSources.inventory(p.getInventory(), resources);
    this.client = ClientTargets.of(p.getClient(), identity.trustDomain(), groups);
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

  /** Who this service is and where its credentials come from. */
  IdentitySettings identity() {
    return identity;
  }

  /** Whose credentials this service accepts. */
  TrustSettings trust() {
    return trust;
  }

  /** The outbound half: targets and which servers the SSL bundle accepts. */
  ClientTargets client() {
    return client;
  }

  /** The inbound settings shared with the servlet filter. */
  InboundSettings inbound() {
    return trust.inbound();
  }

  TrustDomain trustDomain() {
    return identity.trustDomain();
  }

  SpiffeId spiffeId() {
    return identity.spiffeId();
  }

  String audience() {
    return inbound().audience();
  }

  Duration maxTokenLifetime() {
    return inbound().maxTokenLifetime();
  }

  Duration clockSkew() {
    return inbound().clockSkew();
  }

  /** True when {@code lanyard.allow-unnormalized-paths} relaxes the normal-form check of inbound paths. */
  boolean allowUnnormalizedPaths() {
    return inbound().allowUnnormalizedPaths();
  }

  /** {@code lanyard.authority.dir}, when set. */
  Optional<Path> authorityDir() {
    return identity.authorityDir();
  }

  /** {@code lanyard.x509.dns-names}: DNS SANs of the service's own X.509-SVID, checked; empty when not set. */
  List<String> dnsNames() {
    return identity.dnsNames();
  }

  /** {@code lanyard.workload-api.socket}, when set (else the Workload API's own default, SPIFFE_ENDPOINT_SOCKET). */
  Optional<String> workloadApiSocket() {
    return identity.workloadApiSocket();
  }

  /** {@code lanyard.files.*}, read by {@link FilesLanyardIdentity} when {@code lanyard.identity.source=files}. */
  LanyardProperties.Files files() {
    return identity.files();
  }

  /** {@code lanyard.workload-api.timeout}. */
  Duration workloadApiTimeout() {
    return identity.workloadApiTimeout();
  }

  PolicySource policy() {
    return policy;
  }

  List<ClientTarget> targets() {
    return client.targets();
  }

  /** {@code lanyard.client.server-authorization}. */
  LanyardProperties.ServerAuthorization serverAuthorization() {
    return client.serverAuthorization();
  }

  /** Which servers clients using the SSL bundle {@code lanyard} accept; see {@link ClientTargets#serverAuthorizer}. */
  ServerAuthorizer serverAuthorizer() {
    return client.serverAuthorizer();
  }

  /** The identity source as written in properties, e.g. {@code workload-api}. */
  String sourceName() {
    return identity.sourceName();
  }

  /**
   * Fails unless the identity source is the embedded authority; called where the embedded authority is built, which
   * {@code workload-api} never reaches (its own configuration builds its identity).
   */
  void requireEmbeddedSource() {
    identity.requireEmbeddedSource();
  }

  /** Fails when an identity bean of the application names another workload than {@code lanyard.spiffe-id}. */
  void checkIdentity(LanyardIdentity identity) {
    this.identity.checkIdentity(identity);
  }

  /**
   * {@code lanyard.federation.<trust domain>}: each federated trust domain and its bundle location as written (an
   * http(s) URL, {@code classpath:} resource or file), in property order.
   */
  Map<TrustDomain, String> federation() {
    return trust.federation();
  }

  /** The identity inventory of {@code lanyard.inventory.file}, when set. */
  Optional<dev.lanyard.inventory.Inventory> inventory() {
    return Optional.ofNullable(inventory);
  }

  /** The Kubernetes service-account token verifier of {@code lanyard.oidc.*}, when issuers are set. */
  Optional<OidcTokenVerifier> oidcVerifier() {
    return trust.oidcVerifier();
  }

  /** The property of one federation entry, e.g. {@code lanyard.federation.partner.example}. */
  static String federationProperty(String trustDomain) {
    return FEDERATION + "." + trustDomain;
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

  /** A file path, with an optional {@code file:} prefix. */
  static Path filePath(String property, String value) {
    String path = value.startsWith(FILE_PREFIX) ? value.substring(FILE_PREFIX.length()) : value;
    try {
      return Path.of(path);
    } catch (InvalidPathException e) {
      throw invalid(property, value, "not a file path: " + e.getMessage());
    }
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

package dev.lanyard.spring;

import static dev.lanyard.spring.LanyardSettings.AUTHORITY_DIR;
import static dev.lanyard.spring.LanyardSettings.IDENTITY_SOURCE;
import static dev.lanyard.spring.LanyardSettings.SPIFFE_ID;
import static dev.lanyard.spring.LanyardSettings.TRUST_DOMAIN;
import static dev.lanyard.spring.LanyardSettings.WORKLOAD_API_SOCKET;
import static dev.lanyard.spring.LanyardSettings.WORKLOAD_API_TIMEOUT;
import static dev.lanyard.spring.LanyardSettings.X509_DNS_NAMES;
import static dev.lanyard.spring.LanyardSettings.blank;
import static dev.lanyard.spring.LanyardSettings.filePath;
import static dev.lanyard.spring.LanyardSettings.invalid;
import static dev.lanyard.spring.LanyardSettings.stripped;

import dev.lanyard.internal.DnsNames;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Who this service is and where its credentials come from: {@code lanyard.spiffe-id}, {@code lanyard.trust-domain},
 * {@code lanyard.identity.source} and the settings of each source ({@code lanyard.authority.dir},
 * {@code lanyard.x509.dns-names}, {@code lanyard.workload-api.*}, {@code lanyard.files.*}), checked. Every problem is an
 * {@code InvalidConfigurationPropertyValueException} naming the property and saying why.
 *
 * <p>Thread-safe: immutable (the {@code lanyard.files.*} properties are read once, at start-up).
 */
final class IdentitySettings {
  /** The Workload API's default timeout (mirrors the optional module's, which is not loaded unless used). */
  private static final Duration DEFAULT_WORKLOAD_API_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration MAX_WORKLOAD_API_TIMEOUT = Duration.ofMinutes(5);

  private final SpiffeId spiffeId;
  private final TrustDomain trustDomain;
  private final LanyardProperties.Source source;
  private final @Nullable Path authorityDir;
  private final List<String> dnsNames;
  private final @Nullable String workloadApiSocket;
  private final Duration workloadApiTimeout;
  private final LanyardProperties.Files files;

  private IdentitySettings(LanyardProperties p) {
    this.spiffeId = spiffeId(p);
    this.trustDomain = trustDomain(p, spiffeId);
    this.source = p.getIdentity().getSource() == null ? LanyardProperties.Source.EMBEDDED : p.getIdentity().getSource();
    this.authorityDir = authorityDir(p.getAuthority().getDir());
    this.dnsNames = dnsNames(p.getX509().getDnsNames(), source);
    this.workloadApiSocket = workloadApiSocket(p.getWorkloadApi().getSocket());
    this.workloadApiTimeout = workloadApiTimeout(p.getWorkloadApi().getTimeout());
    this.files = p.getFiles();
  }

  /**
   * Checks the identity properties.
   *
   * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException naming the
   *     first bad property and why
   */
  static IdentitySettings of(LanyardProperties properties) {
    return new IdentitySettings(properties);
  }

  SpiffeId spiffeId() {
    return spiffeId;
  }

  /** {@code lanyard.trust-domain}, by default the SPIFFE ID's. */
  TrustDomain trustDomain() {
    return trustDomain;
  }

  LanyardProperties.Source source() {
    return source;
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

  /** {@code lanyard.workload-api.timeout}. */
  Duration workloadApiTimeout() {
    return workloadApiTimeout;
  }

  /** {@code lanyard.files.*}, read by {@link FilesLanyardIdentity} when {@code lanyard.identity.source=files}. */
  LanyardProperties.Files files() {
    return files;
  }

  /** The identity source as written in properties, e.g. {@code workload-api}. */
  String sourceName() {
    return sourceName(source);
  }

  private static String sourceName(LanyardProperties.Source source) {
    return source.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Fails unless the identity source is the embedded authority. */
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
      return DEFAULT_WORKLOAD_API_TIMEOUT;
    }
    if (value.isNegative() || value.isZero() || value.compareTo(MAX_WORKLOAD_API_TIMEOUT) > 0) {
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
      throw invalid(X509_DNS_NAMES, values, "applies to the embedded authority only: with '" + sourceName(source)
          + "' the SVID's DNS names come from where it is issued (a SPIRE registration entry's -dns, or the "
          + "certificate file)");
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
}

package dev.lanyard.servlet;

import dev.lanyard.audit.AsyncAuditSink;
import dev.lanyard.audit.AuditSink;
import dev.lanyard.internal.Durations;
import dev.lanyard.inventory.Inventory;
import dev.lanyard.inventory.InventoryException;
import dev.lanyard.oidc.OidcTokenVerifier;
import dev.lanyard.policy.PolicyException;
import dev.lanyard.policy.PolicyFile;
import dev.lanyard.servlet.InboundSettings.InvalidSettingException;
import dev.lanyard.servlet.InboundSettings.Setting;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.FederatedBundleSource;
import dev.lanyard.trust.FileBundleSource;
import dev.lanyard.trust.BundleUnavailableException;
import dev.lanyard.trust.HttpBundleSource;
import dev.lanyard.trust.TrustBundle;
import jakarta.servlet.FilterConfig;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps the filter's {@code web.xml} init-params onto {@link InboundSettings}, then builds the bundle source and the
 * watched policy file they name. Every problem is an {@link InitParamException} naming the init-param. Once built, one
 * INFO line says what the filter runs with: trust (bundle source, key ids, sequence), policy (file, rule count) and
 * audience.
 *
 * <p>Thread-safe: stateless.
 */
final class InitParams {
  /** The filter's logger: the start-up line is the filter's. */
  private static final Logger LOG = LoggerFactory.getLogger(LanyardFilter.class);

  private InitParams() {}

  /** A configuration error naming the init-param. */
  static final class InitParamException extends Exception {
    private static final long serialVersionUID = 1L;

    InitParamException(String param, @Nullable String problem) {
      super("init-param '" + param + "': " + (problem == null ? "is not valid" : problem), null, false, false);
    }
  }

  /** The configured filter, with what to close when it is destroyed. */
  static FilterEngine engine(FilterConfig config) throws InitParamException {
    InboundSettings settings = settings(config);
    BundleSource bundleSource;
    AutoCloseable closeable = () -> { };
    String bundle = settings.bundle().orElseThrow();
    String bundleOrigin;
    try {
      if (settings.isHttpBundle()) {
        HttpBundleSource http = settings.httpBundleSource();
        bundleSource = http;
        closeable = http;
        bundleOrigin = "endpoint " + bundle;
      } else {
        Path file = resolve(config, bundle);
        bundleSource = FileBundleSource.of(settings.trustDomain(), file);
        bundleOrigin = "file " + file;
      }
    } catch (RuntimeException e) {
      throw new InitParamException(LanyardFilter.BUNDLE, e.getMessage());
    }
    FederatedBundleSource federation = federation(config, settings, bundleSource);
    if (federation != null) {
      bundleSource = federation;
      closeable = federation;
    }
    PolicyFile policyFile;
    try {
      policyFile = PolicyFile.watch(resolve(config, required(config, LanyardFilter.POLICY)));
    } catch (PolicyException e) {
      throw new InitParamException(LanyardFilter.POLICY, e.getMessage());
    }
    LanyardFilter.Builder builder = settings.newFilterBuilder().bundleSource(bundleSource).policyFile(policyFile);
    OidcTokenVerifier oidc = oidcVerifier(config, settings);
    if (oidc != null) {
      builder.oidcVerifier(oidc);
    }
    String inventory = config.getInitParameter(LanyardFilter.INVENTORY);
    if (inventory != null) {
      try {
        builder.inventory(Inventory.read(resolve(config, inventory.strip())));
      } catch (InventoryException e) {
        throw new InitParamException(LanyardFilter.INVENTORY, e.getMessage());
      }
    }
    Integer maxEdges = trustGraphMaxEdges(config);
    if (maxEdges != null) {
      builder.trustGraphMaxEdges(maxEdges);
    }
    AuditSink audit = auditSink(config);
    builder.auditSink(audit);
    if (audit instanceof AsyncAuditSink) {
      AutoCloseable resources = closeable;
      closeable = () -> {
        try {
          resources.close();
        } finally {
          ((AsyncAuditSink) audit).close();
        }
      };
    }
    FilterEngine engine = builder.engine(closeable);
    LOG.info("Lanyard filter '{}' started: {}; policy {} ({} rules); audience {}", config.getFilterName(),
        trust(settings.trustDomain(), bundleSource, bundleOrigin), policyFile.file(),
        policyFile.current().ruleCount(), settings.audience());
    return engine;
  }

  /**
   * What the start-up line says of trust: the trust domain, where its bundle comes from, the bundle's JWT key ids,
   * X.509 root count and sequence (metadata only, never a key), and the federated trust domains.
   */
  static String trust(TrustDomain trustDomain, BundleSource source, String origin) {
    StringBuilder out = new StringBuilder("trust ").append(trustDomain).append(" from ").append(origin);
    try {
      Optional<TrustBundle> bundle = source.bundleFor(trustDomain);
      if (bundle.isEmpty()) {
        out.append(" (no bundle yet)");
      } else {
        TrustBundle b = bundle.get();
        List<String> keyIds = new ArrayList<>();
        b.jwtKeys().forEach(key -> keyIds.add(key.keyId()));
        out.append(" (JWT keys ").append(keyIds).append(", X.509 roots ").append(b.x509Authorities().size());
        b.sequence().ifPresent(sequence -> out.append(", sequence ").append(sequence));
        out.append(')');
      }
    } catch (BundleUnavailableException e) {
      out.append(" (unavailable: ").append(e.getMessage()).append(')');
    }
    if (source instanceof FederatedBundleSource) {
      out.append("; federated ").append(((FederatedBundleSource) source).federatedTrustDomains());
    }
    return out.toString();
  }

  /** The {@code trust-graph-max-edges} init-param, or null when it is not set (the default applies). */
  static @Nullable Integer trustGraphMaxEdges(FilterConfig config) throws InitParamException {
    String value = config.getInitParameter(LanyardFilter.TRUST_GRAPH_MAX_EDGES);
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      int maxEdges = Integer.parseInt(value.strip());
      if (maxEdges >= 1) {
        return maxEdges;
      }
    } catch (NumberFormatException e) {
      // named below
    }
    throw new InitParamException(LanyardFilter.TRUST_GRAPH_MAX_EDGES, "must be a positive whole number");
  }

  /**
   * The SLF4J audit sink the {@code audit-allowed-level}, {@code audit-async} and {@code audit-queue-size}
   * init-params describe: by default allowed decisions at DEBUG, behind a queue of
   * {@value LanyardFilter.Builder#DEFAULT_AUDIT_QUEUE} events.
   */
  static AuditSink auditSink(FilterConfig config) throws InitParamException {
    String level = config.getInitParameter(LanyardFilter.AUDIT_ALLOWED_LEVEL);
    AuditSink slf4j;
    try {
      slf4j = level == null || level.isBlank() ? AuditSink.slf4j() : AuditSink.slf4j(level);
    } catch (IllegalArgumentException e) {
      throw new InitParamException(LanyardFilter.AUDIT_ALLOWED_LEVEL, "must be TRACE, DEBUG, INFO or OFF");
    }
    // Checked with audit-async=false too: a value that would fail once async is turned on fails now.
    int queueSize = auditQueueSize(config);
    String async = config.getInitParameter(LanyardFilter.AUDIT_ASYNC);
    if (async != null && !async.isBlank() && !flag(config, LanyardFilter.AUDIT_ASYNC)) {
      return slf4j;
    }
    return AuditSink.async(slf4j, queueSize);
  }

  /** The {@code audit-queue-size} init-param, or the default when it is not set. */
  static int auditQueueSize(FilterConfig config) throws InitParamException {
    String value = config.getInitParameter(LanyardFilter.AUDIT_QUEUE_SIZE);
    if (value == null || value.isBlank()) {
      return LanyardFilter.Builder.DEFAULT_AUDIT_QUEUE;
    }
    try {
      int size = Integer.parseInt(value.strip());
      if (size >= 1 && size <= AsyncAuditSink.MAX_CAPACITY) {
        return size;
      }
    } catch (NumberFormatException e) {
      // named below
    }
    throw new InitParamException(LanyardFilter.AUDIT_QUEUE_SIZE, "must be a whole number between 1 and "
        + AsyncAuditSink.MAX_CAPACITY);
  }

  /** The OIDC verifier the {@code oidc-*} init-params configure, or null when {@code oidc-issuers} is not set. */
  static @Nullable OidcTokenVerifier oidcVerifier(FilterConfig config, InboundSettings settings)
      throws InitParamException {
    String issuers = config.getInitParameter(LanyardFilter.OIDC_ISSUERS);
    if (issuers == null || issuers.isBlank()) {
      return null;
    }
    OidcTokenVerifier.Builder builder = OidcTokenVerifier.newBuilder();
    try {
      for (String issuer : issuers.split(",", -1)) {
        builder.issuer(issuer.strip());
      }
    } catch (IllegalArgumentException e) {
      throw new InitParamException(LanyardFilter.OIDC_ISSUERS, e.getMessage());
    }
    String audience = config.getInitParameter(LanyardFilter.OIDC_AUDIENCE);
    builder.audience(audience == null || audience.isBlank() ? settings.audience() : audience.strip());
    String trustDomain = config.getInitParameter(LanyardFilter.OIDC_TRUST_DOMAIN);
    try {
      builder.trustDomain(trustDomain == null || trustDomain.isBlank() ? settings.trustDomain()
          : TrustDomain.of(trustDomain.strip()));
    } catch (IllegalArgumentException e) {
      throw new InitParamException(LanyardFilter.OIDC_TRUST_DOMAIN, e.getMessage());
    }
    Duration maxLifetime = duration(config, LanyardFilter.OIDC_MAX_TOKEN_LIFETIME);
    if (maxLifetime != null) {
      try {
        builder.maxTokenLifetime(InboundSettings.checkMaxTokenLifetime(maxLifetime));
      } catch (IllegalArgumentException e) {
        throw new InitParamException(LanyardFilter.OIDC_MAX_TOKEN_LIFETIME, "must be more than 0 and at most 24h");
      }
    }
    builder.clockSkew(settings.clockSkew());
    if (flag(config, LanyardFilter.OIDC_ALLOW_INSECURE_HTTP)) {
      builder.allowInsecureHttp();
    }
    try {
      return builder.build();
    } catch (IllegalStateException e) {
      throw new InitParamException(LanyardFilter.OIDC_ISSUERS, e.getMessage() + " (init-param '"
          + LanyardFilter.OIDC_ALLOW_INSECURE_HTTP + "' set to true allows http, for tests only)");
    }
  }

  /**
   * The own bundle source federated with the trust domains of the {@code lanyard.federation.<trust domain>}
   * init-params (each a bundle file or an https URL, with the same rules and staleness bound as {@code bundle}), or
   * null when there are none. On an error, the sources already built are closed.
   */
  static @Nullable FederatedBundleSource federation(FilterConfig config, InboundSettings settings, BundleSource own)
      throws InitParamException {
    List<String> names = new ArrayList<>();
    for (String name : Collections.list(config.getInitParameterNames())) {
      if (name.startsWith(LanyardFilter.FEDERATION_PREFIX)) {
        names.add(name);
      }
    }
    if (names.isEmpty()) {
      return null;
    }
    Collections.sort(names);
    FederatedBundleSource.Builder builder = FederatedBundleSource.newBuilder(settings.trustDomain(), own);
    List<AutoCloseable> built = new ArrayList<>();
    try {
      for (String name : names) {
        TrustDomain td;
        try {
          td = TrustDomain.of(name.substring(LanyardFilter.FEDERATION_PREFIX.length()));
        } catch (IllegalArgumentException e) {
          throw new InitParamException(name, "does not name a trust domain: " + e.getMessage());
        }
        if (td.equals(settings.trustDomain())) {
          throw new InitParamException(name, "names this filter's own trust domain, whose bundle is init-param '"
              + LanyardFilter.BUNDLE + "'");
        }
        String value = required(config, name);
        String lower = value.toLowerCase(Locale.ROOT);
        try {
          if (lower.startsWith("http://") && !settings.allowInsecureHttpBundle()) {
            throw new InitParamException(name, "'" + value + "' is cleartext http: bundles must come over https "
                + "(init-param '" + LanyardFilter.ALLOW_INSECURE_HTTP_BUNDLE + "' set to true allows http, for tests "
                + "only)");
          }
          if (lower.startsWith("https://") || lower.startsWith("http://")) {
            HttpBundleSource.Builder http = HttpBundleSource.newBuilder(td, URI.create(value))
                .maxStaleness(settings.bundleMaxStaleness());
            if (settings.allowInsecureHttpBundle()) {
              http.allowInsecureHttp();
            }
            HttpBundleSource source = http.build();
            built.add(source);
            builder.federate(td, source);
          } else {
            builder.federate(td, FileBundleSource.of(td, resolve(config, value)));
          }
        } catch (RuntimeException e) {
          throw new InitParamException(name, e.getMessage());
        }
      }
      try {
        return builder.build();
      } catch (IllegalArgumentException e) {
        throw new InitParamException(LanyardFilter.FEDERATION_PREFIX + "*", e.getMessage());
      }
    } catch (InitParamException e) {
      for (AutoCloseable source : built) {
        try {
          source.close();
        } catch (Exception ignored) {
          // closing an http source only stops its refresh thread
        }
      }
      throw e;
    }
  }

  /** The inbound settings the init-params give, checked in the order the README lists them. */
  static InboundSettings settings(FilterConfig config) throws InitParamException {
    InboundSettings.Builder builder = InboundSettings.newBuilder();
    try {
      try {
        builder.trustDomain(TrustDomain.of(required(config, LanyardFilter.TRUST_DOMAIN)));
      } catch (IllegalArgumentException e) {
        throw new InitParamException(LanyardFilter.TRUST_DOMAIN, e.getMessage());
      }
      builder.audience(required(config, LanyardFilter.AUDIENCE));
      Duration maxLifetime = duration(config, LanyardFilter.MAX_TOKEN_LIFETIME);
      if (maxLifetime != null) {
        builder.maxTokenLifetime(maxLifetime);
      }
      Duration skew = duration(config, LanyardFilter.CLOCK_SKEW);
      if (skew != null) {
        builder.clockSkew(skew);
      }
      builder.bundle(required(config, LanyardFilter.BUNDLE));
      if (flag(config, LanyardFilter.ALLOW_INSECURE_HTTP_BUNDLE)) {
        builder.allowInsecureHttpBundle();
      }
      Duration staleness = duration(config, LanyardFilter.BUNDLE_MAX_STALENESS);
      if (staleness != null) {
        builder.bundleMaxStaleness(staleness);
      }
      if (flag(config, LanyardFilter.ALLOW_UNNORMALIZED_PATHS)) {
        builder.allowUnnormalizedPaths();
      }
      return builder.build();
    } catch (InvalidSettingException e) {
      throw new InitParamException(name(e.setting()), problem(e, config));
    }
  }

  /** The init-param of a setting. */
  static String name(Setting setting) {
    switch (setting) {
      case TRUST_DOMAIN:
        return LanyardFilter.TRUST_DOMAIN;
      case AUDIENCE:
        return LanyardFilter.AUDIENCE;
      case BUNDLE:
        return LanyardFilter.BUNDLE;
      case ALLOW_INSECURE_HTTP_BUNDLE:
        return LanyardFilter.ALLOW_INSECURE_HTTP_BUNDLE;
      case MAX_TOKEN_LIFETIME:
        return LanyardFilter.MAX_TOKEN_LIFETIME;
      case CLOCK_SKEW:
        return LanyardFilter.CLOCK_SKEW;
      case ALLOW_UNNORMALIZED_PATHS:
        return LanyardFilter.ALLOW_UNNORMALIZED_PATHS;
      case BUNDLE_MAX_STALENESS:
        return LanyardFilter.BUNDLE_MAX_STALENESS;
      default:
        throw new AssertionError(setting);
    }
  }

  /** The problem in the filter's words (the init-param error texts the README and tests pin). */
  private static String problem(InvalidSettingException e, FilterConfig config) {
    if (e.setting() == Setting.CLOCK_SKEW) {
      // An init-param cannot write a negative duration (Durations refuses a sign), so only the upper bound is named.
      return "must be at most " + InboundSettings.MAX_CLOCK_SKEW.toMinutes() + "m";
    }
    if (e.remedy().isPresent()) {
      return "'" + config.getInitParameter(name(e.setting())).strip() + "' " + e.problem() + " (init-param '"
          + name(e.remedy().get()) + "' set to true allows http, for tests only)";
    }
    return e.problem();
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

  /** The duration an init-param gives, or null when it is not set (the default applies). */
  private static @Nullable Duration duration(FilterConfig config, String name) throws InitParamException {
    String value = config.getInitParameter(name);
    if (value == null || value.isBlank()) {
      return null;
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
}

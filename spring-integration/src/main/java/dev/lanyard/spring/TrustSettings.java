package dev.lanyard.spring;

import static dev.lanyard.spring.LanyardSettings.ALLOW_INSECURE_HTTP_BUNDLE;
import static dev.lanyard.spring.LanyardSettings.BUNDLE;
import static dev.lanyard.spring.LanyardSettings.CLASSPATH_PREFIX;
import static dev.lanyard.spring.LanyardSettings.OIDC_ALLOW_INSECURE_HTTP;
import static dev.lanyard.spring.LanyardSettings.OIDC_ISSUERS;
import static dev.lanyard.spring.LanyardSettings.OIDC_MAX_TOKEN_LIFETIME;
import static dev.lanyard.spring.LanyardSettings.OIDC_TRUST_DOMAIN;
import static dev.lanyard.spring.LanyardSettings.blank;
import static dev.lanyard.spring.LanyardSettings.federationProperty;
import static dev.lanyard.spring.LanyardSettings.filePath;
import static dev.lanyard.spring.LanyardSettings.invalid;
import static dev.lanyard.spring.LanyardSettings.stripped;

import dev.lanyard.oidc.OidcTokenVerifier;
import dev.lanyard.servlet.InboundSettings;
import dev.lanyard.servlet.InboundSettings.InvalidSettingException;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.ResourceLoader;

/**
 * Which callers' credentials this service accepts: the {@link InboundSettings} that the servlet filter shares (audience,
 * {@code lanyard.bundle}, limits; defaults and bounds defined there, once), the federated trust domains
 * ({@code lanyard.federation.*}) and the Kubernetes service-account token issuers ({@code lanyard.oidc.*}), checked.
 * Every problem is an {@code InvalidConfigurationPropertyValueException} naming the property and saying why.
 *
 * <p>Thread-safe: immutable.
 */
final class TrustSettings {
  private final InboundSettings inbound;
  private final Map<TrustDomain, String> federation;
  private final @Nullable OidcTokenVerifier oidcVerifier;

  private TrustSettings(LanyardProperties p, IdentitySettings identity, ResourceLoader resources) {
    this.inbound = withBundle(inbound(p, identity.trustDomain(), identity.spiffeId()), p.getBundle(), resources);
    this.federation = federation(p, identity.trustDomain(), resources);
    this.oidcVerifier = oidcVerifier(p.getOidc(), inbound);
  }

  /**
   * Checks the inbound, federation and OIDC properties of the service {@code identity} names.
   *
   * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException naming the
   *     first bad property and why
   */
  static TrustSettings of(LanyardProperties properties, IdentitySettings identity, ResourceLoader resources) {
    return new TrustSettings(properties, identity, resources);
  }

  /** The inbound settings shared with the servlet filter. */
  InboundSettings inbound() {
    return inbound;
  }

  /** {@code lanyard.federation.<trust domain>}: each federated trust domain and its bundle location, in order. */
  Map<TrustDomain, String> federation() {
    return federation;
  }

  /** The Kubernetes service-account token verifier of {@code lanyard.oidc.*}, when issuers are set. */
  Optional<OidcTokenVerifier> oidcVerifier() {
    return Optional.ofNullable(oidcVerifier);
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
      throw LanyardSettings.invalid(e, p.getMaxTokenLifetime());
    }
    try {
      if (p.getClockSkew() != null) {
        builder.clockSkew(p.getClockSkew());
      }
    } catch (InvalidSettingException e) {
      throw LanyardSettings.invalid(e, p.getClockSkew());
    }
    Duration staleness = p.getBundleMaxStaleness();
    try {
      if (staleness != null) {
        builder.bundleMaxStaleness(staleness);
      }
    } catch (InvalidSettingException e) {
      throw LanyardSettings.invalid(e, staleness);
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
      if (!Files.isRegularFile(filePath(BUNDLE, value))) {
        throw invalid(BUNDLE, value, "no such file (give a SPIFFE bundle file or an http(s) URL)");
      }
    } else if (!resources.getResource(value).exists()) {
      throw invalid(BUNDLE, value, "no such resource on the class path");
    }
    try {
      return builder.bundle(value).build();
    } catch (InvalidSettingException e) {
      throw LanyardSettings.invalid(e, value);
    }
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

  /**
   * {@code lanyard.oidc.*} checked and built (the filter's {@code oidc-*} init-params, as properties): null when no
   * issuer is set; audience and trust domain default to the inbound ones, the lifetime has the inbound bounds (checked
   * by {@link InboundSettings}, where they are defined).
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
      try {
        InboundSettings.newBuilder().maxTokenLifetime(maxLifetime); // the inbound bounds, defined once there
      } catch (InvalidSettingException e) {
        throw invalid(OIDC_MAX_TOKEN_LIFETIME, maxLifetime, e.problem());
      }
      builder.maxTokenLifetime(maxLifetime);
    }
    builder.clockSkew(inbound.clockSkew());
    if (p.isAllowInsecureHttp()) {
      builder.allowInsecureHttp();
    }
    return builder.build();
  }

  private static boolean isHttp(String value) {
    String lower = value.toLowerCase(Locale.ROOT);
    return lower.startsWith("https://") || lower.startsWith("http://");
  }
}

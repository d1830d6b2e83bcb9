package dev.lanyard.spring;

import dev.lanyard.credentials.CachingJwtSvidSource;
import dev.lanyard.credentials.RotatingX509SvidSource;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.BundleUnavailableException;
import dev.lanyard.trust.FileBundleSource;
import dev.lanyard.trust.HttpBundleSource;
import dev.lanyard.trust.JwtKey;
import dev.lanyard.trust.TrustBundle;
import dev.lanyard.x509.X509Svid;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What the operations view shows: identity, credential expiry, bundle, policy and decision counters. Metadata only:
 * never a token, a key or a certificate body.
 */
final class LanyardStatus {
  private final LanyardSettings settings;
  private final LanyardIdentity identity;
  private final BundleSource bundles;
  private final AuditCounters counters;
  private final Clock clock;

  LanyardStatus(LanyardSettings settings, LanyardIdentity identity, BundleSource bundles, AuditCounters counters,
      Clock clock) {
    this.settings = settings;
    this.identity = identity;
    this.bundles = bundles;
    this.counters = counters;
    this.clock = clock;
  }

  /** The whole view, for the {@code lanyard} actuator endpoint. */
  Map<String, Object> describe() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("spiffeId", identity.spiffeId().toString());
    out.put("trustDomain", settings.trustDomain().name());
    out.put("audience", settings.audience());
    out.put("identitySource", builtIn(identity) ? settings.sourceName()
        : "bean " + identity.getClass().getName());
    out.put("x509Svid", x509Svid());
    if (identity.jwtSvids() instanceof CachingJwtSvidSource) {
      out.put("jwtSvids", Map.of("cachedTokens", ((CachingJwtSvidSource) identity.jwtSvids()).cachedTokenCount()));
    }
    out.put("bundle", bundle());
    Map<String, Object> policy = new LinkedHashMap<>();
    policy.put("source", settings.policy().origin());
    policy.put("rules", settings.policy().current().ruleCount());
    out.put("policy", policy);
    Map<String, Object> calls = new LinkedHashMap<>();
    calls.put("accepted", counters.accepted());
    calls.put("rejected", counters.rejected());
    out.put("calls", calls);
    return out;
  }

  private Map<String, Object> x509Svid() {
    X509Svid svid = identity.x509Svids().current();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("serial", svid.serial());
    out.put("notBefore", svid.notBefore().toString());
    out.put("expiresAt", svid.expiresAt().toString());
    if (identity.x509Svids() instanceof RotatingX509SvidSource) {
      ((RotatingX509SvidSource) identity.x509Svids()).nextRenewal()
          .ifPresent(at -> out.put("nextRenewal", at.toString()));
    }
    out.put("expired", !clock.instant().isBefore(svid.expiresAt()));
    return out;
  }

  private Map<String, Object> bundle() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("source", sourceKind());
    if (bundles instanceof HttpBundleSource) {
      Optional<Instant> fetched = ((HttpBundleSource) bundles).lastFetched();
      out.put("lastRefresh", fetched.map(Instant::toString).orElse(null));
    } else if (bundles instanceof FileBundleSource) {
      out.put("lastRefresh", ((FileBundleSource) bundles).lastLoaded().toString());
    }
    try {
      Optional<TrustBundle> bundle = bundles.bundleFor(settings.trustDomain());
      out.put("available", bundle.isPresent());
      bundle.ifPresent(b -> {
        List<String> kids = new ArrayList<>();
        for (JwtKey key : b.jwtKeys()) {
          kids.add(key.keyId());
        }
        out.put("jwtKeyIds", kids);
        out.put("x509Authorities", b.x509Authorities().size());
        b.sequence().ifPresent(s -> out.put("sequence", s));
        b.refreshHint().ifPresent(h -> out.put("refreshHint", h.toString()));
        out.put("skippedKeys", b.skippedKeys().size());
      });
    } catch (BundleUnavailableException e) {
      out.put("available", false);
      out.put("error", e.getMessage());
    }
    return out;
  }

  private String sourceKind() {
    if (bundles == identity.bundles()) {
      return identity instanceof EmbeddedIdentity ? "embedded authority"
          : builtIn(identity) ? "workload api" : "identity";
    }
    if (bundles instanceof HttpBundleSource) {
      return "http";
    }
    if (bundles instanceof FileBundleSource) {
      return "file";
    }
    return "bean " + bundles.getClass().getName();
  }

  /** Null when healthy, otherwise why not: the service's own SVID has expired, or the bundle cannot be had. */
  @Nullable String problem() {
    X509Svid svid = identity.x509Svids().current();
    if (!clock.instant().isBefore(svid.expiresAt())) {
      return "the X.509-SVID of " + identity.spiffeId() + " expired at " + svid.expiresAt();
    }
    try {
      if (bundles.bundleFor(settings.trustDomain()).isEmpty()) {
        return "no trust bundle for " + settings.trustDomain();
      }
    } catch (BundleUnavailableException e) {
      return "trust bundle unavailable: " + e.getMessage();
    }
    return null;
  }

  /** A few details for the health indicator. */
  Map<String, Object> healthDetails() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("spiffeId", identity.spiffeId().toString());
    out.put("x509SvidExpiresAt", identity.x509Svids().current().expiresAt().toString());
    if (identity.x509Svids() instanceof RotatingX509SvidSource) {
      ((RotatingX509SvidSource) identity.x509Svids()).nextRenewal()
          .ifPresent(at -> out.put("x509SvidNextRenewal", at.toString()));
    }
    return out;
  }

  /**
   * Whether {@code identity} is one the starter built (compared by name: naming the Workload API's class would load
   * it, and the module it needs may be absent).
   */
  private static boolean builtIn(LanyardIdentity identity) {
    return identity instanceof EmbeddedIdentity
        || "dev.lanyard.spring.WorkloadApiLanyardIdentity".equals(identity.getClass().getName());
  }
}

package dev.lanyard.spring;

import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.BundleUnavailableException;
import dev.lanyard.trust.FederatedBundleSource;
import dev.lanyard.trust.FileBundleSource;
import dev.lanyard.trust.HttpBundleSource;
import dev.lanyard.trust.TrustBundle;
import dev.lanyard.x509.X509Svid;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * The starter's one INFO start-up line (logger {@code dev.lanyard.spring.LanyardAutoConfiguration}), written once
 * every singleton is built: identity (SPIFFE ID, source, the embedded authority's directory, SVID expiry and DNS
 * names), trust (bundle source, JWT key ids, X.509 root count, sequence, federated trust domains), policy (source and
 * rule count) and outbound targets (name, base URL, audience). Metadata only: never a token, key or certificate body.
 * Whether the embedded authority was created or opened is the authority's own INFO line
 * ({@code dev.lanyard.authority.EmbeddedAuthority}).
 *
 * <p>Thread-safe: immutable; Spring calls it once.
 */
final class LanyardStartupLog implements SmartInitializingSingleton {
  private static final Logger LOG = LoggerFactory.getLogger(LanyardAutoConfiguration.class);

  private final LanyardSettings settings;
  private final LanyardIdentity identity;
  private final BundleSource bundles;

  LanyardStartupLog(LanyardSettings settings, LanyardIdentity identity, BundleSource bundles) {
    this.settings = settings;
    this.identity = identity;
    this.bundles = bundles;
  }

  @Override
  public void afterSingletonsInstantiated() {
    LOG.info("{}", line());
  }

  /** The line. */
  String line() {
    return "Lanyard started: identity " + identity() + "; trust " + trust() + "; policy " + settings.policy().origin()
        + " (" + settings.policy().current().ruleCount() + " rules); outbound targets " + targets();
  }

  private String identity() {
    StringBuilder out = new StringBuilder().append(identity.spiffeId()).append(" from ");
    if (identity instanceof EmbeddedIdentity) {
      Optional<Path> dir = ((EmbeddedIdentity) identity).directory();
      out.append("the embedded authority ").append(dir.map(d -> "in " + d).orElse("in memory"));
    } else if (identity instanceof FilesLanyardIdentity) {
      out.append("files ").append(settings.files().getCertificate());
    } else if ("dev.lanyard.spring.WorkloadApiLanyardIdentity".equals(identity.getClass().getName())) {
      out.append("the Workload API ").append(settings.workloadApiSocket().orElse("at SPIFFE_ENDPOINT_SOCKET"));
    } else {
      out.append("bean ").append(identity.getClass().getName());
    }
    X509Svid svid = identity.x509Svids().current();
    out.append(" (X.509-SVID expires ").append(svid.expiresAt());
    if (!settings.dnsNames().isEmpty()) {
      out.append(", DNS names ").append(settings.dnsNames());
    }
    return out.append(')').toString();
  }

  private String trust() {
    StringBuilder out = new StringBuilder().append(settings.trustDomain()).append(" from ");
    BundleSource own = bundles instanceof FederatedBundleSource ? ownSource() : bundles;
    if (own == identity.bundles()) {
      out.append("the identity's source");
    } else if (own instanceof HttpBundleSource) {
      out.append("endpoint ").append(settings.inbound().bundle().orElse("?"));
    } else if (own instanceof FileBundleSource) {
      out.append("file ").append(settings.inbound().bundle().orElse("?"));
    } else if (settings.inbound().bundle().isPresent()) {
      out.append(settings.inbound().bundle().get());
    } else {
      out.append("bean ").append(bundles.getClass().getName());
    }
    try {
      Optional<TrustBundle> bundle = bundles.bundleFor(settings.trustDomain());
      if (bundle.isEmpty()) {
        out.append(" (no bundle yet)");
      } else {
        List<String> keyIds = new ArrayList<>();
        bundle.get().jwtKeys().forEach(key -> keyIds.add(key.keyId()));
        out.append(" (JWT keys ").append(keyIds).append(", X.509 roots ")
            .append(bundle.get().x509Authorities().size());
        bundle.get().sequence().ifPresent(sequence -> out.append(", sequence ").append(sequence));
        out.append(')');
      }
    } catch (BundleUnavailableException e) {
      out.append(" (unavailable: ").append(e.getMessage()).append(')');
    }
    if (bundles instanceof FederatedBundleSource) {
      out.append(", federated ").append(((FederatedBundleSource) bundles).federatedTrustDomains());
    }
    return out.toString();
  }

  private BundleSource ownSource() {
    return settings.inbound().bundle().isEmpty() ? identity.bundles() : bundles;
  }

  private String targets() {
    if (settings.targets().isEmpty()) {
      return "none";
    }
    List<String> out = new ArrayList<>();
    for (ClientTarget target : settings.targets()) {
      out.add(target.name() + " -> " + target.url() + " (audience " + target.audience() + ")");
    }
    return String.join(", ", out);
  }
}

package dev.lanyard.trust;

import dev.lanyard.spiffe.TrustDomain;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A fixed set of bundles.
 *
 * <p>Thread-safe: immutable.
 */
final class StaticBundleSource implements BundleSource {
  private final Map<TrustDomain, Optional<TrustBundle>> bundles;

  private StaticBundleSource(Map<TrustDomain, Optional<TrustBundle>> bundles) {
    this.bundles = bundles;
  }

  static StaticBundleSource of(TrustBundle... bundles) {
    Map<TrustDomain, Optional<TrustBundle>> map = new HashMap<>();
    for (TrustBundle bundle : bundles) {
      if (map.put(bundle.trustDomain(), Optional.of(bundle)) != null) {
        throw new IllegalArgumentException("two bundles for trust domain " + bundle.trustDomain());
      }
    }
    return new StaticBundleSource(Map.copyOf(map));
  }

  @Override
  public Optional<TrustBundle> bundleFor(TrustDomain trustDomain) {
    return bundles.getOrDefault(trustDomain, Optional.empty());
  }

  @Override
  public String toString() {
    return "StaticBundleSource" + bundles.keySet();
  }
}

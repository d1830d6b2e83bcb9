package dev.lanyard.trust;

import dev.lanyard.spiffe.TrustDomain;
import java.util.Objects;
import java.util.Optional;

/**
 * Hands out the current trust bundle of a trust domain. Implementations are thread-safe and fast: verifiers call
 * {@link #bundleFor(TrustDomain)} on every verification, and treat a changed instance as a changed bundle.
 */
@FunctionalInterface
public interface BundleSource {
  /**
   * The current bundle of {@code trustDomain}, or empty when this source does not trust that domain at all.
   *
   * @throws BundleUnavailableException when the domain is trusted but its bundle cannot be had right now
   */
  Optional<TrustBundle> bundleFor(TrustDomain trustDomain);

  /**
   * Hints that the bundle of {@code trustDomain} may be out of date (a token named a key it does not hold). Sources
   * that fetch bundles refresh early, rate-limited; others ignore it. Never blocks.
   */
  default void requestRefresh(TrustDomain trustDomain) {}

  /** A source that always hands out these bundles (at most one per trust domain). */
  static BundleSource of(TrustBundle... bundles) {
    Objects.requireNonNull(bundles, "bundles");
    return StaticBundleSource.of(bundles);
  }
}

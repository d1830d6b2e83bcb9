package dev.lanyard.x509;

import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.RevocationList;
import dev.lanyard.trust.BundleUnavailableException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Verifies X.509-SVID chains (leaf first, then intermediates) against the X.509 roots of the leaf's trust domain.
 * Thread-safe.
 */
public interface X509SvidVerifier {
  /**
   * Verifies a presented chain.
   *
   * @throws X509SvidRejectedException with the reason when the chain is rejected
   * @throws BundleUnavailableException when the bundle cannot be had right now
   */
  VerifiedX509Svid verify(List<X509Certificate> chain) throws X509SvidRejectedException;

  /** A builder with strict defaults. */
  static Builder newBuilder() {
    return new Builder();
  }

  /**
   * Builds an X.509-SVID verifier. Defaults: the system clock, any trust domain the source has a bundle for, at most
   * 10 certificates presented. Each option can be set once.
   */
  final class Builder {
    /** Default and largest number of certificates accepted in a presented chain. */
    public static final int DEFAULT_MAX_CHAIN_LENGTH = 10;

    @Nullable BundleSource bundleSource;
    @Nullable Clock clock;
    @Nullable Set<TrustDomain> trustDomains;
    @Nullable RevocationList revocations;
    int maxChainLength = -1;

    Builder() {}

    /** Where the trust bundles come from. Required. */
    public Builder bundleSource(BundleSource bundleSource) {
      if (this.bundleSource != null) {
        throw new IllegalStateException("bundleSource was already set");
      }
      this.bundleSource = Objects.requireNonNull(bundleSource, "bundleSource");
      return this;
    }

    /** The clock to validate at. */
    public Builder clock(Clock clock) {
      if (this.clock != null) {
        throw new IllegalStateException("clock was already set");
      }
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Accept only leaves of these trust domains. */
    public Builder trustDomains(TrustDomain first, TrustDomain... more) {
      if (this.trustDomains != null) {
        throw new IllegalStateException("trustDomains was already set");
      }
      Set<TrustDomain> set = new LinkedHashSet<>();
      set.add(Objects.requireNonNull(first, "trustDomain"));
      for (TrustDomain td : more) {
        set.add(Objects.requireNonNull(td, "trustDomain"));
      }
      this.trustDomains = Set.copyOf(set);
      return this;
    }

    /**
     * Revocations to honour: a chain whose SPIFFE ID is {@linkplain RevocationList#revokeSubject revoked} for
     * credentials issued before an instant is refused with {@code REVOKED} when its leaf's {@code notBefore} is
     * earlier, after the chain itself verified. Issuers backdate {@code notBefore} a little (the embedded authority
     * by 10 s), so an SVID issued that long after the revocation instant is refused too: revoke with an instant a
     * little in the past of a re-enrolment, never later. Share the list the JWT-SVID verifier uses. None by default.
     */
    public Builder revocations(RevocationList revocations) {
      if (this.revocations != null) {
        throw new IllegalStateException("revocations was already set");
      }
      this.revocations = Objects.requireNonNull(revocations, "revocations");
      return this;
    }

    /** Most certificates accepted in a presented chain (1 to 10). */
    public Builder maxChainLength(int maxChainLength) {
      if (this.maxChainLength >= 0) {
        throw new IllegalStateException("maxChainLength was already set");
      }
      if (maxChainLength < 1 || maxChainLength > DEFAULT_MAX_CHAIN_LENGTH) {
        throw new IllegalArgumentException("maxChainLength must be between 1 and " + DEFAULT_MAX_CHAIN_LENGTH);
      }
      this.maxChainLength = maxChainLength;
      return this;
    }

    /** The verifier. */
    public X509SvidVerifier build() {
      if (bundleSource == null) {
        throw new IllegalStateException("a bundle source is required");
      }
      return new DefaultX509SvidVerifier(bundleSource, clock != null ? clock : Clock.systemUTC(), trustDomains,
          maxChainLength > 0 ? maxChainLength : DEFAULT_MAX_CHAIN_LENGTH, revocations);
    }
  }
}

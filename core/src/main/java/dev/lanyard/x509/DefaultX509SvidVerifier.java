package dev.lanyard.x509;

import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.RevocationList;
import dev.lanyard.trust.TrustBundle;
import dev.lanyard.x509.X509SvidRejectedException.Reason;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** The verifier behind {@link X509SvidVerifier#newBuilder()}. */
final class DefaultX509SvidVerifier implements X509SvidVerifier {
  private final BundleSource bundleSource;
  private final Clock clock;
  private final @Nullable Set<TrustDomain> trustDomains;
  private final int maxChainLength;
  private final @Nullable RevocationList revocations;

  DefaultX509SvidVerifier(BundleSource bundleSource, Clock clock, @Nullable Set<TrustDomain> trustDomains,
      int maxChainLength, @Nullable RevocationList revocations) {
    this.bundleSource = bundleSource;
    this.clock = clock;
    this.trustDomains = trustDomains;
    this.maxChainLength = maxChainLength;
    this.revocations = revocations;
  }

  @Override
  public VerifiedX509Svid verify(List<X509Certificate> chain) throws X509SvidRejectedException {
    if (chain == null || chain.isEmpty()) {
      throw new X509SvidRejectedException(Reason.MALFORMED, "no certificate");
    }
    if (chain.size() > maxChainLength) {
      throw new X509SvidRejectedException(Reason.CHAIN_TOO_LONG,
          chain.size() + " certificates presented (at most " + maxChainLength + ")");
    }
    for (X509Certificate certificate : chain) {
      if (certificate == null) {
        throw new X509SvidRejectedException(Reason.MALFORMED, "a certificate of the chain is missing");
      }
    }
    X509Certificate leaf = chain.get(0);
    SpiffeId id = SvidProfile.checkLeaf(leaf);
    TrustDomain trustDomain = id.trustDomain();
    if (trustDomains != null && !trustDomains.contains(trustDomain)) {
      throw new X509SvidRejectedException(Reason.UNTRUSTED_TRUST_DOMAIN,
          "trust domain " + trustDomain + " is not accepted");
    }
    TrustBundle bundle = bundleSource.bundleFor(trustDomain).orElse(null);
    if (bundle == null) {
      throw new X509SvidRejectedException(Reason.UNTRUSTED_TRUST_DOMAIN, "no bundle for trust domain " + trustDomain);
    }
    Instant now = clock.instant();
    if (now.isAfter(leaf.getNotAfter().toInstant())) {
      throw new X509SvidRejectedException(Reason.EXPIRED, "the leaf expired at " + leaf.getNotAfter().toInstant());
    }
    if (now.isBefore(leaf.getNotBefore().toInstant())) {
      throw new X509SvidRejectedException(Reason.NOT_YET_VALID,
          "the leaf is not valid before " + leaf.getNotBefore().toInstant());
    }
    ValidatedPath result = PathValidator.validate(leaf, chain.subList(1, chain.size()),
        bundle.x509Authorities(), now);
    // After the path: only a chain that verifies learns that its SPIFFE ID is revoked.
    Instant notBefore = leaf.getNotBefore().toInstant();
    if (revocations != null && revocations.isSubjectRevoked(id, notBefore)) {
      throw new X509SvidRejectedException(Reason.REVOKED,
          "SVIDs of " + id + " issued before the revocation are refused (this one is valid from " + notBefore + ")");
    }
    return new VerifiedX509Svid(id, result.path, result.anchor);
  }

  @Override
  public String toString() {
    return "X509SvidVerifier[trustDomains=" + (trustDomains == null ? "any with a bundle" : trustDomains)
        + ", revocations=" + (revocations != null)
        + ", maxChainLength=" + maxChainLength + "]";
  }
}

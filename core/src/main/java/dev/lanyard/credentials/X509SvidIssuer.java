package dev.lanyard.credentials;

import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.x509.X509Svid;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Something that issues X.509-SVIDs: the embedded authority, or a SPIRE agent through the Workload API.
 *
 * <p>Thread-safe: implementations must be, since SVID sources call them from renewal threads and handshakes.
 */
public interface X509SvidIssuer {
  /**
   * Issues an X.509-SVID for {@code subject} with a fresh key.
   *
   * @param ttl the lifetime wanted, or null for the issuer's default; the issuer may shorten it (to its maximum, or
   *     to its CA's remaining life) but never lengthens it, so callers schedule renewal from the returned SVID's
   *     {@link X509Svid#expiresAt()}, not from {@code ttl}. A zero or negative TTL is refused.
   */
  X509Svid issue(SpiffeId subject, @Nullable Duration ttl);

  /** False when an SVID issued earlier should be replaced now (its CA was tainted). Must be cheap. */
  default boolean isUsable(X509Svid svid) {
    return true;
  }
}

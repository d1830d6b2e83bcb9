package dev.lanyard.credentials;

import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.x509.X509Svid;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Something that issues X.509-SVIDs: the embedded authority, or a SPIRE agent through the Workload API.
 *
 * <p>Thread-safe: implementations must be, since sources renew from their scheduler threads.
 */
public interface X509SvidIssuer {
  /**
   * Issues an X.509-SVID for {@code subject} with a fresh key.
   *
   * @param ttl the lifetime wanted, or null for the issuer's default; the issuer may shorten it
   */
  X509Svid issue(SpiffeId subject, @Nullable Duration ttl);

  /** False when an SVID issued earlier should be replaced now (its CA was tainted). Must be cheap. */
  default boolean isUsable(X509Svid svid) {
    return true;
  }
}

package dev.lanyard.spring;

import dev.lanyard.credentials.JwtSvidSource;
import dev.lanyard.credentials.X509SvidSource;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.RevocationList;
import java.util.Optional;

/**
 * This service's own workload identity: the JWT-SVIDs it presents to others, its X.509-SVID for mutual TLS, and the
 * trust bundles of its trust domain.
 *
 * <p>The starter provides one for {@code lanyard.identity.source=embedded} and, with the module
 * {@code lanyard-workload-api}, for {@code workload-api} (a SPIRE agent). Declare a bean of this type to bring
 * credentials from elsewhere (files kept current by a sidecar, say): the built-in one backs off, whatever
 * {@code lanyard.identity.source} says. Implementations are thread-safe; if one is {@link AutoCloseable}, Spring closes
 * it on shutdown.
 */
public interface LanyardIdentity {
  /** This service's SPIFFE ID: the subject of its SVIDs. */
  SpiffeId spiffeId();

  /** Tokens this service presents to others, cached and renewed. */
  JwtSvidSource jwtSvids();

  /** This service's current X.509-SVID, renewed before it expires. */
  X509SvidSource x509Svids();

  /** The trust bundles this identity comes with (used to verify callers unless {@code lanyard.bundle} is set). */
  BundleSource bundles();

  /** Revocations to honour when verifying callers, if this identity source has any. */
  default Optional<RevocationList> revocations() {
    return Optional.empty();
  }
}

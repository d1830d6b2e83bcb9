package dev.lanyard.x509;

import dev.lanyard.internal.Certificates;
import dev.lanyard.spiffe.SpiffeId;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * An X.509-SVID chain that passed every check of an {@link X509SvidVerifier}. Only a verifier creates it.
 *
 * <p>Immutable.
 */
public final class VerifiedX509Svid {
  private final SpiffeId spiffeId;
  private final List<X509Certificate> path;
  private final X509Certificate trustAnchor;

  VerifiedX509Svid(SpiffeId spiffeId, List<X509Certificate> path, X509Certificate trustAnchor) {
    this.spiffeId = spiffeId;
    this.path = List.copyOf(path);
    this.trustAnchor = trustAnchor;
  }

  /** The SPIFFE ID of the leaf. */
  public SpiffeId spiffeId() {
    return spiffeId;
  }

  /** The leaf certificate. */
  public X509Certificate leaf() {
    return path.get(0);
  }

  /** The validated path, leaf first, without the trust anchor. */
  public List<X509Certificate> path() {
    return path;
  }

  /** The root of the bundle the path leads to. */
  public X509Certificate trustAnchor() {
    return trustAnchor;
  }

  /** When the leaf expires. */
  public Instant expiresAt() {
    return leaf().getNotAfter().toInstant();
  }

  /** The leaf's serial number, lowercase hex. */
  public String serial() {
    return Certificates.serialHex(leaf());
  }

  @Override
  public String toString() {
    return "VerifiedX509Svid[" + spiffeId + ", serial=" + serial() + ", notAfter=" + expiresAt() + "]";
  }
}

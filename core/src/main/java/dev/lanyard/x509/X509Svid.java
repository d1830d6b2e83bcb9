package dev.lanyard.x509;

import dev.lanyard.internal.Certificates;
import dev.lanyard.spiffe.SpiffeId;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * This workload's X.509-SVID: the certificate chain (leaf first, then intermediates up to but not including the
 * root) and its private key. {@link #toString()} prints metadata only, never the key.
 *
 * <p>Immutable.
 */
public final class X509Svid {
  private final SpiffeId spiffeId;
  private final List<X509Certificate> chain;
  private final @Nullable PrivateKey privateKey;

  private X509Svid(SpiffeId spiffeId, List<X509Certificate> chain, @Nullable PrivateKey privateKey) {
    this.spiffeId = spiffeId;
    this.chain = chain;
    this.privateKey = privateKey;
  }

  /**
   * An SVID from its chain and key. The leaf must meet the X509-SVID profile (one SPIFFE ID URI SAN, not a CA,
   * critical key usage with digitalSignature, server and client auth in any EKU). The key may be null when the
   * workload holds it elsewhere (issuance from a CSR).
   *
   * @throws X509SvidRejectedException when the leaf does not meet the profile
   */
  public static X509Svid of(List<X509Certificate> chain, @Nullable PrivateKey privateKey) throws X509SvidRejectedException {
    Objects.requireNonNull(chain, "chain");
    if (chain.isEmpty()) {
      throw new X509SvidRejectedException(X509SvidRejectedException.Reason.MALFORMED, "no certificate");
    }
    SpiffeId id = SvidProfile.checkLeaf(chain.get(0));
    return new X509Svid(id, List.copyOf(chain), privateKey);
  }

  /** The SPIFFE ID. */
  public SpiffeId spiffeId() {
    return spiffeId;
  }

  /** The leaf certificate. */
  public X509Certificate leaf() {
    return chain.get(0);
  }

  /** The chain, leaf first. */
  public List<X509Certificate> chain() {
    return chain;
  }

  /** The private key of the leaf, if this SVID holds it. Treat it as a secret. */
  public PrivateKey privateKey() {
    if (privateKey == null) {
      throw new IllegalStateException("this SVID was issued for a CSR; its private key is held elsewhere");
    }
    return privateKey;
  }

  /** True when this SVID holds its private key. */
  public boolean hasPrivateKey() {
    return privateKey != null;
  }

  /** When the leaf becomes valid. */
  public Instant notBefore() {
    return leaf().getNotBefore().toInstant();
  }

  /** When the leaf expires. */
  public Instant expiresAt() {
    return leaf().getNotAfter().toInstant();
  }

  /** The lifetime of the leaf. */
  public Duration lifetime() {
    return Duration.between(notBefore(), expiresAt());
  }

  /** The leaf's serial number, lowercase hex. */
  public String serial() {
    return Certificates.serialHex(leaf());
  }

  /** The chain as PEM, leaf first. */
  public String chainPem() {
    return Certificates.pem(chain);
  }

  /** The private key as PKCS#8 PEM. Treat the result as a secret. */
  public String privateKeyPem() {
    return Certificates.pem("PRIVATE KEY", privateKey().getEncoded());
  }

  /** Metadata only. */
  @Override
  public String toString() {
    return "X509Svid[" + spiffeId + ", serial=" + serial() + ", notAfter=" + expiresAt() + "]";
  }
}

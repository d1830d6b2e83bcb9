package dev.lanyard.trust;

import dev.lanyard.internal.Text;
import dev.lanyard.internal.VerificationKey;
import dev.lanyard.jose.JwtAlgorithm;
import java.security.PublicKey;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A JWT-SVID signing key of a trust bundle: its key id, public key and, when the bundle pins one, its algorithm. The
 * key has passed the bundle's import rules (EC P-256/P-384/P-521 on a valid point, or RSA of at least 2048 bits with
 * an exponent of at least 65537).
 *
 * <p>Thread-safe: immutable.
 */
public final class JwtKey {
  private final String keyId;
  private final PublicKey publicKey;
  private final @Nullable JwtAlgorithm algorithm;
  private final VerificationKey verificationKey;

  private JwtKey(String keyId, PublicKey publicKey, @Nullable JwtAlgorithm algorithm, VerificationKey verificationKey) {
    this.keyId = keyId;
    this.publicKey = publicKey;
    this.algorithm = algorithm;
    this.verificationKey = verificationKey;
  }

  /**
   * A key with id {@code keyId}, optionally pinned to {@code algorithm}.
   *
   * @throws IllegalArgumentException when the key is not usable for JWT-SVIDs, or the algorithm does not fit it
   */
  public static JwtKey of(String keyId, PublicKey publicKey, Optional<JwtAlgorithm> algorithm) {
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(publicKey, "publicKey");
    Objects.requireNonNull(algorithm, "algorithm");
    if (keyId.isEmpty()) {
      throw new IllegalArgumentException("key id is empty");
    }
    VerificationKey verificationKey = VerificationKey.of(publicKey);
    if (algorithm.isPresent() && !verificationKey.fits(algorithm.get())) {
      throw new IllegalArgumentException("algorithm " + algorithm.get() + " does not fit the key");
    }
    return new JwtKey(keyId, publicKey, algorithm.orElse(null), verificationKey);
  }

  /** The key id ({@code kid}). */
  public String keyId() {
    return keyId;
  }

  /** The public key. */
  public PublicKey publicKey() {
    return publicKey;
  }

  /** The algorithm the bundle pins for this key ({@code alg}), if any. */
  public Optional<JwtAlgorithm> algorithm() {
    return Optional.ofNullable(algorithm);
  }


  /** The prepared signature checker, parsed once per key. */
  VerificationKey verificationKey() {
    return verificationKey;
  }

  /** True when {@code header} may be verified with this key: the key fits it and any pinned algorithm equals it. */
  public boolean accepts(JwtAlgorithm header) {
    return (algorithm == null || algorithm == header) && verificationKey.fits(header);
  }

  /**
   * True when {@code signature} is a valid {@code algorithm} signature of this key over {@code signingInput} (for a
   * JWS, the ASCII bytes of {@code header.payload}; ECDSA signatures in the JWS form, {@code R || S}). False when it is
   * not, or when this key does not {@linkplain #accepts(JwtAlgorithm) accept} {@code algorithm}.
   */
  public boolean verifies(JwtAlgorithm algorithm, byte[] signingInput, byte[] signature) {
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(signingInput, "signingInput");
    Objects.requireNonNull(signature, "signature");
    return accepts(algorithm) && verificationKey.verify(algorithm, signingInput, signature);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof JwtKey)) {
      return false;
    }
    JwtKey other = (JwtKey) o;
    return keyId.equals(other.keyId) && publicKey.equals(other.publicKey) && algorithm == other.algorithm;
  }

  @Override
  public int hashCode() {
    return keyId.hashCode();
  }

  /** Metadata only; the key id in its printable form. */
  @Override
  public String toString() {
    return "JwtKey[kid=" + Text.printable(keyId) + ", type=" + verificationKey.family()
        + verificationKey.curve().map(c -> "/" + c).orElse("")
        + (algorithm == null ? "" : ", alg=" + algorithm) + "]";
  }
}

package dev.lanyard.jose;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The JWS algorithms a JWT-SVID may be signed with (SPIFFE JWT-SVID §3): RSA PKCS#1 v1.5, ECDSA and RSA-PSS with
 * SHA-256/384/512. {@code none}, HMAC and EdDSA are not JWT-SVID algorithms and have no constant here.
 */
public enum JwtAlgorithm {
  RS256(KeyFamily.RSA, "SHA-256", null),
  RS384(KeyFamily.RSA, "SHA-384", null),
  RS512(KeyFamily.RSA, "SHA-512", null),
  ES256(KeyFamily.EC, "SHA-256", "P-256"),
  ES384(KeyFamily.EC, "SHA-384", "P-384"),
  ES512(KeyFamily.EC, "SHA-512", "P-521"),
  PS256(KeyFamily.RSA, "SHA-256", null),
  PS384(KeyFamily.RSA, "SHA-384", null),
  PS512(KeyFamily.RSA, "SHA-512", null);

  /** The kind of key an algorithm needs. */
  public enum KeyFamily {
    /** Elliptic-curve keys ({@code kty: EC}). */
    EC,
    /** RSA keys ({@code kty: RSA}), at least 2048 bits. */
    RSA
  }

  private final KeyFamily keyFamily;
  private final String digest;
  private final @Nullable String curve;

  JwtAlgorithm(KeyFamily keyFamily, String digest, @Nullable String curve) {
    this.keyFamily = keyFamily;
    this.digest = digest;
    this.curve = curve;
  }

  /** The kind of key this algorithm needs. */
  public KeyFamily keyFamily() {
    return keyFamily;
  }

  /** The JCA name of the message digest, e.g. {@code SHA-256}. */
  public String digest() {
    return digest;
  }

  /** The JWA curve name ({@code P-256}, {@code P-384}, {@code P-521}) for ECDSA algorithms. */
  public Optional<String> curve() {
    return Optional.ofNullable(curve);
  }

  /** True for the RSA-PSS algorithms. */
  public boolean isPss() {
    return this == PS256 || this == PS384 || this == PS512;
  }

  /**
   * The algorithm with this exact JWA name (case-sensitive, as in a JWS header), if it is a JWT-SVID algorithm.
   */
  public static Optional<JwtAlgorithm> fromJwaName(String name) {
    if (name == null || name.length() != 5) {
      return Optional.empty();
    }
    for (JwtAlgorithm algorithm : VALUES) {
      if (algorithm.name().equals(name)) {
        return Optional.of(algorithm);
      }
    }
    return Optional.empty();
  }

  private static final JwtAlgorithm[] VALUES = values();
}

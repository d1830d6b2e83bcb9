package dev.lanyard.oidc;

import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.spiffe.SpiffeId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A Kubernetes service-account token that passed every check of an {@link OidcTokenVerifier}, with the SPIFFE ID its
 * service account maps to. Only a verifier creates instances; it does not keep the token text, and
 * {@link #toString()} prints metadata only.
 *
 * <p>Thread-safe: immutable.
 */
public final class VerifiedOidcToken {
  private final SpiffeId spiffeId;
  private final String issuer;
  private final String namespace;
  private final String serviceAccount;
  private final List<String> audience;
  private final Instant expiresAt;
  private final @Nullable Instant issuedAt;
  private final String keyId;
  private final @Nullable String tokenId;
  private final JwtAlgorithm algorithm;

  VerifiedOidcToken(SpiffeId spiffeId, String issuer, String namespace, String serviceAccount, List<String> audience,
      Instant expiresAt, @Nullable Instant issuedAt, String keyId, @Nullable String tokenId, JwtAlgorithm algorithm) {
    this.spiffeId = spiffeId;
    this.issuer = issuer;
    this.namespace = namespace;
    this.serviceAccount = serviceAccount;
    this.audience = List.copyOf(audience);
    this.expiresAt = expiresAt;
    this.issuedAt = issuedAt;
    this.keyId = keyId;
    this.tokenId = tokenId;
    this.algorithm = algorithm;
  }

  /** The SPIFFE ID the service account maps to, e.g. {@code spiffe://example.org/ns/shop/sa/orders}. */
  public SpiffeId spiffeId() {
    return spiffeId;
  }

  /** The issuer ({@code iss}), exactly as on the allow-list. */
  public String issuer() {
    return issuer;
  }

  /** The service account's namespace, from {@code sub}. */
  public String namespace() {
    return namespace;
  }

  /** The service account's name, from {@code sub}. */
  public String serviceAccount() {
    return serviceAccount;
  }

  /** The audiences ({@code aud}), in token order. */
  public List<String> audience() {
    return audience;
  }

  /** When the token expires ({@code exp}). */
  public Instant expiresAt() {
    return expiresAt;
  }

  /** When the token was issued ({@code iat}), if it says. */
  public Optional<Instant> issuedAt() {
    return Optional.ofNullable(issuedAt);
  }

  /** The id of the key that signed it ({@code kid}). */
  public String keyId() {
    return keyId;
  }

  /** The token id ({@code jti}), if present. */
  public Optional<String> tokenId() {
    return Optional.ofNullable(tokenId);
  }

  /** The signature algorithm ({@code alg}). */
  public JwtAlgorithm algorithm() {
    return algorithm;
  }

  /** Metadata only. */
  @Override
  public String toString() {
    return "VerifiedOidcToken[" + spiffeId + ", iss=" + issuer + ", exp=" + expiresAt + ", kid=" + keyId
        + (tokenId == null ? "" : ", jti=" + tokenId) + "]";
  }
}

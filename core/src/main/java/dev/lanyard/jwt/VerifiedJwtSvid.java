package dev.lanyard.jwt;

import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.spiffe.SpiffeId;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A JWT-SVID that passed every check of a {@link JwtSvidVerifier}. Only a verifier creates instances. Holds the
 * verified claims; it does not keep the token text, and {@link #toString()} prints metadata only.
 *
 * <p>Immutable.
 */
public final class VerifiedJwtSvid {
  private final SpiffeId subject;
  private final List<String> audience;
  private final Set<String> scopes;
  private final Instant expiresAt;
  private final @Nullable Instant issuedAt;
  private final String keyId;
  private final @Nullable String tokenId;
  private final @Nullable String issuer;
  private final JwtAlgorithm algorithm;

  VerifiedJwtSvid(SpiffeId subject, List<String> audience, Set<String> scopes, Instant expiresAt,
      @Nullable Instant issuedAt, String keyId, @Nullable String tokenId, @Nullable String issuer,
      JwtAlgorithm algorithm) {
    this.subject = subject;
    this.audience = audience;
    this.scopes = scopes;
    this.expiresAt = expiresAt;
    this.issuedAt = issuedAt;
    this.keyId = keyId;
    this.tokenId = tokenId;
    this.issuer = issuer;
    this.algorithm = algorithm;
  }

  /** The workload the token identifies ({@code sub}). */
  public SpiffeId subject() {
    return subject;
  }

  /** The audiences ({@code aud}), in token order. */
  public List<String> audience() {
    return audience;
  }

  /** The granted scopes ({@code scope}, space-delimited in the token), in token order. */
  public Set<String> scopes() {
    return scopes;
  }

  /** True when the token grants every scope in {@code required}. */
  public boolean hasScopes(Collection<String> required) {
    return scopes.containsAll(required);
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

  /** The issuer ({@code iss}), if present. */
  public Optional<String> issuer() {
    return Optional.ofNullable(issuer);
  }

  /** The signature algorithm ({@code alg}). */
  public JwtAlgorithm algorithm() {
    return algorithm;
  }

  @Nullable Instant issuedAtOrNull() {
    return issuedAt;
  }

  /** Metadata only. */
  @Override
  public String toString() {
    return "VerifiedJwtSvid[sub=" + subject + ", aud=" + audience + ", scopes=" + scopes + ", exp=" + expiresAt
        + ", kid=" + keyId + (tokenId == null ? "" : ", jti=" + tokenId) + "]";
  }
}

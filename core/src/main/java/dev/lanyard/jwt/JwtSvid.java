package dev.lanyard.jwt;

import dev.lanyard.internal.Base64Url;
import dev.lanyard.internal.CompactJws;
import dev.lanyard.internal.Json;
import dev.lanyard.internal.JwsSigning;
import dev.lanyard.internal.JwtClaims;
import dev.lanyard.internal.TokenRejection;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.spiffe.SpiffeId;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A JWT-SVID this workload holds to present to others: the compact token and its metadata. Obtained from an
 * authority or credential source; {@link #newBuilder()} signs one with a key of your own.
 *
 * <p>{@link #toString()} prints metadata only, never the token.
 *
 * <p>Immutable. Its {@link Builder} is not thread-safe.
 */
public final class JwtSvid {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String token;
  private final SpiffeId subject;
  private final List<String> audience;
  private final Set<String> scopes;
  private final Instant issuedAt;
  private final Instant expiresAt;
  private final String keyId;
  private final String tokenId;
  private final JwtAlgorithm algorithm;

  private JwtSvid(String token, SpiffeId subject, List<String> audience, Set<String> scopes, Instant issuedAt,
      Instant expiresAt, String keyId, String tokenId, JwtAlgorithm algorithm) {
    this.token = token;
    this.subject = subject;
    this.audience = audience;
    this.scopes = scopes;
    this.issuedAt = issuedAt;
    this.expiresAt = expiresAt;
    this.keyId = keyId;
    this.tokenId = tokenId;
    this.algorithm = algorithm;
  }

  /** A builder that signs a new JWT-SVID. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * Reads a JWT-SVID that this workload was handed by something it trusts to mint for it (a SPIRE agent through the
   * Workload API, a token file kept current by a sidecar), to know whom it is for and when to renew it. Nothing is
   * verified: no signature, no time rule. Never use it on a token a caller presents: that is {@link JwtSvidVerifier}'s
   * job. The token must be a compact JWS with the JWT-SVID header rules, a {@code sub} that is a SPIFFE ID of a
   * workload, {@code aud}, {@code exp} and {@code iat}; {@code scope} and {@code jti} are optional (a token without
   * {@code jti}, as SPIRE mints them, has an empty {@link #tokenId()}).
   *
   * @throws JwtSvidRejectedException MALFORMED, HEADER_NOT_ALLOWED, ALGORITHM_NOT_ALLOWED, TYPE_NOT_ALLOWED,
   *     UNKNOWN_KEY (no {@code kid}), MISSING_CLAIM, INVALID_SUBJECT or INVALID_CLAIM
   */
  public static JwtSvid decodeUnverified(String token) throws JwtSvidRejectedException {
    Objects.requireNonNull(token, "token");
    try {
      CompactJws jws = CompactJws.parse(token, JwtSvidVerifier.Builder.MAX_TOKEN_LENGTH_LIMIT,
          EnumSet.allOf(JwtAlgorithm.class));
      Map<String, Object> claims = jws.claims();
      SpiffeId subject = ClaimChecks.subject(claims);
      Instant exp = Objects.requireNonNull(JwtClaims.numericDate(claims, "exp", true));
      Instant iat = Objects.requireNonNull(JwtClaims.numericDate(claims, "iat", true));
      List<String> audience = JwtClaims.audience(claims);
      Set<String> scopes = ClaimChecks.scopes(claims);
      String tokenId = JwtClaims.tokenIdOrNull(claims);
      return new JwtSvid(token, subject, List.copyOf(audience), scopes, iat, exp, jws.keyId(),
          tokenId == null ? "" : tokenId, jws.algorithm());
    } catch (TokenRejection e) {
      throw ClaimChecks.rejected(e);
    }
  }

  /** The compact JWS to send, e.g. as {@code Authorization: Bearer <token>}. Treat it as a secret. */
  public String token() {
    return token;
  }

  /** The subject ({@code sub}). */
  public SpiffeId subject() {
    return subject;
  }

  /** The audiences ({@code aud}). */
  public List<String> audience() {
    return audience;
  }

  /** The scopes ({@code scope}). */
  public Set<String> scopes() {
    return scopes;
  }

  /** When it was issued ({@code iat}). */
  public Instant issuedAt() {
    return issuedAt;
  }

  /** When it expires ({@code exp}). */
  public Instant expiresAt() {
    return expiresAt;
  }

  /** Its lifetime, {@code exp - iat}. */
  public Duration lifetime() {
    return Duration.between(issuedAt, expiresAt);
  }

  /** The id of the signing key ({@code kid}). */
  public String keyId() {
    return keyId;
  }

  /** The token id ({@code jti}); empty for a token {@linkplain #decodeUnverified read} without one. */
  public String tokenId() {
    return tokenId;
  }

  /** The signature algorithm. */
  public JwtAlgorithm algorithm() {
    return algorithm;
  }

  /** Metadata only, never the token. */
  @Override
  public String toString() {
    return "JwtSvid[sub=" + subject + ", aud=" + audience + ", scopes=" + scopes + ", exp=" + expiresAt
        + ", kid=" + keyId + ", jti=" + tokenId + "]";
  }

  /** Builds and signs a JWT-SVID. Claims: {@code sub}, {@code aud} (array), {@code exp}, {@code iat}, {@code jti},
   * optional {@code iss} and {@code scope}; header {@code alg}, {@code kid}, {@code typ: JWT}. */
  public static final class Builder {
    private @Nullable SpiffeId subject;
    private @Nullable List<String> audience;
    private Set<String> scopes = Set.of();
    private @Nullable Instant issuedAt;
    private @Nullable Instant expiresAt;
    private @Nullable String tokenId;
    private @Nullable String issuer;

    private Builder() {}

    /** The subject, required. */
    public Builder subject(SpiffeId subject) {
      this.subject = Objects.requireNonNull(subject, "subject");
      return this;
    }

    /** The audiences, at least one, none empty. */
    public Builder audience(Collection<String> audience) {
      Objects.requireNonNull(audience, "audience");
      List<String> copy = new ArrayList<>();
      for (String a : audience) {
        if (a == null || a.isEmpty()) {
          throw new IllegalArgumentException("audience must not be empty");
        }
        if (!copy.contains(a)) {
          copy.add(a);
        }
      }
      if (copy.isEmpty()) {
        throw new IllegalArgumentException("at least one audience is required");
      }
      this.audience = List.copyOf(copy);
      return this;
    }

    /** The scopes (RFC 6749 scope tokens), optional. */
    public Builder scopes(Collection<String> scopes) {
      this.scopes = Scopes.copyOf(Objects.requireNonNull(scopes, "scopes"));
      return this;
    }

    /** Issue and expiry instants (whole seconds are used), required; expiry after issue. */
    public Builder validity(Instant issuedAt, Instant expiresAt) {
      Objects.requireNonNull(issuedAt, "issuedAt");
      Objects.requireNonNull(expiresAt, "expiresAt");
      Instant iat = Instant.ofEpochSecond(issuedAt.getEpochSecond());
      Instant exp = Instant.ofEpochSecond(expiresAt.getEpochSecond());
      if (!exp.isAfter(iat)) {
        throw new IllegalArgumentException("expiry must be at least a second after issue");
      }
      this.issuedAt = iat;
      this.expiresAt = exp;
      return this;
    }

    /** The token id; a random 128-bit id when not set. */
    public Builder tokenId(String tokenId) {
      this.tokenId = Objects.requireNonNull(tokenId, "tokenId");
      return this;
    }

    /** The issuer ({@code iss}), optional. */
    public Builder issuer(String issuer) {
      this.issuer = Objects.requireNonNull(issuer, "issuer");
      return this;
    }

    /** Signs with {@code key} (whose public half the bundle publishes as {@code keyId}) using {@code algorithm}. */
    public JwtSvid sign(JwtAlgorithm algorithm, String keyId, PrivateKey key) {
      Objects.requireNonNull(algorithm, "algorithm");
      Objects.requireNonNull(keyId, "keyId");
      Objects.requireNonNull(key, "key");
      if (subject == null || audience == null || issuedAt == null || expiresAt == null) {
        throw new IllegalStateException("subject, audience and validity are required");
      }
      String jti = tokenId != null ? tokenId : randomId();
      StringBuilder header = new StringBuilder(64).append("{\"alg\":\"").append(algorithm.name()).append("\",\"kid\":");
      Json.appendString(header, keyId).append(",\"typ\":\"JWT\"}");
      StringBuilder claims = new StringBuilder(256).append("{\"sub\":");
      Json.appendString(claims, subject.toString()).append(",\"aud\":[");
      for (int i = 0; i < audience.size(); i++) {
        if (i > 0) {
          claims.append(',');
        }
        Json.appendString(claims, audience.get(i));
      }
      claims.append("],\"exp\":").append(expiresAt.getEpochSecond())
          .append(",\"iat\":").append(issuedAt.getEpochSecond()).append(",\"jti\":");
      Json.appendString(claims, jti);
      if (issuer != null) {
        Json.appendString(claims.append(",\"iss\":"), issuer);
      }
      if (!scopes.isEmpty()) {
        Json.appendString(claims.append(",\"scope\":"), String.join(" ", scopes));
      }
      claims.append('}');
      StringBuilder token = new StringBuilder(512);
      Base64Url.encodeTo(token, header.toString().getBytes(StandardCharsets.UTF_8));
      token.append('.');
      Base64Url.encodeTo(token, claims.toString().getBytes(StandardCharsets.UTF_8));
      byte[] signature = JwsSigning.sign(algorithm, key, token.toString().getBytes(StandardCharsets.US_ASCII));
      token.append('.');
      Base64Url.encodeTo(token, signature);
      return new JwtSvid(token.toString(), subject, audience, scopes, issuedAt, expiresAt, keyId, jti, algorithm);
    }

    private static String randomId() {
      byte[] id = new byte[16];
      RANDOM.nextBytes(id);
      return Base64Url.encode(id);
    }
  }
}

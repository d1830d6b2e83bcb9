package dev.lanyard.jwt;

import dev.lanyard.internal.JwtClaims;
import dev.lanyard.internal.TokenRejection;
import dev.lanyard.jwt.JwtSvidRejectedException.Reason;
import dev.lanyard.spiffe.InvalidSpiffeIdException;
import dev.lanyard.spiffe.SpiffeId;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The JWT-SVID claim rules of one verifier, as pure functions of the decoded claims and an instant: the subject
 * (step 3 of the verification order) and, once the signature holds, time, audience, {@code scope}, {@code jti} and
 * {@code iss} (steps 6 and 7, revocation aside). The registered claims read as the OIDC verifier reads them
 * ({@link JwtClaims}); the subject, the audience match and the scopes are JWT-SVID rules. Knows nothing of keys,
 * bundles or encodings.
 *
 * <p>Thread-safe: immutable.
 */
final class ClaimChecks {
  private final Set<String> audiences;
  private final Duration clockSkew;
  private final Duration maxTokenLifetime;

  ClaimChecks(Set<String> audiences, Duration clockSkew, Duration maxTokenLifetime) {
    this.audiences = audiences;
    this.clockSkew = clockSkew;
    this.maxTokenLifetime = maxTokenLifetime;
  }

  /** The claims an accepted token holds, beyond its subject. */
  static final class Checked {
    final Instant expiresAt;
    final @Nullable Instant issuedAt;
    final List<String> audience;
    final Set<String> scopes;
    final @Nullable String tokenId;
    final @Nullable String issuer;

    Checked(Instant expiresAt, @Nullable Instant issuedAt, List<String> audience, Set<String> scopes,
        @Nullable String tokenId, @Nullable String issuer) {
      this.expiresAt = expiresAt;
      this.issuedAt = issuedAt;
      this.audience = audience;
      this.scopes = scopes;
      this.tokenId = tokenId;
      this.issuer = issuer;
    }
  }

  /**
   * The subject: a SPIFFE ID that names a workload.
   *
   * @throws JwtSvidRejectedException MISSING_CLAIM or INVALID_SUBJECT
   */
  static SpiffeId subject(Map<String, Object> claims) throws JwtSvidRejectedException {
    Object sub = claims.get("sub");
    if (!claims.containsKey("sub")) {
      throw reject(Reason.MISSING_CLAIM, "no sub claim");
    }
    if (!(sub instanceof String)) {
      throw reject(Reason.INVALID_SUBJECT, "sub is not a string");
    }
    SpiffeId subject;
    try {
      subject = SpiffeId.parse((String) sub);
    } catch (InvalidSpiffeIdException e) {
      throw reject(Reason.INVALID_SUBJECT, "sub is not a SPIFFE ID: " + e.getMessage());
    }
    if (subject.isTrustDomainId()) {
      throw reject(Reason.INVALID_SUBJECT, "sub names a trust domain, not a workload");
    }
    return subject;
  }

  /**
   * The {@code scope} claim: empty when absent.
   *
   * @throws JwtSvidRejectedException INVALID_CLAIM when not a space-delimited list of scope tokens
   */
  static Set<String> scopes(Map<String, Object> claims) throws JwtSvidRejectedException {
    if (!claims.containsKey("scope")) {
      return Set.of();
    }
    Object scope = claims.get("scope");
    Set<String> scopes = scope instanceof String ? Scopes.parse((String) scope) : null;
    if (scopes == null) {
      throw reject(Reason.INVALID_CLAIM, "scope is not a space-delimited list of scope tokens");
    }
    return scopes;
  }

  /**
   * Checks time, audience, {@code scope}, {@code jti} and {@code iss} at {@code now}, in that order.
   *
   * @throws JwtSvidRejectedException the first rule the claims break
   */
  Checked check(Map<String, Object> claims, Instant now) throws JwtSvidRejectedException {
    try {
      JwtClaims.Window window = JwtClaims.checkTimes(claims, now, clockSkew, maxTokenLifetime);
      List<String> audience = JwtClaims.audience(claims);
      boolean audienceMatches = false;
      for (String a : audience) {
        if (audiences.contains(a)) {
          audienceMatches = true;
          break;
        }
      }
      if (!audienceMatches) {
        throw reject(Reason.AUDIENCE_MISMATCH, "aud does not contain " + audiences);
      }
      Set<String> scopes = scopes(claims);
      String tokenId = JwtClaims.optionalString(claims, "jti");
      String issuer = JwtClaims.optionalString(claims, "iss");
      return new Checked(window.expiresAt(), window.issuedAt(), audience, scopes, tokenId, issuer);
    } catch (TokenRejection e) {
      throw rejected(e);
    }
  }

  /** The public rejection for a rule of the shared JWT machinery: the reason of the same name. */
  static JwtSvidRejectedException rejected(TokenRejection e) {
    return new JwtSvidRejectedException(Reason.valueOf(e.fault().name()), e.detail());
  }

  private static JwtSvidRejectedException reject(Reason reason, String message) {
    return new JwtSvidRejectedException(reason, message);
  }
}

package dev.lanyard.jwt;

import dev.lanyard.jwt.JwtSvidRejectedException.Reason;
import dev.lanyard.spiffe.InvalidSpiffeIdException;
import dev.lanyard.spiffe.SpiffeId;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The JWT-SVID claim rules of one verifier, as pure functions of the decoded claims and an instant: the subject
 * (step 3 of the verification order) and, once the signature holds, time, audience, {@code scope}, {@code jti} and
 * {@code iss} (steps 6 and 7, revocation aside). Knows nothing of keys, bundles or encodings.
 *
 * <p>Thread-safe: immutable.
 */
final class ClaimChecks {
  /** Latest instant a NumericDate may name: the year 9999. */
  private static final long MAX_EPOCH_SECOND = 253402300799L;

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

  /** The {@code jti} when it is a string, else null; for audit events before the token is checked. */
  static @Nullable String tokenIdOrNull(Map<String, Object> claims) {
    Object jti = claims.get("jti");
    return jti instanceof String ? (String) jti : null;
  }

  /**
   * Checks time, audience, {@code scope}, {@code jti} and {@code iss} at {@code now}, in that order.
   *
   * @throws JwtSvidRejectedException the first rule the claims break
   */
  Checked check(Map<String, Object> claims, Instant now) throws JwtSvidRejectedException {
    Instant exp = Objects.requireNonNull(numericDate(claims, "exp", true));
    Instant nbf = numericDate(claims, "nbf", false);
    Instant iat = numericDate(claims, "iat", false);
    if (!now.isBefore(exp.plus(clockSkew))) {
      throw reject(Reason.EXPIRED, "expired at " + exp);
    }
    if (nbf != null && now.plus(clockSkew).isBefore(nbf)) {
      throw reject(Reason.NOT_YET_VALID, "not valid before " + nbf);
    }
    if (iat != null && now.plus(clockSkew).isBefore(iat)) {
      throw reject(Reason.NOT_YET_VALID, "issued in the future, at " + iat);
    }
    Duration lifetime = Duration.between(iat != null ? iat : now, exp);
    if (lifetime.compareTo(maxTokenLifetime) > 0) {
      throw reject(Reason.LIFETIME_TOO_LONG, "lifetime " + lifetime.toSeconds() + "s exceeds the maximum of "
          + maxTokenLifetime.toSeconds() + "s");
    }
    if (!claims.containsKey("aud")) {
      throw reject(Reason.MISSING_CLAIM, "no aud claim");
    }
    List<String> audience = audience(claims.get("aud"));
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
    Set<String> scopes = Set.of();
    if (claims.containsKey("scope")) {
      Object scope = claims.get("scope");
      scopes = scope instanceof String ? Scopes.parse((String) scope) : null;
      if (scopes == null) {
        throw reject(Reason.INVALID_CLAIM, "scope is not a space-delimited list of scope tokens");
      }
    }
    Object jti = claims.get("jti");
    if (claims.containsKey("jti") && !(jti instanceof String)) {
      throw reject(Reason.INVALID_CLAIM, "jti is not a string");
    }
    Object iss = claims.get("iss");
    if (claims.containsKey("iss") && !(iss instanceof String)) {
      throw reject(Reason.INVALID_CLAIM, "iss is not a string");
    }
    return new Checked(exp, iat, audience, scopes, (String) jti, (String) iss);
  }

  /**
   * A NumericDate claim: a number of seconds from 0 to the end of the year 9999, fractions kept to the nanosecond.
   *
   * @return null when the claim is absent and not required
   * @throws JwtSvidRejectedException MISSING_CLAIM when required and absent, INVALID_CLAIM when not such a number
   */
  static @Nullable Instant numericDate(Map<String, Object> claims, String name, boolean required)
      throws JwtSvidRejectedException {
    Object value = claims.get(name);
    if (!claims.containsKey(name)) {
      if (required) {
        throw reject(Reason.MISSING_CLAIM, "no " + name + " claim");
      }
      return null;
    }
    if (!(value instanceof Number)) {
      throw reject(Reason.INVALID_CLAIM, name + " is not a number");
    }
    double seconds = ((Number) value).doubleValue();
    if (!(seconds >= 0 && seconds <= MAX_EPOCH_SECOND)) {
      throw reject(Reason.INVALID_CLAIM, name + " is out of range");
    }
    if (value instanceof Long || value instanceof Integer) {
      return Instant.ofEpochSecond(((Number) value).longValue());
    }
    long whole = (long) Math.floor(seconds);
    return Instant.ofEpochSecond(whole, (long) ((seconds - whole) * 1_000_000_000L));
  }

  /**
   * The {@code aud} claim as a list: one string, or a non-empty array of strings.
   *
   * @throws JwtSvidRejectedException INVALID_CLAIM otherwise
   */
  static List<String> audience(@Nullable Object aud) throws JwtSvidRejectedException {
    if (aud instanceof String) {
      return List.of((String) aud);
    }
    if (aud instanceof List && !((List<?>) aud).isEmpty()) {
      List<String> list = new ArrayList<>(((List<?>) aud).size());
      for (Object a : (List<?>) aud) {
        if (!(a instanceof String)) {
          throw reject(Reason.INVALID_CLAIM, "aud holds a value that is not a string");
        }
        list.add((String) a);
      }
      return Collections.unmodifiableList(list);
    }
    throw reject(Reason.INVALID_CLAIM, "aud is not a string or a non-empty array of strings");
  }

  private static JwtSvidRejectedException reject(Reason reason, String message) {
    return new JwtSvidRejectedException(reason, message);
  }
}

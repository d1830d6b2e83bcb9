package dev.lanyard.internal;

import dev.lanyard.internal.TokenRejection.Fault;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The registered JWT claims that the JWT-SVID and the OIDC verifiers read alike (RFC 7519 §4.1), as pure functions of
 * the decoded claims and an instant: NumericDates, the time window ({@code exp}, {@code nbf}, {@code iat}, the
 * lifetime cap), {@code aud} as a list, and optional string claims. What a verifier makes of the subject, the
 * audience match and the scopes stays with it.
 *
 * <p>Thread-safe: stateless.
 */
public final class JwtClaims {
  /** Latest instant a NumericDate may name: the year 9999. */
  private static final long MAX_EPOCH_SECOND = 253402300799L;

  private JwtClaims() {}

  /** When the token may be used: its {@code exp} and, when present, its {@code iat}. */
  public record Window(Instant expiresAt, @Nullable Instant issuedAt) {}

  /**
   * Checks {@code exp} (required), {@code nbf} and {@code iat} at {@code now} with {@code clockSkew} either way, then
   * the lifetime (from {@code iat}, or from {@code now} without it) against {@code maxLifetime}, in that order. A
   * token is expired from {@code exp + clockSkew} on, exactly.
   *
   * @throws TokenRejection MISSING_CLAIM, INVALID_CLAIM, EXPIRED, NOT_YET_VALID or LIFETIME_TOO_LONG, the first
   *     that applies
   */
  public static Window checkTimes(Map<String, Object> claims, Instant now, Duration clockSkew, Duration maxLifetime)
      throws TokenRejection {
    Instant exp = Objects.requireNonNull(numericDate(claims, "exp", true));
    Instant nbf = numericDate(claims, "nbf", false);
    Instant iat = numericDate(claims, "iat", false);
    if (!now.isBefore(exp.plus(clockSkew))) {
      throw reject(Fault.EXPIRED, "expired at " + exp);
    }
    if (nbf != null && now.plus(clockSkew).isBefore(nbf)) {
      throw reject(Fault.NOT_YET_VALID, "not valid before " + nbf);
    }
    if (iat != null && now.plus(clockSkew).isBefore(iat)) {
      throw reject(Fault.NOT_YET_VALID, "issued in the future, at " + iat);
    }
    Duration lifetime = Duration.between(iat != null ? iat : now, exp);
    if (lifetime.compareTo(maxLifetime) > 0) {
      throw reject(Fault.LIFETIME_TOO_LONG, "lifetime " + lifetime.toSeconds() + "s exceeds the maximum of "
          + maxLifetime.toSeconds() + "s");
    }
    return new Window(exp, iat);
  }

  /**
   * A NumericDate claim: a number of seconds from 0 to the end of the year 9999, fractions kept to the nanosecond.
   *
   * @return null when the claim is absent and not required
   * @throws TokenRejection MISSING_CLAIM when required and absent, INVALID_CLAIM when not such a number
   */
  public static @Nullable Instant numericDate(Map<String, Object> claims, String name, boolean required)
      throws TokenRejection {
    Object value = claims.get(name);
    if (!claims.containsKey(name)) {
      if (required) {
        throw reject(Fault.MISSING_CLAIM, "no " + name + " claim");
      }
      return null;
    }
    if (!(value instanceof Number)) {
      throw reject(Fault.INVALID_CLAIM, name + " is not a number");
    }
    double seconds = ((Number) value).doubleValue();
    if (!(seconds >= 0 && seconds <= MAX_EPOCH_SECOND)) {
      throw reject(Fault.INVALID_CLAIM, name + " is out of range");
    }
    if (value instanceof Long || value instanceof Integer) {
      return Instant.ofEpochSecond(((Number) value).longValue());
    }
    long whole = (long) Math.floor(seconds);
    return Instant.ofEpochSecond(whole, (long) ((seconds - whole) * 1_000_000_000L));
  }

  /**
   * The required {@code aud} claim as an unmodifiable list: one string, or a non-empty array of strings.
   *
   * @throws TokenRejection MISSING_CLAIM when absent, INVALID_CLAIM when of another form
   */
  public static List<String> audience(Map<String, Object> claims) throws TokenRejection {
    if (!claims.containsKey("aud")) {
      throw reject(Fault.MISSING_CLAIM, "no aud claim");
    }
    Object aud = claims.get("aud");
    if (aud instanceof String) {
      return List.of((String) aud);
    }
    if (aud instanceof List && !((List<?>) aud).isEmpty()) {
      List<String> list = new ArrayList<>(((List<?>) aud).size());
      for (Object a : (List<?>) aud) {
        if (!(a instanceof String)) {
          throw reject(Fault.INVALID_CLAIM, "aud holds a value that is not a string");
        }
        list.add((String) a);
      }
      return Collections.unmodifiableList(list);
    }
    throw reject(Fault.INVALID_CLAIM, "aud is not a string or a non-empty array of strings");
  }

  /**
   * An optional string claim such as {@code jti} or {@code iss}.
   *
   * @return null when absent
   * @throws TokenRejection INVALID_CLAIM when present and not a string
   */
  public static @Nullable String optionalString(Map<String, Object> claims, String name) throws TokenRejection {
    Object value = claims.get(name);
    if (claims.containsKey(name) && !(value instanceof String)) {
      throw reject(Fault.INVALID_CLAIM, name + " is not a string");
    }
    return (String) value;
  }

  /** The {@code jti} when it is a string, else null; for audit events before the token is checked. */
  public static @Nullable String tokenIdOrNull(Map<String, Object> claims) {
    Object jti = claims.get("jti");
    return jti instanceof String ? (String) jti : null;
  }

  private static TokenRejection reject(Fault fault, String message) {
    return new TokenRejection(fault, message);
  }
}

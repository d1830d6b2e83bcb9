package dev.lanyard.authority;

import dev.lanyard.authority.SigningKey.Kind;
import dev.lanyard.internal.Certificates;
import dev.lanyard.jose.JwtAlgorithm;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The validated settings of an {@link EmbeddedAuthority}, with their defaults: what {@link EmbeddedAuthority.Builder}
 * collects and {@link AuthorityStore} persists, and the TTL rules that follow from them.
 *
 * <p>Thread-safe: immutable.
 */
final class AuthoritySettings {
  static final JwtAlgorithm DEFAULT_JWT_ALGORITHM = JwtAlgorithm.ES256;
  static final Duration DEFAULT_JWT_KEY_LIFETIME = Duration.ofHours(24);
  static final Duration DEFAULT_JWT_SVID_TTL = Duration.ofMinutes(5);
  static final Duration DEFAULT_MAX_JWT_SVID_TTL = Duration.ofHours(1);
  static final Duration DEFAULT_BUNDLE_REFRESH_HINT = Duration.ofMinutes(5);
  static final Certificates.KeyType DEFAULT_CA_KEY_TYPE = Certificates.KeyType.EC_P256;
  static final Duration DEFAULT_CA_LIFETIME = Duration.ofDays(7);
  static final Duration DEFAULT_X509_SVID_TTL = Duration.ofHours(1);
  static final Duration DEFAULT_MAX_X509_SVID_TTL = Duration.ofHours(24);

  /** The shortest credential lifetime minted or issued. */
  static final Duration MIN_TTL = Duration.ofSeconds(1);
  /** The longest pause between two automatic lifecycle checks. */
  private static final Duration MAX_MAINTENANCE_INTERVAL = Duration.ofMinutes(1);

  final JwtAlgorithm jwtAlgorithm;
  final Duration jwtKeyLifetime;
  final Duration defaultJwtSvidTtl;
  final Duration maxJwtSvidTtl;
  final Duration bundleRefreshHint;
  final @Nullable String jwtIssuer;
  final Certificates.KeyType caKeyType;
  final Duration caLifetime;
  final Duration defaultX509SvidTtl;
  final Duration maxX509SvidTtl;

  /** @throws IllegalArgumentException when the settings contradict each other */
  AuthoritySettings(JwtAlgorithm jwtAlgorithm, Duration jwtKeyLifetime, Duration defaultJwtSvidTtl,
      Duration maxJwtSvidTtl, Duration bundleRefreshHint, @Nullable String jwtIssuer,
      Certificates.KeyType caKeyType, Duration caLifetime, Duration defaultX509SvidTtl, Duration maxX509SvidTtl) {
    this.jwtAlgorithm = jwtAlgorithm;
    this.jwtKeyLifetime = jwtKeyLifetime;
    this.defaultJwtSvidTtl = defaultJwtSvidTtl;
    this.maxJwtSvidTtl = maxJwtSvidTtl;
    this.bundleRefreshHint = bundleRefreshHint;
    this.jwtIssuer = jwtIssuer;
    this.caKeyType = caKeyType;
    this.caLifetime = caLifetime;
    this.defaultX509SvidTtl = defaultX509SvidTtl;
    this.maxX509SvidTtl = maxX509SvidTtl;
    validate();
  }

  private void validate() {
    if (jwtAlgorithm != JwtAlgorithm.ES256 && jwtAlgorithm != JwtAlgorithm.ES384
        && jwtAlgorithm != JwtAlgorithm.RS256 && jwtAlgorithm != JwtAlgorithm.PS256) {
      throw new IllegalArgumentException("the embedded authority signs with ES256, ES384, RS256 or PS256");
    }
    Objects.requireNonNull(caKeyType, "caKeyType");
    checkTtls("JWT", jwtKeyLifetime, defaultJwtSvidTtl, maxJwtSvidTtl);
    checkTtls("X.509", caLifetime, defaultX509SvidTtl, maxX509SvidTtl);
    positive(bundleRefreshHint, "bundle refresh hint");
  }

  private static void checkTtls(String what, Duration keyLifetime, Duration defaultTtl, Duration maxTtl) {
    positive(defaultTtl, "default " + what + "-SVID TTL");
    positive(maxTtl, "maximum " + what + "-SVID TTL");
    if (defaultTtl.compareTo(maxTtl) > 0) {
      throw new IllegalArgumentException("default " + what + "-SVID TTL " + defaultTtl + " exceeds the maximum "
          + maxTtl);
    }
    if (keyLifetime.compareTo(maxTtl.multipliedBy(6)) < 0) {
      throw new IllegalArgumentException(what + " key lifetime must be at least six times the maximum " + what
          + "-SVID TTL (" + maxTtl.multipliedBy(6) + "), so that rotation never cuts credentials short");
    }
  }

  static void positive(Duration d, String name) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }

  /** The lifetime of a JWT signing key or a CA. */
  Duration lifetime(Kind kind) {
    return kind == Kind.JWT ? jwtKeyLifetime : caLifetime;
  }

  /** The longest credential a key of this kind signs. */
  Duration maxTtl(Kind kind) {
    return kind == Kind.JWT ? maxJwtSvidTtl : maxX509SvidTtl;
  }

  /** The credential lifetime used when none is asked for. */
  Duration defaultTtl(Kind kind) {
    return kind == Kind.JWT ? defaultJwtSvidTtl : defaultX509SvidTtl;
  }

  /**
   * The lifetime granted for a requested one: the default when none is asked for, shortened to the maximum when more
   * is asked for (the minter and issuer interfaces allow shortening, never lengthening).
   *
   * @throws IllegalArgumentException when the request is shorter than {@link #MIN_TTL} (zero, negative)
   */
  Duration grantedTtl(Kind kind, @Nullable Duration requested) {
    if (requested == null) {
      return defaultTtl(kind);
    }
    if (requested.compareTo(MIN_TTL) < 0) {
      throw new IllegalArgumentException(credential(kind) + " TTL must be at least " + MIN_TTL.toSeconds()
          + "s (at most " + maxTtl(kind).toSeconds() + "s)");
    }
    Duration max = maxTtl(kind);
    return requested.compareTo(max) > 0 ? max : requested;
  }

  /** How long the authority may go without checking its key lifecycle. */
  Duration maintenanceInterval() {
    Duration fraction = jwtKeyLifetime.dividedBy(24);
    return MAX_MAINTENANCE_INTERVAL.compareTo(fraction) < 0 ? MAX_MAINTENANCE_INTERVAL : fraction;
  }

  /** "JWT-SVID" or "X.509-SVID". */
  static String credential(Kind kind) {
    return kind == Kind.JWT ? "JWT-SVID" : "X.509-SVID";
  }

  /** A credential's expiry: {@code now + ttl}, capped at the signing key's expiry. */
  static Instant expiry(Instant now, Duration ttl, Instant keyNotAfter) {
    Instant expiry = now.plus(ttl);
    return expiry.isAfter(keyNotAfter) ? keyNotAfter : expiry;
  }
}

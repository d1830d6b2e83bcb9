package dev.lanyard.authority;

import dev.lanyard.jwt.JwtAlgorithm;
import dev.lanyard.trust.JwtKey;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** One signing key of the authority with its lifecycle times. Immutable; transitions make new instances. */
final class SigningKey {
  final String keyId;
  final JwtAlgorithm algorithm;
  final KeyPair keyPair;
  final Instant createdAt;
  final Instant notAfter;
  final Instant activatedAt;
  final Instant retiredAt;
  final boolean tainted;
  final JwtKey publicKey;

  SigningKey(String keyId, JwtAlgorithm algorithm, KeyPair keyPair, Instant createdAt, Instant notAfter,
      Instant activatedAt, Instant retiredAt, boolean tainted) {
    this.keyId = keyId;
    this.algorithm = algorithm;
    this.keyPair = keyPair;
    this.createdAt = createdAt;
    this.notAfter = notAfter;
    this.activatedAt = activatedAt;
    this.retiredAt = retiredAt;
    this.tainted = tainted;
    this.publicKey = JwtKey.of(keyId, keyPair.getPublic(), Optional.of(algorithm));
  }

  KeyState state() {
    if (retiredAt != null) {
      return KeyState.RETIRED;
    }
    return activatedAt != null ? KeyState.ACTIVE : KeyState.PREPARED;
  }

  SigningKey activate(Instant now) {
    return new SigningKey(keyId, algorithm, keyPair, createdAt, notAfter, now, null, tainted);
  }

  SigningKey retire(Instant now) {
    return new SigningKey(keyId, algorithm, keyPair, createdAt, notAfter, activatedAt, now, tainted);
  }

  SigningKey taint() {
    return new SigningKey(keyId, algorithm, keyPair, createdAt, notAfter, activatedAt, retiredAt, true);
  }

  /** When a retired key may leave the bundle: its last token has expired, plus a grace for clock skew. */
  Instant removableAt(Duration maxTokenTtl, Duration grace) {
    Instant lastExpiry = retiredAt.plus(maxTokenTtl);
    return (lastExpiry.isBefore(notAfter) ? lastExpiry : notAfter).plus(grace);
  }

  AuthorityKey describe() {
    return new AuthorityKey(keyId, algorithm, state(), tainted, createdAt, notAfter, activatedAt, retiredAt);
  }
}

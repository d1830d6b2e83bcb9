package dev.lanyard.authority;

import dev.lanyard.internal.Certificates;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.trust.JwtKey;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One key of the authority — a JWT signing key or an X.509 CA — with its lifecycle times. Immutable; transitions
 * make new instances. {@link KeyLifecycle} decides the transitions.
 */
final class SigningKey implements KeyLifecycle.Key<SigningKey> {
  /** What the key signs. */
  enum Kind {
    JWT,
    X509_CA
  }

  final Kind kind;
  final String keyId;
  /** JWT keys: the signing algorithm; null for CAs. */
  final @Nullable JwtAlgorithm algorithm;
  /** CAs: the key type; null for JWT keys. */
  final Certificates.@Nullable KeyType caKeyType;
  final KeyPair keyPair;
  /** CAs: the CA certificate first, then any upstream chain up to its root; empty for JWT keys. */
  final List<X509Certificate> chain;
  final Instant createdAt;
  final Instant notAfter;
  final @Nullable Instant activatedAt;
  final @Nullable Instant retiredAt;
  final boolean tainted;
  /** JWT keys: the public key as published; null for CAs. */
  final @Nullable JwtKey publicKey;

  private SigningKey(Kind kind, String keyId, @Nullable JwtAlgorithm algorithm,
      Certificates.@Nullable KeyType caKeyType, KeyPair keyPair, List<X509Certificate> chain, Instant createdAt,
      Instant notAfter, @Nullable Instant activatedAt, @Nullable Instant retiredAt, boolean tainted) {
    this.kind = kind;
    this.keyId = keyId;
    this.algorithm = algorithm;
    this.caKeyType = caKeyType;
    this.keyPair = keyPair;
    this.chain = List.copyOf(chain);
    this.createdAt = createdAt;
    this.notAfter = notAfter;
    this.activatedAt = activatedAt;
    this.retiredAt = retiredAt;
    this.tainted = tainted;
    this.publicKey = algorithm != null ? JwtKey.of(keyId, keyPair.getPublic(), Optional.of(algorithm)) : null;
  }

  static SigningKey jwt(String keyId, JwtAlgorithm algorithm, KeyPair keyPair, Instant createdAt, Instant notAfter,
      @Nullable Instant activatedAt, @Nullable Instant retiredAt, boolean tainted) {
    return new SigningKey(Kind.JWT, keyId, algorithm, null, keyPair, List.of(), createdAt, notAfter, activatedAt,
        retiredAt, tainted);
  }

  static SigningKey ca(String keyId, Certificates.KeyType type, KeyPair keyPair, List<X509Certificate> chain,
      Instant createdAt, @Nullable Instant activatedAt, @Nullable Instant retiredAt, boolean tainted) {
    return new SigningKey(Kind.X509_CA, keyId, null, type, keyPair, chain, createdAt,
        chain.get(0).getNotAfter().toInstant(), activatedAt, retiredAt, tainted);
  }

  private SigningKey with(@Nullable Instant activatedAt, @Nullable Instant retiredAt, boolean tainted) {
    return new SigningKey(kind, keyId, algorithm, caKeyType, keyPair, chain, createdAt, notAfter, activatedAt,
        retiredAt, tainted);
  }

  @Override
  public String keyId() {
    return keyId;
  }

  @Override
  public Instant createdAt() {
    return createdAt;
  }

  @Override
  public Instant notAfter() {
    return notAfter;
  }

  @Override
  public @Nullable Instant activatedAt() {
    return activatedAt;
  }

  @Override
  public @Nullable Instant retiredAt() {
    return retiredAt;
  }

  @Override
  public boolean tainted() {
    return tainted;
  }

  @Override
  public SigningKey activate(Instant now) {
    return with(now, null, tainted);
  }

  @Override
  public SigningKey retire(Instant now) {
    return with(activatedAt, now, tainted);
  }

  @Override
  public SigningKey taint() {
    return with(activatedAt, retiredAt, true);
  }

  /** CAs: the CA certificate. */
  X509Certificate certificate() {
    return chain.get(0);
  }

  /** CAs: the root published in the bundle (the CA itself when self-signed, else the upstream chain's last). */
  X509Certificate root() {
    return chain.get(chain.size() - 1);
  }

  AuthorityKey describe() {
    return new AuthorityKey(keyId, Objects.requireNonNull(algorithm, "not a JWT key"), state(), tainted, createdAt,
        notAfter, activatedAt, retiredAt);
  }

  AuthorityCa describeCa() {
    return new AuthorityCa(keyId, Objects.requireNonNull(caKeyType, "not a CA").name(), state(), tainted, createdAt,
        notAfter, activatedAt, retiredAt, certificate());
  }
}

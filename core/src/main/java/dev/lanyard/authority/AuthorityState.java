package dev.lanyard.authority;

import dev.lanyard.authority.SigningKey.Kind;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.TrustBundle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable snapshot of an authority's keys (the JWT key ring and the CA ring), their sequence number and the
 * trust bundle they make. Minting and issuing read one without a lock; a key change publishes a new one.
 *
 * <p>Thread-safe: immutable.
 */
final class AuthorityState {
  final KeyRing<SigningKey> jwt;
  final KeyRing<SigningKey> cas;
  final long sequence;
  final TrustBundle bundle;
  final Optional<TrustBundle> bundleOptional;

  AuthorityState(TrustDomain trustDomain, KeyRing<SigningKey> jwt, KeyRing<SigningKey> cas, long sequence,
      Duration refreshHint) {
    this.jwt = jwt;
    this.cas = cas;
    this.sequence = sequence;
    TrustBundle.Builder builder = TrustBundle.newBuilder(trustDomain).sequence(sequence).refreshHint(refreshHint);
    for (SigningKey key : jwt.keys()) {
      builder.addJwtKey(Objects.requireNonNull(key.publicKey));
    }
    for (SigningKey key : cas.keys()) {
      builder.addX509Authority(key.root());
    }
    this.bundle = builder.build();
    this.bundleOptional = Optional.of(bundle);
  }

  /** The state of {@code keys} as persisted (JWT keys first, each kind oldest first). */
  static AuthorityState of(TrustDomain trustDomain, List<SigningKey> keys, long sequence, Duration refreshHint) {
    return new AuthorityState(trustDomain, ring(keys, Kind.JWT), ring(keys, Kind.X509_CA), sequence, refreshHint);
  }

  private static KeyRing<SigningKey> ring(List<SigningKey> keys, Kind kind) {
    List<SigningKey> ofKind = new ArrayList<>();
    for (SigningKey key : keys) {
      if (key.kind == kind) {
        ofKind.add(key);
      }
    }
    return new KeyRing<>(ofKind);
  }

  KeyRing<SigningKey> ring(Kind kind) {
    return kind == Kind.JWT ? jwt : cas;
  }

  /** All keys, JWT keys first, each kind oldest first: as persisted. */
  List<SigningKey> keys() {
    List<SigningKey> keys = new ArrayList<>(jwt.keys());
    keys.addAll(cas.keys());
    return keys;
  }

  /** Key ids with their states, for log lines: {@code [a1b2 ACTIVE, c3d4 PREPARED]}. */
  static List<String> keyIds(KeyRing<SigningKey> ring) {
    List<String> ids = new ArrayList<>();
    for (SigningKey key : ring.keys()) {
      ids.add(key.keyId + " " + key.state() + (key.tainted ? " tainted" : ""));
    }
    return ids;
  }
}

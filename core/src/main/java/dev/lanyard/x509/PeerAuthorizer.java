package dev.lanyard.x509;

import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Decides whether a verified peer may talk to us, by its SPIFFE ID (like go-spiffe's authorizers). Applied in the
 * TLS handshake by Lanyard's trust manager.
 *
 * <p>Thread-safe: implementations must be, since every handshake asks; those made here are immutable.
 */
@FunctionalInterface
public interface PeerAuthorizer {
  /** True when the peer with this (verified) SPIFFE ID is authorized. */
  boolean isAuthorized(SpiffeId peer);

  /** Any verified peer. */
  static PeerAuthorizer any() {
    return peer -> true;
  }

  /** Exactly this SPIFFE ID. */
  static PeerAuthorizer exactly(SpiffeId expected) {
    Objects.requireNonNull(expected, "expected");
    return expected::equals;
  }

  /** One of these SPIFFE IDs. */
  static PeerAuthorizer oneOf(SpiffeId... allowed) {
    Set<SpiffeId> set = Set.copyOf(Arrays.asList(allowed));
    return set::contains;
  }

  /** Any workload of this trust domain. */
  static PeerAuthorizer memberOf(TrustDomain trustDomain) {
    Objects.requireNonNull(trustDomain, "trustDomain");
    return peer -> peer.isMemberOf(trustDomain);
  }

  /** Whatever the predicate says. */
  static PeerAuthorizer matching(Predicate<SpiffeId> predicate) {
    Objects.requireNonNull(predicate, "predicate");
    return predicate::test;
  }
}

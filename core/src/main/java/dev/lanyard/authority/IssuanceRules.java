package dev.lanyard.authority;

import dev.lanyard.authority.SigningKey.Kind;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an authority grants a credential request: whether the subject may have one (a workload of its trust domain,
 * listed in the identity inventory when there is one), the TTL (shortened to the authority's and the inventory's
 * maximum) and the expiry (capped at the signing key's). Each shortening is logged at DEBUG with why.
 *
 * <p>Thread-safe: immutable.
 */
final class IssuanceRules {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedAuthority.class);

  private final TrustDomain trustDomain;
  private final AuthoritySettings settings;
  private final @Nullable InventoryGate inventory;

  IssuanceRules(TrustDomain trustDomain, AuthoritySettings settings, @Nullable InventoryGate inventory) {
    this.trustDomain = trustDomain;
    this.settings = settings;
    this.inventory = inventory;
  }

  boolean enforcesInventory() {
    return inventory != null;
  }

  /** @throws IllegalArgumentException when {@code subject} is not a workload of this trust domain */
  void checkSubject(SpiffeId subject, Kind kind) {
    Objects.requireNonNull(subject, "subject");
    if (!subject.isMemberOf(trustDomain)) {
      throw new IllegalArgumentException(subject + " is not in trust domain " + trustDomain);
    }
    if (subject.isTrustDomainId()) {
      throw new IllegalArgumentException("a " + AuthoritySettings.credential(kind)
          + " subject needs a workload path, not the trust domain's ID");
    }
  }

  /**
   * The TTL granted for a request, shortened to the maximum (and logged why) when more was asked for.
   *
   * @throws IllegalArgumentException when the TTL is shorter than 1 s, or the inventory does not list the subject
   */
  Duration grantedTtl(Kind kind, SpiffeId subject, @Nullable Duration requested) {
    Duration granted = settings.grantedTtl(kind, requested);
    if (requested != null && granted.compareTo(requested) < 0) {
      LOG.debug("{} for {}: TTL {} shortened to the authority's maximum {}", AuthoritySettings.credential(kind),
          subject, requested, granted);
    }
    InventoryGate gate = inventory;
    if (gate != null) {
      Duration listed = gate.cap(kind, subject, granted);
      if (listed.compareTo(granted) < 0) {
        LOG.debug("{} for {}: TTL {} shortened to the identity inventory's maximum {}",
            AuthoritySettings.credential(kind), subject, granted, listed);
      }
      granted = listed;
    }
    return granted;
  }

  /** The credential's expiry, capped (and logged why) at the signing key's expiry. */
  static Instant expiry(Kind kind, SpiffeId subject, Instant now, Duration ttl, SigningKey key) {
    Instant expiry = AuthoritySettings.expiry(now, ttl, key.notAfter);
    if (expiry.isBefore(now.plus(ttl))) {
      LOG.debug("{} for {}: expiry capped at {}, the expiry of its signing key {}",
          AuthoritySettings.credential(kind), subject, expiry, key.keyId);
    }
    return expiry;
  }
}

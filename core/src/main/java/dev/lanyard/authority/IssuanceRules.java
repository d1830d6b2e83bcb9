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
 * maximum) and the expiry (capped at the signing key's). Each shortening is logged at DEBUG with why, and said in the
 * {@link Grant} for the audit event.
 *
 * <p>Thread-safe: immutable.
 */
final class IssuanceRules {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedAuthority.class);

  private final TrustDomain trustDomain;
  private final AuthoritySettings settings;
  private final @Nullable InventoryGate inventory;

  /**
   * What a request is granted.
   *
   * @param ttl the lifetime granted after every cap: from issuance to {@code expiry}
   * @param expiry the credential's expiry
   * @param shortened why the TTL is shorter than asked for (or than the default), or null when it is not
   */
  record Grant(Duration ttl, Instant expiry, @Nullable String shortened) {}

  IssuanceRules(TrustDomain trustDomain, AuthoritySettings settings, @Nullable InventoryGate inventory) {
    this.trustDomain = trustDomain;
    this.settings = settings;
    this.inventory = inventory;
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
   * Why the identity inventory refuses {@code subject} a credential (it does not list it), or null when there is no
   * inventory or it lists the subject.
   */
  @Nullable String inventoryRefusal(Kind kind, SpiffeId subject) {
    InventoryGate gate = inventory;
    return gate == null ? null : gate.refusal(kind, subject);
  }

  /**
   * What a request made at {@code now} and signed by {@code key} is granted: the TTL shortened to the authority's
   * and the inventory's maximum, the expiry capped at the key's (each logged at DEBUG, and said in
   * {@link Grant#shortened()}).
   *
   * @throws IllegalArgumentException when the TTL is shorter than 1 s, or the inventory does not list the subject
   */
  Grant grant(Kind kind, SpiffeId subject, @Nullable Duration requested, Instant now, SigningKey key) {
    Grant granted = grant(kind, subject, requested);
    Instant expiry = AuthoritySettings.expiry(now, granted.ttl(), key.notAfter);
    if (!expiry.isBefore(now.plus(granted.ttl()))) {
      return new Grant(granted.ttl(), expiry, granted.shortened());
    }
    LOG.debug("{} for {}: expiry capped at {}, the expiry of its signing key {}",
        AuthoritySettings.credential(kind), subject, expiry, key.keyId);
    Duration ttl = Duration.between(now, expiry);
    String why = "expiry capped at the expiry of its signing key " + key.keyId + " (" + ttl + " instead of "
        + granted.ttl() + ")";
    String shortened = granted.shortened();
    return new Grant(ttl, expiry, shortened == null ? why : shortened + "; " + why);
  }

  /** The TTL alone (the expiry still {@code Instant.MAX}): the authority's then the inventory's maximum. */
  private Grant grant(Kind kind, SpiffeId subject, @Nullable Duration requested) {
    Duration granted = settings.grantedTtl(kind, requested);
    String shortened = null;
    if (requested != null && granted.compareTo(requested) < 0) {
      LOG.debug("{} for {}: TTL {} shortened to the authority's maximum {}", AuthoritySettings.credential(kind),
          subject, requested, granted);
      shortened = "TTL " + requested + " asked for, shortened to the authority's maximum " + granted;
    }
    InventoryGate gate = inventory;
    if (gate != null) {
      Duration listed = gate.cap(kind, subject, granted);
      if (listed.compareTo(granted) < 0) {
        LOG.debug("{} for {}: TTL {} shortened to the identity inventory's maximum {}",
            AuthoritySettings.credential(kind), subject, granted, listed);
        shortened = "TTL " + (requested == null ? granted + " (the default)" : requested) + " asked for, shortened"
            + " to the identity inventory's maximum " + listed + " for this ID";
      }
      granted = listed;
    }
    return new Grant(granted, Instant.MAX, shortened);
  }
}

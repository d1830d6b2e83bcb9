package dev.lanyard.authority;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The key lifecycle (like SPIRE's), one set of rules for JWT signing keys and X.509 CAs alike: a pure function of
 * a {@link KeyRing}, the time and the settings to the next ring. Only making a new key is left to the caller (a
 * {@link Factory}), so that the rules can be tested with fake keys.
 *
 * <ul>
 *   <li>There is one ACTIVE key. When it has lived half its lifetime (from its creation, when it was published) a
 *       next one is PREPARED; at five sixths the prepared one is activated and the old one RETIRED.
 *   <li>A key no longer signs once its expiry is within the maximum credential TTL: the prepared key (or a fresh
 *       one, after a long pause or on first start) takes over at once, and a prepared key that close to its expiry
 *       is dropped.
 *   <li>A retired key stays until the last credential it signed has expired (its retirement plus the maximum TTL,
 *       capped at its own expiry) plus a grace for clock skew.
 *   <li>When no new key could outlive the active one by more than the maximum TTL (an upstream CA about to expire
 *       caps them all), the active one keeps signing rather than churning out keys.
 *   <li>Tainting retires a key at once (an active one is replaced as above); only a non-active key can be revoked.
 * </ul>
 *
 * <p>A clock that goes backwards changes nothing: every rule fires at or after an instant, never before.
 *
 * <p>Thread-safe: immutable; the rings it takes and returns are immutable.
 */
final class KeyLifecycle {
  /** A key as the lifecycle sees it: an id, its times and whether it was tainted. Immutable. */
  interface Key<K extends Key<K>> {
    String keyId();

    /** When it was made and published. */
    Instant createdAt();

    /** When it expires: no credential it signs outlives this. */
    Instant notAfter();

    @Nullable Instant activatedAt();

    @Nullable Instant retiredAt();

    boolean tainted();

    /** This key, signing from {@code now}. */
    K activate(Instant now);

    /** This key, signing nothing from {@code now}. */
    K retire(Instant now);

    /** This key, tainted. */
    K taint();

    default KeyState state() {
      if (retiredAt() != null) {
        return KeyState.RETIRED;
      }
      return activatedAt() != null ? KeyState.ACTIVE : KeyState.PREPARED;
    }
  }

  /** Makes a new PREPARED key created at {@code now}. */
  @FunctionalInterface
  interface Factory<K> {
    K newKey(Instant now);
  }

  /** Thrown by {@link #noKey()}: a dry run of {@link #maintain} would make a key. */
  static final class WouldMakeKey extends RuntimeException {
    private static final long serialVersionUID = 1L;

    WouldMakeKey() {
      super("a dry run would make a key", null, false, false);
    }
  }

  /** A factory for dry runs: throws {@link WouldMakeKey} instead of making a key. */
  static <K> Factory<K> noKey() {
    return now -> {
      throw new WouldMakeKey();
    };
  }

  private final Duration lifetime;
  private final Duration maxCredentialTtl;
  private final Duration retirementGrace;

  /**
   * @param lifetime how long a new key lives
   * @param maxCredentialTtl the longest credential a key signs
   * @param retirementGrace how long a retired key stays after its last credential's expiry
   */
  KeyLifecycle(Duration lifetime, Duration maxCredentialTtl, Duration retirementGrace) {
    this.lifetime = Objects.requireNonNull(lifetime, "lifetime");
    this.maxCredentialTtl = Objects.requireNonNull(maxCredentialTtl, "maxCredentialTtl");
    this.retirementGrace = Objects.requireNonNull(retirementGrace, "retirementGrace");
  }

  /** When a retired key may leave the ring: its last credential has expired, plus the grace for clock skew. */
  Instant removableAt(Key<?> retired) {
    Instant lastExpiry = Objects.requireNonNull(retired.retiredAt(), "not retired").plus(maxCredentialTtl);
    return (lastExpiry.isBefore(retired.notAfter()) ? lastExpiry : retired.notAfter()).plus(retirementGrace);
  }

  /** When the active key stops signing for lack of life left: its expiry less the maximum credential TTL. */
  Instant usableUntil(Key<?> key) {
    return key.notAfter().minus(maxCredentialTtl);
  }

  /** When the next key is prepared: half the active key's lifetime after its creation. */
  Instant prepareAt(Key<?> active) {
    return active.createdAt().plus(lifetime.dividedBy(2));
  }

  /** When the prepared key is activated: five sixths of the active key's lifetime after its creation. */
  Instant activateAt(Key<?> active) {
    return active.createdAt().plus(lifetime.multipliedBy(5).dividedBy(6));
  }

  /**
   * The time-driven step at {@code now}: drops retired keys whose last credential has expired and prepared keys too
   * close to their expiry, makes the first key, prepares, activates.
   *
   * @param newestNotAfter the latest expiry a key made now could have (now plus the lifetime, or earlier when an
   *     upstream CA caps it)
   * @return the next ring, or {@code ring} itself when nothing changes
   */
  <K extends Key<K>> KeyRing<K> maintain(KeyRing<K> ring, Instant now, Instant newestNotAfter,
      Factory<K> factory) {
    List<K> keys = new ArrayList<>(ring.keys());
    boolean changed = keys.removeIf(k -> k.state() == KeyState.RETIRED && !now.isBefore(removableAt(k)));
    K active = ring.active();
    K prepared = ring.prepared();
    if (prepared != null && !now.isBefore(usableUntil(prepared))) {
      keys.remove(prepared);
      prepared = null;
      changed = true;
    }
    if (active != null && now.isBefore(active.notAfter())
        && !now.isBefore(newestNotAfter.minus(maxCredentialTtl))) {
      // A new key could live no longer than this one (an upstream CA about to expire caps them all): keep signing
      // with the current one, capped at its expiry, rather than churning out unpublished keys every minute.
      return changed ? new KeyRing<>(keys) : ring;
    }
    if (active == null || !now.isBefore(usableUntil(active))) {
      // No usable active key: activate the prepared one, or a fresh one (first start, or a long pause).
      if (active != null) {
        keys.set(keys.indexOf(active), active.retire(now));
      }
      if (prepared != null) {
        keys.set(keys.indexOf(prepared), prepared.activate(now));
      } else {
        keys.add(factory.newKey(now).activate(now));
      }
      return new KeyRing<>(keys);
    }
    // The schedule follows the active key's own life (from its creation, when it was published), not its
    // activation: a key prepared at half its predecessor's life would otherwise reach "prepare the next one" at the
    // very moment it stops being usable, and its successor would sign unpublished.
    if (prepared == null && !now.isBefore(prepareAt(active))) {
      keys.add(factory.newKey(now));
      return new KeyRing<>(keys);
    }
    if (prepared != null && !now.isBefore(activateAt(active))) {
      keys.set(keys.indexOf(active), active.retire(now));
      keys.set(keys.indexOf(prepared), prepared.activate(now));
      return new KeyRing<>(keys);
    }
    return changed ? new KeyRing<>(keys) : ring;
  }

  /** Prepares a next key now, unless one is prepared already (then {@code ring} itself). */
  <K extends Key<K>> KeyRing<K> prepare(KeyRing<K> ring, Instant now, Factory<K> factory) {
    return ring.prepared() != null ? ring : ring.add(factory.newKey(now));
  }

  /**
   * Activates the prepared key now and retires the active one.
   *
   * @throws IllegalStateException when no key is prepared
   */
  <K extends Key<K>> KeyRing<K> activate(KeyRing<K> ring, Instant now) {
    K prepared = ring.prepared();
    if (prepared == null) {
      throw new IllegalStateException("no prepared key to activate; prepare one first");
    }
    K active = ring.active();
    KeyRing<K> next = active == null ? ring : ring.replace(active, active.retire(now));
    return next.replace(prepared, prepared.activate(now));
  }

  /** One step of a manual rotation: activates the prepared key if there is one, otherwise prepares one. */
  <K extends Key<K>> KeyRing<K> rotate(KeyRing<K> ring, Instant now, Factory<K> factory) {
    return ring.prepared() != null ? activate(ring, now) : prepare(ring, now, factory);
  }

  /**
   * Taints a key: it is retired now (unless it was already), and when it was the active one the prepared key, or a
   * fresh one, signs from now. Tainting a tainted key changes nothing ({@code ring} itself).
   *
   * @throws IllegalArgumentException when the ring has no such key
   */
  <K extends Key<K>> KeyRing<K> taint(KeyRing<K> ring, String keyId, Instant now, Factory<K> factory) {
    K key = existing(ring, keyId);
    if (key.tainted()) {
      return ring;
    }
    K tainted = key.taint();
    if (key.state() != KeyState.RETIRED) {
      tainted = tainted.retire(now);
    }
    KeyRing<K> next = ring.replace(key, tainted);
    if (key == ring.active()) {
      K prepared = ring.prepared();
      next = prepared != null ? next.replace(prepared, prepared.activate(now))
          : next.add(factory.newKey(now).activate(now));
    }
    return next;
  }

  /**
   * Removes a key that is not active.
   *
   * @throws IllegalArgumentException when the ring has no such key
   * @throws IllegalStateException when the key is the active one
   */
  <K extends Key<K>> KeyRing<K> revoke(KeyRing<K> ring, String keyId) {
    K key = existing(ring, keyId);
    if (key == ring.active()) {
      throw new IllegalStateException("key " + keyId + " is active; taint it (or rotate) before revoking it");
    }
    return ring.remove(key);
  }

  private static <K extends Key<K>> K existing(KeyRing<K> ring, String keyId) {
    Objects.requireNonNull(keyId, "keyId");
    K key = ring.find(keyId);
    if (key == null) {
      throw new IllegalArgumentException("no key " + keyId);
    }
    return key;
  }
}

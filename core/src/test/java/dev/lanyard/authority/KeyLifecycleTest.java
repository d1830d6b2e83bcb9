package dev.lanyard.authority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The lifecycle rules alone, on fake keys: no key generation, no clock, exact instants. */
class KeyLifecycleTest {
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private static final Duration LIFETIME = Duration.ofHours(6);
  private static final Duration MAX_TTL = Duration.ofHours(1);
  private static final Duration GRACE = Duration.ofMinutes(5);
  private static final Duration NANO = Duration.ofNanos(1);

  private final KeyLifecycle lifecycle = new KeyLifecycle(LIFETIME, MAX_TTL, GRACE);
  private final FakeFactory factory = new FakeFactory();

  /** A key as small as the lifecycle needs. */
  record FakeKey(String keyId, Instant createdAt, Instant notAfter, @Nullable Instant activatedAt,
      @Nullable Instant retiredAt, boolean tainted) implements KeyLifecycle.Key<FakeKey> {
    @Override
    public FakeKey activate(Instant now) {
      return new FakeKey(keyId, createdAt, notAfter, now, null, tainted);
    }

    @Override
    public FakeKey retire(Instant now) {
      return new FakeKey(keyId, createdAt, notAfter, activatedAt, now, tainted);
    }

    @Override
    public FakeKey taint() {
      return new FakeKey(keyId, createdAt, notAfter, activatedAt, retiredAt, true);
    }
  }

  /** Makes k1, k2, ... living {@link #LIFETIME}, and counts them. */
  static final class FakeFactory implements KeyLifecycle.Factory<FakeKey> {
    int made;

    @Override
    public FakeKey newKey(Instant now) {
      made++;
      return new FakeKey("k" + made, now, now.plus(LIFETIME), null, null, false);
    }
  }

  private static FakeKey prepared(String id, Instant createdAt) {
    return new FakeKey(id, createdAt, createdAt.plus(LIFETIME), null, null, false);
  }

  private static FakeKey active(String id, Instant createdAt) {
    return new FakeKey(id, createdAt, createdAt.plus(LIFETIME), createdAt, null, false);
  }

  private static FakeKey retired(String id, Instant createdAt, Instant retiredAt) {
    return new FakeKey(id, createdAt, createdAt.plus(LIFETIME), createdAt, retiredAt, false);
  }

  private static KeyRing<FakeKey> ring(FakeKey... keys) {
    return new KeyRing<>(List.of(keys));
  }

  private KeyRing<FakeKey> maintain(KeyRing<FakeKey> ring, Instant now) {
    return lifecycle.maintain(ring, now, now.plus(LIFETIME), factory);
  }

  private static Map<String, KeyState> states(KeyRing<FakeKey> ring) {
    Map<String, KeyState> states = new HashMap<>();
    for (FakeKey key : ring.keys()) {
      states.put(key.keyId(), key.state());
    }
    return states;
  }

  // --------------------------------------------------------------------------------------------------- schedule

  @Test
  void scheduleWhenKeyCreatedThenPrepareAtHalfAndActivateAtFiveSixthsOfItsLife() {
    FakeKey key = active("a", T0);

    assertThat(lifecycle.prepareAt(key)).isEqualTo(T0.plus(Duration.ofHours(3)));
    assertThat(lifecycle.activateAt(key)).isEqualTo(T0.plus(Duration.ofHours(5)));
    assertThat(lifecycle.usableUntil(key)).isEqualTo(T0.plus(Duration.ofHours(5)));
  }

  @Test
  void removableAtWhenRetiredEarlyThenRetirementPlusMaxTtlPlusGrace() {
    FakeKey key = retired("a", T0, T0.plus(Duration.ofHours(2)));

    assertThat(lifecycle.removableAt(key)).isEqualTo(T0.plus(Duration.ofHours(3)).plus(GRACE));
  }

  @Test
  void removableAtWhenRetiredWithinMaxTtlOfExpiryThenExpiryPlusGrace() {
    FakeKey key = retired("a", T0, T0.plus(LIFETIME).minus(Duration.ofMinutes(10)));

    assertThat(lifecycle.removableAt(key)).isEqualTo(T0.plus(LIFETIME).plus(GRACE));
  }

  @Test
  void removableAtWhenNotRetiredThenNullPointerException() {
    assertThatNullPointerException().isThrownBy(() -> lifecycle.removableAt(active("a", T0)));
  }

  // ---------------------------------------------------------------------------------------------------- maintain

  @Test
  void maintainWhenRingEmptyThenFirstKeyActiveAtOnce() {
    KeyRing<FakeKey> next = maintain(ring(), T0);

    assertThat(next.keys()).hasSize(1);
    assertThat(next.active()).isEqualTo(new FakeKey("k1", T0, T0.plus(LIFETIME), T0, null, false));
    assertThat(next.prepared()).isNull();
  }

  @Test
  void maintainWhenJustBeforeHalfLifeThenSameRing() {
    KeyRing<FakeKey> ring = ring(active("a", T0));

    assertThat(maintain(ring, T0.plus(Duration.ofHours(3)).minus(NANO))).isSameAs(ring);
    assertThat(factory.made).isZero();
  }

  @Test
  void maintainWhenExactlyAtHalfLifeThenNextKeyPrepared() {
    Instant now = T0.plus(Duration.ofHours(3));

    KeyRing<FakeKey> next = maintain(ring(active("a", T0)), now);

    assertThat(next.active().keyId()).isEqualTo("a");
    assertThat(next.prepared()).isEqualTo(prepared("k1", now));
  }

  @Test
  void maintainWhenPreparedAndJustBeforeFiveSixthsThenSameRing() {
    KeyRing<FakeKey> ring = ring(active("a", T0), prepared("b", T0.plus(Duration.ofHours(3))));

    assertThat(maintain(ring, T0.plus(Duration.ofHours(5)).minus(NANO))).isSameAs(ring);
  }

  @Test
  void maintainWhenExactlyAtFiveSixthsThenPreparedActivatedAndActiveRetired() {
    Instant now = T0.plus(Duration.ofHours(5));
    KeyRing<FakeKey> ring = ring(active("a", T0), prepared("b", T0.plus(Duration.ofHours(3))));

    KeyRing<FakeKey> next = maintain(ring, now);

    assertThat(next.keys()).extracting(FakeKey::keyId).containsExactly("a", "b");
    assertThat(next.find("a").retiredAt()).isEqualTo(now);
    assertThat(next.active().keyId()).isEqualTo("b");
    assertThat(next.active().activatedAt()).isEqualTo(now);
    assertThat(next.prepared()).isNull();
    assertThat(factory.made).isZero();
  }

  @Test
  void maintainWhenSuccessorActivatedThenItsScheduleFollowsItsCreationNotItsActivation() {
    Instant bCreated = T0.plus(Duration.ofHours(3));
    FakeKey b = new FakeKey("b", bCreated, bCreated.plus(LIFETIME), T0.plus(Duration.ofHours(5)), null, false);
    KeyRing<FakeKey> ring = ring(b);

    assertThat(maintain(ring, bCreated.plus(Duration.ofHours(3)).minus(NANO))).isSameAs(ring);
    assertThat(maintain(ring, bCreated.plus(Duration.ofHours(3))).prepared()).isNotNull();
  }

  @Test
  void maintainWhenRetiredKeyJustBeforeRemovableThenKept() {
    FakeKey old = retired("a", T0, T0.plus(Duration.ofHours(5)));
    KeyRing<FakeKey> ring = ring(old, active("b", T0.plus(Duration.ofHours(5))));

    assertThat(maintain(ring, lifecycle.removableAt(old).minus(NANO))).isSameAs(ring);
  }

  @Test
  void maintainWhenRetiredKeyExactlyRemovableThenDropped() {
    FakeKey old = retired("a", T0, T0.plus(Duration.ofHours(4)));
    KeyRing<FakeKey> ring = ring(old, active("b", T0.plus(Duration.ofHours(3))));

    KeyRing<FakeKey> next = maintain(ring, lifecycle.removableAt(old));

    assertThat(next.keys()).extracting(FakeKey::keyId).containsExactly("b");
  }

  @Test
  void maintainWhenActiveExactlyMaxTtlBeforeExpiryWithoutPreparedThenFreshKeyActive() {
    // A long pause: the active key can no longer sign a full-length credential and no successor was prepared.
    Instant now = T0.plus(LIFETIME).minus(MAX_TTL);

    KeyRing<FakeKey> next = maintain(ring(active("a", T0)), now);

    assertThat(states(next)).containsEntry("a", KeyState.RETIRED).containsEntry("k1", KeyState.ACTIVE);
    assertThat(next.find("a").retiredAt()).isEqualTo(now);
    assertThat(next.active().createdAt()).isEqualTo(now);
  }

  @Test
  void maintainWhenActiveExpiredLongAgoThenFreshKeyActive() {
    Instant now = T0.plus(Duration.ofDays(30));

    KeyRing<FakeKey> next = maintain(ring(active("a", T0)), now);

    assertThat(next.active().keyId()).isEqualTo("k1");
    assertThat(next.active().activatedAt()).isEqualTo(now);
  }

  @Test
  void maintainWhenPreparedExactlyMaxTtlBeforeItsExpiryThenDropped() {
    // A prepared key that could not sign a full-length credential is useless: it leaves rather than activates.
    Instant now = T0.plus(Duration.ofHours(1));
    FakeKey stale = new FakeKey("p", T0, now.plus(MAX_TTL), null, null, false);
    KeyRing<FakeKey> ring = ring(active("a", T0), stale);

    KeyRing<FakeKey> justBefore = maintain(ring, now.minus(NANO));
    KeyRing<FakeKey> atBoundary = maintain(ring, now);

    assertThat(justBefore).isSameAs(ring);
    assertThat(atBoundary.keys()).extracting(FakeKey::keyId).containsExactly("a");
  }

  @Test
  void maintainWhenActiveUnusableAndPreparedExistsThenPreparedActivatedNotAFreshKey() {
    Instant now = T0.plus(LIFETIME).minus(MAX_TTL);
    KeyRing<FakeKey> ring = ring(active("a", T0), prepared("b", T0.plus(Duration.ofHours(4))));

    KeyRing<FakeKey> next = maintain(ring, now);

    assertThat(next.active().keyId()).isEqualTo("b");
    assertThat(factory.made).isZero();
  }

  @Test
  void maintainWhenNoNewKeyCouldOutliveTheActiveOneThenActiveKeepsSigning() {
    // An upstream CA about to expire caps every new key: making one would only churn.
    Instant now = T0.plus(Duration.ofHours(5)).plusSeconds(30);
    KeyRing<FakeKey> ring = ring(active("a", T0));

    KeyRing<FakeKey> next = lifecycle.maintain(ring, now, T0.plus(LIFETIME), factory);

    assertThat(next).isSameAs(ring);
    assertThat(factory.made).isZero();
  }

  @Test
  void maintainWhenNoNewKeyCouldOutliveItAndActiveExpiredThenReplacedAnyway() {
    Instant now = T0.plus(LIFETIME);

    KeyRing<FakeKey> next = lifecycle.maintain(ring(active("a", T0)), now, now.plus(Duration.ofMinutes(1)), factory);

    assertThat(next.active().keyId()).isEqualTo("k1");
  }

  @Test
  void maintainWhenNoNewKeyCouldOutliveItThenRetiredKeysStillDropped() {
    FakeKey old = retired("a", T0.minus(LIFETIME), T0);
    Instant now = lifecycle.removableAt(old);
    KeyRing<FakeKey> ring = ring(old, active("b", now.minus(Duration.ofHours(5))));

    KeyRing<FakeKey> next = lifecycle.maintain(ring, now, ring.active().notAfter(), factory);

    assertThat(next.keys()).extracting(FakeKey::keyId).containsExactly("b");
  }

  @Test
  void maintainWhenClockGoesBackwardsThenNothingChanges() {
    Instant activated = T0.plus(Duration.ofHours(5));
    KeyRing<FakeKey> ring = maintain(ring(active("a", T0), prepared("b", T0.plus(Duration.ofHours(3)))), activated);

    assertThat(maintain(ring, activated.minus(Duration.ofHours(1)))).isSameAs(ring);
    assertThat(maintain(ring, T0.minus(Duration.ofDays(1)))).isSameAs(ring);
    assertThat(factory.made).isZero();
  }

  @Test
  void maintainWhenClockBeforeKeysCreationThenRetiredKeyNotDroppedEarly() {
    FakeKey old = retired("a", T0, T0.plus(Duration.ofHours(5)));
    KeyRing<FakeKey> ring = ring(old, active("b", T0.plus(Duration.ofHours(3))));

    assertThat(maintain(ring, T0.minus(Duration.ofHours(2)))).isSameAs(ring);
  }

  @Test
  void maintainWhenSteppedEveryMinuteForDaysThenOneActiveAlwaysUsableAndPublishedBeforeItSigns() {
    KeyRing<FakeKey> ring = maintain(ring(), T0);
    Instant end = T0.plus(Duration.ofDays(3));
    List<FakeKey> activations = new ArrayList<>();
    for (Instant now = T0.plusSeconds(60); now.isBefore(end); now = now.plusSeconds(60)) {
      FakeKey before = ring.active();
      ring = maintain(ring, now);
      FakeKey active = ring.active();
      assertThat(ring.keys().stream().filter(k -> k.state() == KeyState.ACTIVE)).hasSize(1);
      assertThat(ring.keys().stream().filter(k -> k.state() == KeyState.PREPARED).count()).isLessThanOrEqualTo(1);
      assertThat(Duration.between(now, active.notAfter())).as("room for a full-length credential at %s", now)
          .isGreaterThan(MAX_TTL);
      if (!active.keyId().equals(before.keyId())) {
        activations.add(active);
      }
      assertThat(ring.keys()).as("retired keys are dropped").hasSizeLessThanOrEqualTo(3);
    }
    assertThat(activations).hasSizeGreaterThanOrEqualTo(10);
    for (FakeKey key : activations) {
      assertThat(Duration.between(key.createdAt(), key.activatedAt())).as("published before signing")
          .isEqualTo(Duration.ofHours(2));
    }
  }

  // ----------------------------------------------------------------------------------------------- manual steps

  @Test
  void prepareWhenNoneThenNewPreparedKeyAdded() {
    KeyRing<FakeKey> next = lifecycle.prepare(ring(active("a", T0)), T0.plusSeconds(5), factory);

    assertThat(next.prepared()).isEqualTo(prepared("k1", T0.plusSeconds(5)));
    assertThat(next.active().keyId()).isEqualTo("a");
  }

  @Test
  void prepareWhenAlreadyPreparedThenSameRing() {
    KeyRing<FakeKey> ring = ring(active("a", T0), prepared("b", T0));

    assertThat(lifecycle.prepare(ring, T0, factory)).isSameAs(ring);
    assertThat(factory.made).isZero();
  }

  @Test
  void activateWhenPreparedThenActivatedNowAndOldRetiredNow() {
    Instant now = T0.plusSeconds(7);

    KeyRing<FakeKey> next = lifecycle.activate(ring(active("a", T0), prepared("b", T0)), now);

    assertThat(next.find("a")).isEqualTo(retired("a", T0, now));
    assertThat(next.active()).isEqualTo(prepared("b", T0).activate(now));
  }

  @Test
  void activateWhenNothingPreparedThenIllegalStateException() {
    assertThatIllegalStateException().isThrownBy(() -> lifecycle.activate(ring(active("a", T0)), T0))
        .withMessageContaining("prepare one first");
  }

  @Test
  void rotateWhenCalledTwiceThenPreparesThenActivates() {
    KeyRing<FakeKey> prepared = lifecycle.rotate(ring(active("a", T0)), T0, factory);
    KeyRing<FakeKey> activated = lifecycle.rotate(prepared, T0.plusSeconds(1), factory);

    assertThat(prepared.prepared().keyId()).isEqualTo("k1");
    assertThat(activated.active().keyId()).isEqualTo("k1");
    assertThat(activated.find("a").state()).isEqualTo(KeyState.RETIRED);
  }

  @Test
  void taintWhenActiveAndPreparedExistsThenPreparedSignsAndTaintedRetiredNow() {
    Instant now = T0.plusSeconds(9);

    KeyRing<FakeKey> next = lifecycle.taint(ring(active("a", T0), prepared("b", T0)), "a", now, factory);

    assertThat(next.find("a").tainted()).isTrue();
    assertThat(next.find("a").retiredAt()).isEqualTo(now);
    assertThat(next.active().keyId()).isEqualTo("b");
    assertThat(factory.made).isZero();
  }

  @Test
  void taintWhenActiveAndNothingPreparedThenFreshKeySignsAtOnce() {
    KeyRing<FakeKey> next = lifecycle.taint(ring(active("a", T0)), "a", T0.plusSeconds(9), factory);

    assertThat(next.active()).isEqualTo(new FakeKey("k1", T0.plusSeconds(9), T0.plusSeconds(9).plus(LIFETIME),
        T0.plusSeconds(9), null, false));
    assertThat(states(next)).containsEntry("a", KeyState.RETIRED);
  }

  @Test
  void taintWhenPreparedThenRetiredWithoutActivatingAndActiveUntouched() {
    KeyRing<FakeKey> next = lifecycle.taint(ring(active("a", T0), prepared("b", T0)), "b", T0.plusSeconds(3),
        factory);

    assertThat(next.find("b")).isEqualTo(new FakeKey("b", T0, T0.plus(LIFETIME), null, T0.plusSeconds(3), true));
    assertThat(next.active().keyId()).isEqualTo("a");
  }

  @Test
  void taintWhenRetiredThenKeepsItsRetirementTime() {
    KeyRing<FakeKey> next = lifecycle.taint(ring(retired("a", T0, T0.plusSeconds(1)), active("b", T0)), "a",
        T0.plusSeconds(60), factory);

    assertThat(next.find("a")).isEqualTo(retired("a", T0, T0.plusSeconds(1)).taint());
  }

  @Test
  void taintWhenAlreadyTaintedThenSameRing() {
    KeyRing<FakeKey> ring = ring(retired("a", T0, T0.plusSeconds(1)).taint(), active("b", T0));

    assertThat(lifecycle.taint(ring, "a", T0.plusSeconds(60), factory)).isSameAs(ring);
  }

  @Test
  void taintWhenUnknownKeyThenIllegalArgumentException() {
    assertThatIllegalArgumentException().isThrownBy(() -> lifecycle.taint(ring(active("a", T0)), "x", T0, factory))
        .withMessage("no key x");
  }

  @Test
  void revokeWhenRetiredThenRemoved() {
    KeyRing<FakeKey> next = lifecycle.revoke(ring(retired("a", T0, T0), active("b", T0)), "a");

    assertThat(next.keys()).extracting(FakeKey::keyId).containsExactly("b");
  }

  @Test
  void revokeWhenPreparedThenRemoved() {
    KeyRing<FakeKey> next = lifecycle.revoke(ring(active("a", T0), prepared("b", T0)), "b");

    assertThat(next.keys()).extracting(FakeKey::keyId).containsExactly("a");
  }

  @Test
  void revokeWhenActiveThenIllegalStateException() {
    assertThatIllegalStateException().isThrownBy(() -> lifecycle.revoke(ring(active("a", T0)), "a"))
        .withMessageContaining("is active");
  }

  @Test
  void revokeWhenUnknownKeyThenIllegalArgumentException() {
    assertThatIllegalArgumentException().isThrownBy(() -> lifecycle.revoke(ring(active("a", T0)), "x"));
  }
}

package dev.lanyard.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.jwt.JwtSvidRejectedException.Reason;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.Await;
import dev.lanyard.testing.MutableClock;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.JwtKey;
import dev.lanyard.trust.RevocationList;
import dev.lanyard.trust.TrustBundle;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Revocation reaching verifiers: {@link RevocationList} semantics under a fixed clock, and a concurrent run that
 * checks the promise of its javadoc, "once a {@code revoke…} method returns, no such verifier accepts the
 * credential", cached or not.
 *
 * <p>The concurrent runs: {@value #THREADS} threads verify the same tokens round-robin through two cached verifiers
 * that share one revocation list (or, for the authority run, {@link EmbeddedAuthority#revocations()} and
 * {@link EmbeddedAuthority#bundleSource()}). Each thread records, for every verification, {@link System#nanoTime()}
 * taken just before {@code verify} is called and just after it returns, the token, and the outcome. The main thread
 * revokes once every thread has verified every token many times (so all are cached), taking {@code nanoTime} just
 * before the revoke call and just after it returns. Then: every verification of the revoked token that started after
 * the revoke returned was rejected; every one that ended before the revoke was called was accepted (one that overlaps
 * the call may go either way: with eight threads on few cores a verification is often descheduled midway); every
 * verification of the other tokens was accepted. Only the order of real time is relied on (nanoTime is monotonic
 * across threads), never timing luck; the run is bounded by iteration counts and a two-second deadline per phase.
 */
class RevocationConcurrencyTest {
  private static final TrustDomain TD = TrustDomain.of("example.org");
  private static final String AUDIENCE = "spiffe://example.org/api";
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private static final Clock FIXED = Clock.fixed(T0, ZoneOffset.UTC);
  private static final SpiffeId ALICE = SpiffeId.parse("spiffe://example.org/alice");
  private static final SpiffeId BOB = SpiffeId.parse("spiffe://example.org/bob");

  private static final int THREADS = 8;
  private static final int WARM_UP_PER_THREAD = 2_000;
  private static final int AFTER_REVOKE_PER_THREAD = 2_000;
  private static final Duration PHASE_DEADLINE = Duration.ofSeconds(2);
  private static final int RING = 1 << 17;

  private static KeyPair keyA;
  private static KeyPair keyB;
  private static TrustBundle bundle;

  @BeforeAll
  static void keys() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    keyA = generator.generateKeyPair();
    keyB = generator.generateKeyPair();
    bundle = TrustBundle.newBuilder(TD)
        .addJwtKey(JwtKey.of("key-a", keyA.getPublic(), Optional.of(JwtAlgorithm.ES256)))
        .addJwtKey(JwtKey.of("key-b", keyB.getPublic(), Optional.of(JwtAlgorithm.ES256)))
        .build();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Fixed clock: each kind of revocation reaches a cached token on its next verification.

  @Test
  void verifyWhenTokenIdRevokedThenCachedTokenRejectedAsRevoked() throws Exception {
    RevocationList revocations = new RevocationList(FIXED, Duration.ofHours(1));
    JwtSvidVerifier verifier = verifier(revocations);
    JwtSvid victim = token(ALICE, "key-a", keyA, T0.minusSeconds(60));
    JwtSvid bystander = token(ALICE, "key-a", keyA, T0.minusSeconds(60));
    verifier.verify(victim.token());
    verifier.verify(victim.token());
    verifier.verify(bystander.token());

    revocations.revokeToken(victim.tokenId(), victim.expiresAt());

    assertThat(reject(verifier, victim.token())).isEqualTo(Reason.REVOKED);
    assertThat(reject(verifier, victim.token())).isEqualTo(Reason.REVOKED);
    assertThat(reject(verifier(revocations), victim.token())).as("fresh verifier, uncached").isEqualTo(Reason.REVOKED);
    assertThat(verifier.verify(bystander.token()).tokenId()).contains(bystander.tokenId());
  }

  @Test
  void verifyWhenTokenIdRevokedWithDefaultRetentionThenRejected() throws Exception {
    RevocationList revocations = new RevocationList(FIXED, Duration.ofHours(1));
    JwtSvidVerifier verifier = verifier(revocations);
    JwtSvid victim = token(ALICE, "key-a", keyA, T0.minusSeconds(60));
    verifier.verify(victim.token());

    revocations.revokeToken(victim.tokenId());

    assertThat(revocations.isTokenRevoked(victim.tokenId())).isTrue();
    assertThat(reject(verifier, victim.token())).isEqualTo(Reason.REVOKED);
  }

  @Test
  void verifyWhenSubjectRevokedThenTokensIssuedBeforeRejectedAndFromTheInstantOnAccepted() throws Exception {
    RevocationList revocations = new RevocationList(FIXED, Duration.ofHours(1));
    JwtSvidVerifier verifier = verifier(revocations);
    Instant cutoff = T0.minusSeconds(30);
    JwtSvid before = token(ALICE, "key-a", keyA, cutoff.minusSeconds(1));
    JwtSvid atCutoff = token(ALICE, "key-a", keyA, cutoff);
    JwtSvid after = token(ALICE, "key-b", keyB, cutoff.plusSeconds(1));
    JwtSvid otherSubject = token(BOB, "key-a", keyA, cutoff.minusSeconds(1));
    for (JwtSvid svid : List.of(before, atCutoff, after, otherSubject)) {
      verifier.verify(svid.token());
    }

    revocations.revokeSubject(ALICE, cutoff);

    assertThat(reject(verifier, before.token())).isEqualTo(Reason.REVOKED);
    assertThat(verifier.verify(atCutoff.token()).subject()).as("issued exactly at the instant").isEqualTo(ALICE);
    assertThat(verifier.verify(after.token()).subject()).isEqualTo(ALICE);
    assertThat(verifier.verify(otherSubject.token()).subject()).isEqualTo(BOB);
    assertThat(reject(verifier(revocations), before.token())).as("fresh verifier").isEqualTo(Reason.REVOKED);
  }

  @Test
  void verifyWhenSubjectRevokedAndTokenHasNoIssuedAtThenRejected() throws Exception {
    RevocationList revocations = new RevocationList(FIXED, Duration.ofHours(1));
    JwtSvidVerifier verifier = verifier(revocations);
    String noIat = signWithoutIssuedAt(ALICE, "key-a", keyA, T0.plusSeconds(300));
    assertThat(verifier.verify(noIat).issuedAt()).isEmpty();

    revocations.revokeSubject(ALICE, T0.minus(Duration.ofDays(365)));

    assertThat(reject(verifier, noIat)).isEqualTo(Reason.REVOKED);
  }

  @Test
  void verifyWhenKeyRevokedThenCachedTokensOfThatKeyRejectedAndOtherKeysAccepted() throws Exception {
    RevocationList revocations = new RevocationList(FIXED, Duration.ofHours(1));
    JwtSvidVerifier verifier = verifier(revocations);
    JwtSvid ofA = token(ALICE, "key-a", keyA, T0.minusSeconds(60));
    JwtSvid ofB = token(ALICE, "key-b", keyB, T0.minusSeconds(60));
    verifier.verify(ofA.token());
    verifier.verify(ofB.token());

    revocations.revokeKey("key-a");

    assertThat(reject(verifier, ofA.token())).isEqualTo(Reason.REVOKED);
    assertThat(reject(verifier(revocations), ofA.token())).isEqualTo(Reason.REVOKED);
    assertThat(verifier.verify(ofB.token()).keyId()).isEqualTo("key-b");
    JwtSvid newOfA = token(BOB, "key-a", keyA, T0);
    assertThat(reject(verifier, newOfA.token())).as("tokens of the key minted later too").isEqualTo(Reason.REVOKED);
  }

  @Test
  void verifyWhenUnrelatedRevocationThenCachedTokenStillAccepted() throws Exception {
    RevocationList revocations = new RevocationList(FIXED, Duration.ofHours(1));
    JwtSvidVerifier verifier = verifier(revocations);
    JwtSvid svid = token(ALICE, "key-a", keyA, T0.minusSeconds(60));
    verifier.verify(svid.token());

    revocations.revokeToken("some-other-id");
    revocations.revokeSubject(BOB, T0);
    revocations.revokeKey("some-other-key");

    assertThat(verifier.verify(svid.token()).subject()).isEqualTo(ALICE);
    assertThat(verifier.verify(svid.token()).subject()).isEqualTo(ALICE);
  }

  @Test
  void revokeSubjectWhenEarlierInstantThenNotNarrowedAndLaterInstantWidens() {
    RevocationList revocations = new RevocationList(FIXED, Duration.ofHours(1));

    revocations.revokeSubject(ALICE, T0);
    assertThat(revocations.isSubjectRevoked(ALICE, T0.minusSeconds(1))).isTrue();
    assertThat(revocations.isSubjectRevoked(ALICE, T0)).isFalse();

    revocations.revokeSubject(ALICE, T0.minusSeconds(100));
    assertThat(revocations.isSubjectRevoked(ALICE, T0.minusSeconds(1))).as("not narrowed").isTrue();

    revocations.revokeSubject(ALICE, T0.plusSeconds(100));
    assertThat(revocations.isSubjectRevoked(ALICE, T0.plusSeconds(99))).as("widened").isTrue();
    assertThat(revocations.isSubjectRevoked(ALICE, T0.plusSeconds(100))).isFalse();
    assertThat(revocations.isSubjectRevoked(ALICE, null)).as("no iat counts as before").isTrue();
    assertThat(revocations.isSubjectRevoked(BOB, T0.minusSeconds(1000))).isFalse();
  }

  @Test
  void revokeWhenAnyKindThenVersionStrictlyIncreases() {
    RevocationList revocations = new RevocationList(FIXED, Duration.ofHours(1));
    List<Runnable> revokes = List.of(
        () -> revocations.revokeToken("t1", T0.plusSeconds(60)),
        () -> revocations.revokeToken("t1", T0.plusSeconds(60)),
        () -> revocations.revokeToken("t2"),
        () -> revocations.revokeSubject(ALICE, T0),
        () -> revocations.revokeSubject(ALICE, T0.minusSeconds(1)),
        () -> revocations.revokeKey("k"),
        () -> revocations.revokeKey("k"));
    long version = revocations.version();

    for (Runnable revoke : revokes) {
      revoke.run();
      assertThat(revocations.version()).isGreaterThan(version);
      version = revocations.version();
    }
  }

  @Test
  void revokeTokenWhenListLargeThenExpiredEntriesPrunedAndLaterExpiryKept() {
    MutableClock clock = new MutableClock(T0);
    RevocationList revocations = new RevocationList(clock, Duration.ofMinutes(10));
    revocations.revokeToken("extended", T0.plusSeconds(1));
    revocations.revokeToken("extended", T0.plusSeconds(3600));
    revocations.revokeToken("extended", T0.plusSeconds(2));
    revocations.revokeToken("default-retention");
    for (int i = 0; i < 1100; i++) {
      revocations.revokeToken("short-" + i, T0.plusSeconds(1));
    }
    assertThat(revocations.isTokenRevoked("short-0")).isTrue();

    clock.set(T0.plusSeconds(5));
    revocations.revokeToken("trigger", T0.plusSeconds(60));

    assertThat(revocations.isTokenRevoked("short-0")).as("expired entry pruned").isFalse();
    assertThat(revocations.isTokenRevoked("short-1099")).isFalse();
    assertThat(revocations.isTokenRevoked("extended")).as("the later expiry wins").isTrue();
    assertThat(revocations.isTokenRevoked("default-retention")).isTrue();
    assertThat(revocations.isTokenRevoked("trigger")).isTrue();

    clock.set(T0.plus(Duration.ofMinutes(11)));
    for (int i = 0; i < 1100; i++) {
      revocations.revokeToken("more-" + i, T0.plus(Duration.ofHours(2)));
    }
    assertThat(revocations.isTokenRevoked("default-retention")).as("kept for the default retention only").isFalse();
    assertThat(revocations.isTokenRevoked("extended")).isTrue();
  }

  @Test
  void revocationListWhenBadArgumentsThenRefused() {
    assertThatThrownBy(() -> new RevocationList(FIXED, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RevocationList(FIXED, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RevocationList(null, Duration.ofHours(1))).isInstanceOf(NullPointerException.class);
    RevocationList revocations = new RevocationList(FIXED, Duration.ofHours(1));
    assertThatThrownBy(() -> revocations.revokeToken(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> revocations.revokeToken("t", null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> revocations.revokeSubject(null, T0)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> revocations.revokeSubject(ALICE, null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> revocations.revokeKey(null)).isInstanceOf(NullPointerException.class);
    assertThat(revocations.isTokenRevoked(null)).isFalse();
    assertThat(revocations.version()).isZero();
  }

  @Test
  void revocationListToStringShowsCountsOnly() {
    RevocationList revocations = new RevocationList(FIXED, Duration.ofHours(1));
    revocations.revokeToken("secret-token-id");
    revocations.revokeSubject(ALICE, T0);
    revocations.revokeKey("key-id-xyz");

    assertThat(revocations.toString()).doesNotContain("secret-token-id").doesNotContain("alice")
        .doesNotContain("key-id-xyz").contains("tokens=1").contains("subjects=1").contains("keys=1");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Concurrent: revocation is seen by every thread once revoke returns.

  /** What the main thread revokes, of the victim (ALICE, key-a); the other tokens are BOB's, of key-b. */
  enum Revocation {
    TOKEN_ID, SUBJECT, KEY
  }

  @ParameterizedTest
  @EnumSource(Revocation.class)
  @Timeout(30)
  void verifyConcurrentlyWhenRevokedThenNoVerificationStartedAfterRevokeReturnsAccepts(Revocation kind)
      throws Exception {
    RevocationList revocations = new RevocationList(FIXED, Duration.ofHours(1));
    List<JwtSvidVerifier> verifiers = List.of(verifier(revocations), verifier(revocations));
    JwtSvid victim = token(ALICE, "key-a", keyA, T0.minusSeconds(60));
    List<String> tokens = new ArrayList<>(List.of(victim.token()));
    for (int i = 0; i < 3; i++) {
      tokens.add(token(BOB, "key-b", keyB, T0.minusSeconds(60)).token());
    }
    Consumer<RevocationList> revoke = r -> {
      switch (kind) {
        case TOKEN_ID:
          r.revokeToken(victim.tokenId(), victim.expiresAt());
          break;
        case SUBJECT:
          r.revokeSubject(ALICE, T0);
          break;
        default:
          r.revokeKey("key-a");
      }
    };

    Result result = runConcurrently(verifiers, tokens, () -> revoke.accept(revocations));

    result.assertRevokedAfterAndAcceptedOtherwise(0, EnumSet.of(Reason.REVOKED));
  }

  @Test
  @Timeout(60)
  void verifyConcurrentlyWhenAuthorityKeyTaintedAndRevokedThenItsTokenRejectedByEveryThread() throws Exception {
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).clock(FIXED).build();
    JwtSvid victim = authority.mintJwtSvid(ALICE, AUDIENCE);
    String victimKey = victim.keyId();
    authority.taintJwtKey(victimKey);
    List<String> tokens = new ArrayList<>(List.of(victim.token()));
    for (int i = 0; i < 3; i++) {
      JwtSvid other = authority.mintJwtSvid(BOB, AUDIENCE);
      assertThat(other.keyId()).isNotEqualTo(victimKey);
      tokens.add(other.token());
    }
    List<JwtSvidVerifier> verifiers = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      verifiers.add(JwtSvidVerifier.newBuilder()
          .bundleSource(authority.bundleSource())
          .revocations(authority.revocations())
          .audience(AUDIENCE)
          .clock(FIXED)
          .build());
    }
    // Tainted is not revoked: the victim's token still verifies until its key is revoked.
    assertThat(verifiers.get(0).verify(victim.token()).keyId()).isEqualTo(victimKey);

    Result result = runConcurrently(verifiers, tokens, () -> authority.revokeJwtKey(victimKey));

    result.assertRevokedAfterAndAcceptedOtherwise(0, EnumSet.of(Reason.REVOKED, Reason.UNKNOWN_KEY));
    assertThat(authority.bundle().jwtKey(victimKey)).isEmpty();
  }

  /** Outcome codes in the records: 0 accepted, 1 + reason ordinal for a rejection, -1 for any other exception. */
  private static final byte ACCEPTED = 0;
  private static final byte FAILED = -1;

  /** One thread's records, in a ring of the latest {@link #RING} verifications, and its progress counters. */
  private static final class Recorder {
    final long[] starts = new long[RING];
    final long[] ends = new long[RING];
    final byte[] tokens = new byte[RING];
    final byte[] outcomes = new byte[RING];
    long count;
  }

  private static final class Result {
    final List<Recorder> recorders;
    final long revokeCalled;
    final long revokeReturned;

    Result(List<Recorder> recorders, long revokeCalled, long revokeReturned) {
      this.recorders = recorders;
      this.revokeCalled = revokeCalled;
      this.revokeReturned = revokeReturned;
    }

    void assertRevokedAfterAndAcceptedOtherwise(int revokedToken, Set<Reason> allowed) {
      long victimAfter = 0;
      long victimBefore = 0;
      long others = 0;
      for (int t = 0; t < recorders.size(); t++) {
        Recorder r = recorders.get(t);
        long n = Math.min(r.count, RING);
        long threadVictimAfter = 0;
        for (int i = 0; i < n; i++) {
          int token = r.tokens[i];
          byte outcome = r.outcomes[i];
          long start = r.starts[i];
          long end = r.ends[i];
          if (token != revokedToken) {
            assertThat(outcome).as("thread %d: other token %d must stay accepted (%s)", t, token, describe(outcome))
                .isEqualTo(ACCEPTED);
            others++;
          } else if (start - revokeReturned > 0) {
            assertThat(outcome).as("thread %d: started %d ns after revoke returned", t, start - revokeReturned)
                .isNotEqualTo(ACCEPTED);
            assertThat(allowed).as("thread %d: rejection reason", t).contains(reason(outcome));
            victimAfter++;
            threadVictimAfter++;
          } else if (end - revokeCalled < 0) {
            assertThat(outcome).as("thread %d: ended before revoke was called (%s)", t, describe(outcome))
                .isEqualTo(ACCEPTED);
            victimBefore++;
          }
        }
        assertThat(threadVictimAfter).as("thread %d verified the revoked token after revoke returned", t)
            .isPositive();
      }
      assertThat(victimAfter).isPositive();
      assertThat(victimBefore + others).isPositive();
    }

    private static Reason reason(byte outcome) {
      return outcome > 0 ? Reason.values()[outcome - 1] : null;
    }

    private static String describe(byte outcome) {
      return outcome == ACCEPTED ? "accepted" : outcome == FAILED ? "exception" : "rejected " + reason(outcome);
    }
  }

  /**
   * Runs {@value #THREADS} verifying threads over {@code tokens}, calls {@code revoke} once all have warmed up, and
   * lets them go on until each has done enough verifications that started after the revoke returned.
   */
  private static Result runConcurrently(List<JwtSvidVerifier> verifiers, List<String> tokens, Runnable revoke)
      throws InterruptedException {
    for (JwtSvidVerifier verifier : verifiers) {
      for (String token : tokens) {
        try {
          verifier.verify(token);
        } catch (JwtSvidRejectedException e) {
          throw new AssertionError("token rejected before the run: " + e.reason(), e);
        }
      }
    }
    AtomicBoolean stop = new AtomicBoolean();
    AtomicIntegerArray warmedUp = new AtomicIntegerArray(THREADS);
    AtomicIntegerArray afterRevoke = new AtomicIntegerArray(THREADS);
    AtomicLong published = new AtomicLong(Long.MAX_VALUE);
    List<Recorder> recorders = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < THREADS; t++) {
      Recorder recorder = new Recorder();
      recorders.add(recorder);
      JwtSvidVerifier verifier = verifiers.get(t % verifiers.size());
      int id = t;
      Thread thread = new Thread(() -> {
        int next = id % tokens.size();
        while (!stop.get()) {
          long returned = published.get();
          int token = next;
          next = (next + 1) % tokens.size();
          long start = System.nanoTime();
          byte outcome;
          try {
            verifier.verify(tokens.get(token));
            outcome = ACCEPTED;
          } catch (JwtSvidRejectedException e) {
            outcome = (byte) (e.reason().ordinal() + 1);
          } catch (RuntimeException | Error e) {
            outcome = FAILED;
            failures.add(e);
          }
          long end = System.nanoTime();
          int slot = (int) (recorder.count & (RING - 1));
          recorder.starts[slot] = start;
          recorder.ends[slot] = end;
          recorder.tokens[slot] = (byte) token;
          recorder.outcomes[slot] = outcome;
          recorder.count++;
          if (recorder.count == WARM_UP_PER_THREAD) {
            warmedUp.set(id, 1);
          }
          if (start - returned > 0) {
            afterRevoke.incrementAndGet(id);
          }
        }
      }, "verifier-" + t);
      thread.setDaemon(true);
      threads.add(thread);
    }
    threads.forEach(Thread::start);

    // Each phase waits at most PHASE_DEADLINE; a thread that falls short shows in the checks of the result.
    Await.holdsWithin(() -> allAtLeast(warmedUp, 1), PHASE_DEADLINE);
    long called = System.nanoTime();
    revoke.run();
    long returned = System.nanoTime();
    published.set(returned);
    Await.holdsWithin(() -> allAtLeast(afterRevoke, AFTER_REVOKE_PER_THREAD), PHASE_DEADLINE);
    stop.set(true);
    for (Thread thread : threads) {
      thread.join(10_000);
      assertThat(thread.isAlive()).as(thread.getName() + " stopped").isFalse();
    }
    assertThat(failures).as("unexpected exceptions").isEmpty();
    return new Result(recorders, called, returned);
  }

  private static boolean allAtLeast(AtomicIntegerArray counters, int minimum) {
    for (int i = 0; i < counters.length(); i++) {
      if (counters.get(i) < minimum) {
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Helpers.

  private static JwtSvidVerifier verifier(RevocationList revocations) {
    return JwtSvidVerifier.newBuilder()
        .bundleSource(BundleSource.of(bundle))
        .revocations(revocations)
        .audience(AUDIENCE)
        .clock(FIXED)
        .build();
  }

  private static JwtSvid token(SpiffeId subject, String kid, KeyPair key, Instant issuedAt) {
    return JwtSvid.newBuilder()
        .subject(subject)
        .audience(List.of(AUDIENCE))
        .validity(issuedAt, issuedAt.plus(Duration.ofMinutes(10)))
        .sign(JwtAlgorithm.ES256, kid, key.getPrivate());
  }

  private static String signWithoutIssuedAt(SpiffeId subject, String kid, KeyPair key, Instant expiresAt)
      throws Exception {
    SignedJWT jwt = new SignedJWT(
        new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(kid).type(JOSEObjectType.JWT).build(),
        new JWTClaimsSet.Builder().subject(subject.toString()).audience(AUDIENCE)
            .expirationTime(Date.from(expiresAt)).build());
    jwt.sign(new ECDSASigner((ECPrivateKey) key.getPrivate()));
    return jwt.serialize();
  }

  private static Reason reject(JwtSvidVerifier verifier, String token) {
    try {
      verifier.verify(token);
      throw new AssertionError("token was accepted");
    } catch (JwtSvidRejectedException e) {
      return e.reason();
    }
  }
}

package dev.lanyard.jwt;

import static dev.lanyard.jwt.HandmadeJws.ES256;
import static dev.lanyard.jwt.HandmadeJws.signed;
import static dev.lanyard.jwt.HandmadeJws.str;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.jwt.HandmadeJws.Obj;
import dev.lanyard.jwt.JwtSvidRejectedException.Reason;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.MutableClock;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.JwtKey;
import dev.lanyard.trust.RevocationList;
import dev.lanyard.trust.TrustBundle;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Behaviour of {@link JwtSvidVerifier}: time boundaries to the nanosecond on a mutable clock, builder strictness, the
 * verified-token cache (hits, invalidation by bundle change and revocation, no caching of failures), the audit
 * listener, and tokens minted by {@link EmbeddedAuthority}. The attack catalogue is
 * {@link JwtSvidVerifierAttackTest}.
 */
class JwtSvidVerifierTest {
  static final TrustDomain TD = TrustDomain.of("example.org");
  static final String AUDIENCE = "spiffe://example.org/payments";
  static final String SUBJECT = "spiffe://example.org/orders";
  static final Instant NOW = Instant.ofEpochSecond(1_900_000_000L);
  static final long T = NOW.getEpochSecond();
  static final Duration SKEW = JwtSvidVerifier.Builder.DEFAULT_CLOCK_SKEW;
  /** The expiry of {@link #TOKEN}. */
  static final Instant EXP = NOW.plusSeconds(300);

  static final KeyPair K1 = HandmadeJws.ecKeyPair("secp256r1");
  static final KeyPair K2 = HandmadeJws.ecKeyPair("secp256r1");
  static final JwtKey K1_KEY = JwtKey.of("k1", K1.getPublic(), Optional.empty());
  static final TrustBundle BUNDLE = TrustBundle.newBuilder(TD).addJwtKey(K1_KEY).build();

  static final Obj HEADER = Obj.of().str("alg", "ES256").str("kid", "k1").str("typ", "JWT");
  static final Obj CLAIMS = Obj.of()
      .str("sub", SUBJECT)
      .raw("aud", "[" + str(AUDIENCE) + "]")
      .num("exp", EXP.getEpochSecond())
      .num("iat", T - 10)
      .str("jti", "tok-1");
  static final String TOKEN = token(CLAIMS);

  static String token(Obj claims) {
    return signed(ES256, K1.getPrivate(), HEADER.json(), claims.json());
  }

  /** Records every decision. */
  static final class Recorder implements VerificationListener {
    final List<VerificationEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void onDecision(VerificationEvent event) {
      events.add(event);
    }

    VerificationEvent last() {
      return events.get(events.size() - 1);
    }
  }

  final MutableClock clock = new MutableClock(NOW);
  final Recorder recorder = new Recorder();

  JwtSvidVerifier.Builder builder(BundleSource source) {
    return JwtSvidVerifier.newBuilder().bundleSource(source).audience(AUDIENCE).clock(clock).listener(recorder);
  }

  JwtSvidVerifier verifier() {
    return builder(BundleSource.of(BUNDLE)).build();
  }

  static Reason rejectionOf(JwtSvidVerifier verifier, String token) {
    try {
      VerifiedJwtSvid accepted = verifier.verify(token);
      throw new AssertionError("accepted: " + accepted);
    } catch (JwtSvidRejectedException e) {
      return e.reason();
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Time boundaries
  // ---------------------------------------------------------------------------------------------------------------

  @Nested
  class Expiry {
    @Test
    void verifyWhenOneNanosecondBeforeExpiryPlusSkewThenAccepted() throws JwtSvidRejectedException {
      clock.set(EXP.plus(SKEW).minusNanos(1));

      assertThat(verifier().verify(TOKEN).expiresAt()).isEqualTo(EXP);
      assertThat(recorder.last().cacheHit()).isFalse();
    }

    @Test
    void verifyWhenExactlyAtExpiryPlusSkewThenRejectedWithExpired() {
      clock.set(EXP.plus(SKEW));

      assertThat(rejectionOf(verifier(), TOKEN)).isEqualTo(Reason.EXPIRED);
    }

    @Test
    void verifyWhenCachedTokenOneNanosecondBeforeExpiryPlusSkewThenAcceptedFromCache()
        throws JwtSvidRejectedException {
      JwtSvidVerifier verifier = verifier();
      verifier.verify(TOKEN);

      clock.set(EXP.plus(SKEW).minusNanos(1));
      verifier.verify(TOKEN);

      assertThat(recorder.events).extracting(VerificationEvent::accepted, VerificationEvent::cacheHit)
          .containsExactly(tuple(true, false),
              tuple(true, true));
    }

    @Test
    void verifyWhenCachedTokenReachesExpiryPlusSkewThenRejectedWithExpired() throws JwtSvidRejectedException {
      JwtSvidVerifier verifier = verifier();
      verifier.verify(TOKEN);
      clock.set(EXP.plus(SKEW).minusNanos(1));
      verifier.verify(TOKEN);

      clock.set(EXP.plus(SKEW));

      assertThat(rejectionOf(verifier, TOKEN)).isEqualTo(Reason.EXPIRED);
      assertThat(recorder.last().accepted()).isFalse();
      assertThat(recorder.last().reason()).contains(Reason.EXPIRED);
    }

    @Test
    void verifyWhenClockSkewIsZeroThenExpiryIsExact() throws JwtSvidRejectedException {
      JwtSvidVerifier verifier = builder(BundleSource.of(BUNDLE)).clockSkew(Duration.ZERO).build();
      clock.set(EXP.minusNanos(1));
      verifier.verify(TOKEN);

      clock.set(EXP);

      assertThat(rejectionOf(verifier, TOKEN)).isEqualTo(Reason.EXPIRED);
    }

    @Test
    void verifyWhenFractionalExpiryThenBoundaryIsToTheNanosecond() throws JwtSvidRejectedException {
      String token = token(CLAIMS.raw("exp", EXP.getEpochSecond() + ".25"));
      Instant acceptUntil = EXP.plusMillis(250).plus(SKEW);
      clock.set(acceptUntil.minusNanos(1));
      verifier().verify(token);

      clock.set(acceptUntil);

      assertThat(rejectionOf(verifier(), token)).isEqualTo(Reason.EXPIRED);
    }
  }

  @Nested
  class NotBefore {
    final Instant nbf = NOW.plusSeconds(100);
    final String token = token(CLAIMS.num("nbf", nbf.getEpochSecond()));

    @Test
    void verifyWhenOneNanosecondBeforeNotBeforeMinusSkewThenRejectedWithNotYetValid() {
      clock.set(nbf.minus(SKEW).minusNanos(1));

      assertThat(rejectionOf(verifier(), token)).isEqualTo(Reason.NOT_YET_VALID);
    }

    @Test
    void verifyWhenExactlyAtNotBeforeMinusSkewThenAccepted() throws JwtSvidRejectedException {
      clock.set(nbf.minus(SKEW));

      assertThat(verifier().verify(token).subject()).isEqualTo(SpiffeId.parse(SUBJECT));
    }

    @Test
    void verifyWhenIssuedAtIsOneNanosecondBeyondSkewThenRejectedWithNotYetValid() throws JwtSvidRejectedException {
      Instant iat = NOW.plusSeconds(100);
      String issuedLater = token(CLAIMS.num("iat", iat.getEpochSecond()));
      clock.set(iat.minus(SKEW).minusNanos(1));
      assertThat(rejectionOf(verifier(), issuedLater)).isEqualTo(Reason.NOT_YET_VALID);

      clock.set(iat.minus(SKEW));
      assertThat(verifier().verify(issuedLater).issuedAt()).contains(iat);
    }
  }

  @Test
  void verifyWhenLifetimeOverConfiguredMaximumThenRejectedWithLifetimeTooLong() throws JwtSvidRejectedException {
    JwtSvidVerifier verifier = builder(BundleSource.of(BUNDLE)).maxTokenLifetime(Duration.ofSeconds(310)).build();
    assertThat(verifier.verify(TOKEN)).isNotNull(); // exp - iat = 310 s

    String longer = token(CLAIMS.num("exp", EXP.getEpochSecond() + 1));
    assertThat(rejectionOf(verifier, longer)).isEqualTo(Reason.LIFETIME_TOO_LONG);
  }

  @Test
  void verifyWhenSubjectOutsideConfiguredTrustDomainsThenRejectedWithUntrustedTrustDomain() {
    JwtSvidVerifier verifier = builder(BundleSource.of(BUNDLE)).trustDomains(TrustDomain.of("other.org")).build();

    assertThat(rejectionOf(verifier, TOKEN)).isEqualTo(Reason.UNTRUSTED_TRUST_DOMAIN);
  }

  @Test
  void verifyWhenOneOfSeveralAudiencesMatchesThenAccepted() throws JwtSvidRejectedException {
    JwtSvidVerifier verifier = JwtSvidVerifier.newBuilder().bundleSource(BundleSource.of(BUNDLE))
        .audience("spiffe://example.org/other", AUDIENCE).clock(clock).build();

    assertThat(verifier.verify(TOKEN).audience()).containsExactly(AUDIENCE);
  }

  @Test
  void listenerEventWhenRejectedTokenClaimsHoldControlCharactersThenToStringShowsOnlyTheirPrintableForm() {
    String kid = "k9\nVerificationEvent[accepted, sub=spiffe://example.org/ops]";
    String token = signed(ES256, K1.getPrivate(), HEADER.raw("kid", "\"k9\\nVerificationEvent[accepted, "
        + "sub=spiffe://example.org/ops]\"").json(), CLAIMS.json());

    assertThat(rejectionOf(verifier(), token)).isEqualTo(Reason.UNKNOWN_KEY);

    VerificationEvent event = recorder.last();
    assertThat(event.keyId()).contains(kid);
    assertThat(event.toString()).doesNotContain("\n").contains("kid=k9?VerificationEvent");
  }

  @Test
  void verifyWhenTokenIsNullThenRejectedWithMalformed() {
    assertThat(rejectionOf(verifier(), null)).isEqualTo(Reason.MALFORMED);
    assertThat(recorder.last().reason()).contains(Reason.MALFORMED);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Builder
  // ---------------------------------------------------------------------------------------------------------------

  @Nested
  class BuilderStrictness {
    @Test
    void buildWhenBundleSourceMissingThenIllegalState() {
      JwtSvidVerifier.Builder builder = JwtSvidVerifier.newBuilder().audience(AUDIENCE);

      assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void buildWhenAudienceMissingThenIllegalState() {
      JwtSvidVerifier.Builder builder = JwtSvidVerifier.newBuilder().bundleSource(BundleSource.of(BUNDLE));

      assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.lanyard.jwt.JwtSvidVerifierTest#options")
    void setWhenOptionAlreadySetThenIllegalState(String name, Consumer<JwtSvidVerifier.Builder> option) {
      JwtSvidVerifier.Builder builder = JwtSvidVerifier.newBuilder();
      option.accept(builder);

      assertThatThrownBy(() -> option.accept(builder)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void setWhenCacheSizeAfterDisableCacheThenIllegalState() {
      JwtSvidVerifier.Builder builder = JwtSvidVerifier.newBuilder().disableCache();

      assertThatThrownBy(() -> builder.cacheMaximumSize(10)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void setWhenDisableCacheAfterCacheSizeThenIllegalState() {
      JwtSvidVerifier.Builder builder = JwtSvidVerifier.newBuilder().cacheMaximumSize(10);

      assertThatThrownBy(builder::disableCache).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void clockSkewWhenAboveFiveMinutesThenIllegalArgument() {
      assertThatThrownBy(() -> JwtSvidVerifier.newBuilder().clockSkew(Duration.ofMinutes(5).plusNanos(1)))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> JwtSvidVerifier.newBuilder().clockSkew(Duration.ofHours(1)))
          .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void clockSkewWhenNegativeThenIllegalArgument() {
      assertThatThrownBy(() -> JwtSvidVerifier.newBuilder().clockSkew(Duration.ofNanos(-1)))
          .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void clockSkewWhenExactlyFiveMinutesOrZeroThenAccepted() {
      assertThatCode(() -> JwtSvidVerifier.newBuilder().clockSkew(JwtSvidVerifier.Builder.MAX_CLOCK_SKEW))
          .doesNotThrowAnyException();
      assertThatCode(() -> JwtSvidVerifier.newBuilder().clockSkew(Duration.ZERO)).doesNotThrowAnyException();
    }

    @Test
    void clockSkewWhenRefusedThenCanStillBeSetOnce() {
      JwtSvidVerifier.Builder builder = JwtSvidVerifier.newBuilder();
      assertThatThrownBy(() -> builder.clockSkew(Duration.ofMinutes(6))).isInstanceOf(IllegalArgumentException.class);

      assertThatCode(() -> builder.clockSkew(Duration.ofMinutes(1))).doesNotThrowAnyException();
    }

    @Test
    void optionsWhenOutOfRangeThenIllegalArgument() {
      assertThatThrownBy(() -> JwtSvidVerifier.newBuilder().maxTokenLifetime(Duration.ZERO))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> JwtSvidVerifier.newBuilder().cacheMaximumSize(0))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> JwtSvidVerifier.newBuilder().maxTokenLength(63))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> JwtSvidVerifier.newBuilder()
          .maxTokenLength(JwtSvidVerifier.Builder.MAX_TOKEN_LENGTH_LIMIT + 1))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> JwtSvidVerifier.newBuilder().audience(""))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> JwtSvidVerifier.newBuilder().audience(AUDIENCE, ""))
          .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void optionsWhenNullThenNullPointer() {
      assertThatThrownBy(() -> JwtSvidVerifier.newBuilder().bundleSource(null))
          .isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> JwtSvidVerifier.newBuilder().audience(null))
          .isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> JwtSvidVerifier.newBuilder().clock(null)).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> JwtSvidVerifier.newBuilder().clockSkew(null))
          .isInstanceOf(NullPointerException.class);
    }

    @Test
    void buildWhenCalledTwiceThenBuilderIsReusable() throws JwtSvidRejectedException {
      JwtSvidVerifier.Builder builder = builder(BundleSource.of(BUNDLE));

      JwtSvidVerifier first = builder.build();
      JwtSvidVerifier second = builder.build();

      assertThat(first).isNotSameAs(second);
      assertThat(first.verify(TOKEN).subject()).isEqualTo(second.verify(TOKEN).subject());
    }
  }

  static Stream<Arguments> options() {
    return Stream.of(
        option("bundleSource", b -> b.bundleSource(BundleSource.of(BUNDLE))),
        option("audience", b -> b.audience(AUDIENCE)),
        option("trustDomains", b -> b.trustDomains(TD)),
        option("algorithms", b -> b.algorithms(JwtAlgorithm.ES256)),
        option("clockSkew", b -> b.clockSkew(Duration.ofSeconds(10))),
        option("maxTokenLifetime", b -> b.maxTokenLifetime(Duration.ofMinutes(10))),
        option("clock", b -> b.clock(Clock.systemUTC())),
        option("revocations", b -> b.revocations(new RevocationList())),
        option("cacheMaximumSize", b -> b.cacheMaximumSize(100)),
        option("disableCache", JwtSvidVerifier.Builder::disableCache),
        option("maxTokenLength", b -> b.maxTokenLength(4096)),
        option("listener", b -> b.listener(event -> { })));
  }

  static Arguments option(String name, Consumer<JwtSvidVerifier.Builder> setter) {
    return Arguments.of(name, setter);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Verified-token cache
  // ---------------------------------------------------------------------------------------------------------------

  @Nested
  class Cache {
    @Test
    void verifyWhenSameTokenTwiceThenSecondIsCacheHit() throws JwtSvidRejectedException {
      JwtSvidVerifier verifier = verifier();

      VerifiedJwtSvid first = verifier.verify(TOKEN);
      VerifiedJwtSvid second = verifier.verify(TOKEN);

      assertThat(second.subject()).isEqualTo(first.subject());
      assertThat(recorder.events).extracting(VerificationEvent::cacheHit).containsExactly(false, true);
      assertThat(recorder.events).allMatch(VerificationEvent::accepted);
    }

    @Test
    void verifyWhenTokenRejectedThenNotCachedAndVerifiedAgainEachTime() {
      String badSignature = TOKEN.substring(0, TOKEN.lastIndexOf('.') + 1)
          + HandmadeJws.b64(HandmadeJws.sign(ES256, K2.getPrivate(), "x"));
      JwtSvidVerifier verifier = verifier();

      assertThat(rejectionOf(verifier, badSignature)).isEqualTo(Reason.BAD_SIGNATURE);
      assertThat(rejectionOf(verifier, badSignature)).isEqualTo(Reason.BAD_SIGNATURE);

      assertThat(recorder.events).hasSize(2)
          .allSatisfy(e -> assertThat(e.reason()).contains(Reason.BAD_SIGNATURE));
    }

    @Test
    void verifyWhenRejectedTokenBecomesValidThenAcceptedByFullVerification() throws JwtSvidRejectedException {
      String notYet = token(CLAIMS.num("nbf", T + 100));
      JwtSvidVerifier verifier = verifier();
      assertThat(rejectionOf(verifier, notYet)).isEqualTo(Reason.NOT_YET_VALID);

      clock.set(NOW.plusSeconds(100));
      verifier.verify(notYet);

      assertThat(recorder.last().accepted()).isTrue();
      assertThat(recorder.last().cacheHit()).isFalse();
    }

    @Test
    void verifyWhenCacheDisabledThenEveryVerificationIsFull() throws JwtSvidRejectedException {
      JwtSvidVerifier verifier = builder(BundleSource.of(BUNDLE)).disableCache().build();

      verifier.verify(TOKEN);
      verifier.verify(TOKEN);
      verifier.verify(TOKEN);

      assertThat(recorder.events).hasSize(3)
          .allMatch(VerificationEvent::accepted)
          .noneMatch(VerificationEvent::cacheHit);
    }

    @Test
    void verifyWhenCacheDisabledAndKeyLeavesBundleThenRejectedWithUnknownKey() throws JwtSvidRejectedException {
      AtomicReference<TrustBundle> current = new AtomicReference<>(BUNDLE);
      JwtSvidVerifier verifier = builder(td -> Optional.ofNullable(current.get())).disableCache().build();
      verifier.verify(TOKEN);

      current.set(TrustBundle.newBuilder(TD).addJwtKey(JwtKey.of("k2", K2.getPublic(), Optional.empty())).build());

      assertThat(rejectionOf(verifier, TOKEN)).isEqualTo(Reason.UNKNOWN_KEY);
    }

    @Test
    void verifyWhenBundleNoLongerHoldsKeyThenRejectedWithUnknownKey() throws JwtSvidRejectedException {
      AtomicReference<TrustBundle> current = new AtomicReference<>(BUNDLE);
      JwtSvidVerifier verifier = builder(td -> Optional.ofNullable(current.get())).build();
      verifier.verify(TOKEN);

      current.set(TrustBundle.newBuilder(TD).addJwtKey(JwtKey.of("k2", K2.getPublic(), Optional.empty())).build());

      assertThat(rejectionOf(verifier, TOKEN)).isEqualTo(Reason.UNKNOWN_KEY);
    }

    @Test
    void verifyWhenNewBundleInstanceHoldsSameKeyThenStillAcceptedFromCache() throws JwtSvidRejectedException {
      AtomicReference<TrustBundle> current = new AtomicReference<>(BUNDLE);
      JwtSvidVerifier verifier = builder(td -> Optional.ofNullable(current.get())).build();
      verifier.verify(TOKEN);

      current.set(TrustBundle.newBuilder(TD).addJwtKey(JwtKey.of("k1", K1.getPublic(), Optional.empty()))
          .addJwtKey(JwtKey.of("k2", K2.getPublic(), Optional.empty())).sequence(2).build());
      verifier.verify(TOKEN);
      verifier.verify(TOKEN);

      assertThat(recorder.events).extracting(VerificationEvent::cacheHit).containsExactly(false, true, true);
    }

    @Test
    void verifyWhenKeyIdNowNamesAnotherPublicKeyThenRejectedWithBadSignature() throws JwtSvidRejectedException {
      AtomicReference<TrustBundle> current = new AtomicReference<>(BUNDLE);
      JwtSvidVerifier verifier = builder(td -> Optional.ofNullable(current.get())).build();
      verifier.verify(TOKEN);

      current.set(TrustBundle.newBuilder(TD).addJwtKey(JwtKey.of("k1", K2.getPublic(), Optional.empty())).build());

      assertThat(rejectionOf(verifier, TOKEN)).isEqualTo(Reason.BAD_SIGNATURE);
    }

    @Test
    void verifyWhenKeyNowPinnedToAnotherAlgorithmThenRejectedWithKeyMismatch() throws JwtSvidRejectedException {
      KeyPair rsa = HandmadeJws.rsaKeyPair();
      String rs256 = signed(HandmadeJws.RS256, rsa.getPrivate(), HEADER.str("alg", "RS256").json(), CLAIMS.json());
      AtomicReference<TrustBundle> current = new AtomicReference<>(
          TrustBundle.newBuilder(TD).addJwtKey(JwtKey.of("k1", rsa.getPublic(), Optional.empty())).build());
      JwtSvidVerifier verifier = builder(td -> Optional.ofNullable(current.get())).build();
      verifier.verify(rs256);

      // The same public key, now pinned to RS256: a different key entry, so the token is verified in full again.
      current.set(TrustBundle.newBuilder(TD).addJwtKey(JwtKey.of("k1", rsa.getPublic(),
          Optional.of(JwtAlgorithm.RS256))).build());
      verifier.verify(rs256);
      assertThat(recorder.last().cacheHit()).isFalse();

      // The same public key, now pinned to PS256.
      current.set(TrustBundle.newBuilder(TD).addJwtKey(JwtKey.of("k1", rsa.getPublic(),
          Optional.of(JwtAlgorithm.PS256))).build());
      assertThat(rejectionOf(verifier, rs256)).isEqualTo(Reason.KEY_MISMATCH);
    }

    @Test
    void verifyWhenTrustDomainNoLongerTrustedThenRejectedWithUntrustedTrustDomain()
        throws JwtSvidRejectedException {
      AtomicReference<TrustBundle> current = new AtomicReference<>(BUNDLE);
      JwtSvidVerifier verifier = builder(td -> Optional.ofNullable(current.get())).build();
      verifier.verify(TOKEN);

      current.set(null);

      assertThat(rejectionOf(verifier, TOKEN)).isEqualTo(Reason.UNTRUSTED_TRUST_DOMAIN);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Revocation.class)
    void verifyWhenRevokedAfterCachedVerificationThenRejectedWithRevoked(Revocation revocation)
        throws JwtSvidRejectedException {
      RevocationList revocations = new RevocationList(clock, Duration.ofHours(1));
      JwtSvidVerifier verifier = builder(BundleSource.of(BUNDLE)).revocations(revocations).build();
      verifier.verify(TOKEN);
      verifier.verify(TOKEN);
      assertThat(recorder.last().cacheHit()).isTrue();

      revocation.apply(revocations);

      assertThat(rejectionOf(verifier, TOKEN)).isEqualTo(Reason.REVOKED);
      assertThat(recorder.last().reason()).contains(Reason.REVOKED);
      assertThat(recorder.last().keyId()).contains("k1");
      assertThat(recorder.last().tokenId()).contains("tok-1");
      assertThat(rejectionOf(verifier, TOKEN)).as("still revoked on the next call").isEqualTo(Reason.REVOKED);
    }

    @Test
    void verifyWhenUnrelatedRevocationAfterCachedVerificationThenStillAccepted() throws JwtSvidRejectedException {
      RevocationList revocations = new RevocationList(clock, Duration.ofHours(1));
      JwtSvidVerifier verifier = builder(BundleSource.of(BUNDLE)).revocations(revocations).build();
      verifier.verify(TOKEN);

      revocations.revokeToken("another-token");
      revocations.revokeKey("k2");
      revocations.revokeSubject(SpiffeId.parse(SUBJECT), Instant.ofEpochSecond(T - 10)); // iat is not before
      verifier.verify(TOKEN);

      assertThat(recorder.events).extracting(VerificationEvent::accepted).containsExactly(true, true);
    }
  }

  enum Revocation {
    TOKEN_ID {
      @Override
      void apply(RevocationList list) {
        list.revokeToken("tok-1");
      }
    },
    SUBJECT {
      @Override
      void apply(RevocationList list) {
        list.revokeSubject(SpiffeId.parse(JwtSvidVerifierTest.SUBJECT), NOW);
      }
    },
    KEY {
      @Override
      void apply(RevocationList list) {
        list.revokeKey("k1");
      }
    };

    abstract void apply(RevocationList list);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Listener and what leaks
  // ---------------------------------------------------------------------------------------------------------------

  @Nested
  class Listener {
    @Test
    void verifyWhenAcceptedThenListenerReceivesAcceptedEvent() throws JwtSvidRejectedException {
      verifier().verify(TOKEN);

      VerificationEvent event = recorder.last();
      assertThat(event.accepted()).isTrue();
      assertThat(event.reason()).isEmpty();
      assertThat(event.message()).isEmpty();
      assertThat(event.time()).isEqualTo(NOW);
      assertThat(event.claimedSubject()).contains(SUBJECT);
      assertThat(event.keyId()).contains("k1");
      assertThat(event.tokenId()).contains("tok-1");
      assertThat(event.token()).hasValueSatisfying(t -> assertThat(t.subject()).isEqualTo(SpiffeId.parse(SUBJECT)));
    }

    @Test
    void verifyWhenRejectedThenListenerReceivesRejectedEventWithReason() {
      String expired = token(CLAIMS.num("exp", T - 60).num("iat", T - 120));

      assertThat(rejectionOf(verifier(), expired)).isEqualTo(Reason.EXPIRED);

      VerificationEvent event = recorder.last();
      assertThat(event.accepted()).isFalse();
      assertThat(event.token()).isEmpty();
      assertThat(event.reason()).contains(Reason.EXPIRED);
      assertThat(event.message()).isPresent();
      assertThat(event.claimedSubject()).contains(SUBJECT);
      assertThat(event.keyId()).contains("k1");
      assertThat(event.tokenId()).contains("tok-1");
      assertThat(event.cacheHit()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.lanyard.jwt.JwtSvidVerifierTest#leakCandidates")
    void verifyWhenDecidedThenNoEventOrMessageContainsTheToken(String name, String token) {
      JwtSvidVerifier verifier = verifier();
      List<String> texts = new ArrayList<>();
      try {
        VerifiedJwtSvid verified = verifier.verify(token);
        texts.add(verified.toString());
      } catch (JwtSvidRejectedException e) {
        texts.add(e.getMessage());
        texts.add(e.detail());
        texts.add(e.toString());
        texts.add(e.reason().description());
      }
      for (VerificationEvent event : recorder.events) {
        texts.add(event.toString());
        event.message().ifPresent(texts::add);
      }
      assertThat(recorder.events).hasSize(1);

      String[] parts = token.split("\\.", -1);
      for (String text : texts) {
        assertThat(text).doesNotContain(token);
        for (String part : parts) {
          if (part.length() >= 16) {
            assertThat(text).doesNotContain(part);
          }
        }
      }
    }

    @Test
    void verifyWhenListenerThrowsThenDecisionUnchanged() throws JwtSvidRejectedException {
      List<VerificationEvent> seen = new ArrayList<>();
      JwtSvidVerifier verifier = JwtSvidVerifier.newBuilder().bundleSource(BundleSource.of(BUNDLE))
          .audience(AUDIENCE).clock(clock).listener(event -> {
            seen.add(event);
            throw new IllegalStateException("audit sink down");
          }).build();

      assertThat(verifier.verify(TOKEN).subject()).isEqualTo(SpiffeId.parse(SUBJECT));
      assertThat(verifier.verify(TOKEN).subject()).isEqualTo(SpiffeId.parse(SUBJECT));
      assertThat(rejectionOf(verifier, token(CLAIMS.str("aud", "spiffe://example.org/other"))))
          .isEqualTo(Reason.AUDIENCE_MISMATCH);

      assertThat(seen).extracting(VerificationEvent::accepted).containsExactly(true, true, false);
      assertThat(seen.get(1).cacheHit()).isTrue();
    }

    @Test
    void toStringOfVerifiedTokenHoldsMetadataOnly() throws JwtSvidRejectedException {
      String text = verifier().verify(TOKEN).toString();

      assertThat(text).contains(SUBJECT).contains("k1");
      for (String part : TOKEN.split("\\.")) {
        assertThat(text).doesNotContain(part);
      }
    }

    @Test
    void toStringOfVerifierHoldsNoKeysOrTokens() throws JwtSvidRejectedException {
      JwtSvidVerifier verifier = verifier();
      verifier.verify(TOKEN);

      assertThat(verifier.toString()).contains(AUDIENCE).doesNotContain(TOKEN.split("\\.")[2]);
    }
  }

  static Stream<Arguments> leakCandidates() {
    String valid = TOKEN;
    String[] p = valid.split("\\.");
    return Stream.of(
        Arguments.of("accepted", valid),
        Arguments.of("bad signature", p[0] + "." + HandmadeJws.b64(CLAIMS.str("jti", "tok-2").json()) + "." + p[2]),
        Arguments.of("expired", token(CLAIMS.num("exp", T - 60).num("iat", T - 120))),
        Arguments.of("wrong audience", token(CLAIMS.str("aud", "spiffe://example.org/other"))),
        Arguments.of("unknown key", signed(ES256, K1.getPrivate(), HEADER.str("kid", "k9").json(), CLAIMS.json())),
        Arguments.of("four parts", valid + "." + p[2]),
        Arguments.of("malformed signature", valid + "=="),
        Arguments.of("header not allowed", signed(ES256, K1.getPrivate(),
            HEADER.str("jku", "https://attacker.example/jwks").json(), CLAIMS.json())),
        Arguments.of("sub is garbage", token(CLAIMS.str("sub", "spiffe://example.org/" + p[2] + "?"))),
        Arguments.of("too long", valid + "A".repeat(JwtSvidVerifier.Builder.DEFAULT_MAX_TOKEN_LENGTH)));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Tokens of the embedded authority
  // ---------------------------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = JwtAlgorithm.class, names = {"ES256", "ES384", "RS256", "PS256"})
  void verifyWhenTokenMintedByEmbeddedAuthorityThenAccepted(JwtAlgorithm algorithm) throws JwtSvidRejectedException {
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).jwtAlgorithm(algorithm).clock(clock).build();
    JwtSvid svid = authority.mintJwtSvid(SpiffeId.parse(SUBJECT), AUDIENCE, "read", "write");
    JwtSvidVerifier verifier = builder(authority.bundleSource()).revocations(authority.revocations()).build();

    VerifiedJwtSvid verified = verifier.verify(svid.token());

    assertThat(verified.subject()).isEqualTo(SpiffeId.parse(SUBJECT));
    assertThat(verified.audience()).containsExactly(AUDIENCE);
    assertThat(verified.scopes()).containsExactly("read", "write");
    assertThat(verified.algorithm()).isEqualTo(algorithm);
    assertThat(verified.keyId()).isEqualTo(svid.keyId());
    assertThat(verified.tokenId()).contains(svid.tokenId());
    assertThat(verified.expiresAt()).isEqualTo(svid.expiresAt());
    assertThat(verified.issuedAt()).contains(svid.issuedAt());
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = JwtAlgorithm.class, names = {"ES256", "ES384", "RS256", "PS256"})
  void verifyWhenAuthorityTokenTamperedThenRejectedWithBadSignature(JwtAlgorithm algorithm) {
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).jwtAlgorithm(algorithm).clock(clock).build();
    String token = authority.mintJwtSvid(SpiffeId.parse(SUBJECT), AUDIENCE).token();
    String[] p = token.split("\\.");
    String forged = p[0] + "." + HandmadeJws.b64(new String(java.util.Base64.getUrlDecoder().decode(p[1]),
        java.nio.charset.StandardCharsets.UTF_8).replace("/orders", "/admin")) + "." + p[2];

    assertThat(rejectionOf(builder(authority.bundleSource()).build(), forged)).isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void verifyWhenAuthorityTokenWithIssuerThenIssuerKept() throws JwtSvidRejectedException {
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).jwtIssuer("https://issuer.example.org")
        .clock(clock).build();
    String token = authority.mintJwtSvid(SpiffeId.parse(SUBJECT), AUDIENCE).token();

    assertThat(builder(authority.bundleSource()).build().verify(token).issuer()).contains("https://issuer.example.org");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Federation: the bundle of the subject's trust domain, and only it
  // ---------------------------------------------------------------------------------------------------------------

  @Nested
  class Federation {
    final TrustDomain partner = TrustDomain.of("partner.example");
    /** The partner's bundle holds K2 under the same kid "k1" as the own bundle's K1. */
    final TrustBundle partnerBundle = TrustBundle.newBuilder(partner)
        .addJwtKey(JwtKey.of("k1", K2.getPublic(), Optional.empty())).build();
    final BundleSource federated = dev.lanyard.trust.FederatedBundleSource.newBuilder(TD, BundleSource.of(BUNDLE))
        .federate(partner, BundleSource.of(partnerBundle)).build();

    Obj partnerClaims() {
      return CLAIMS.without("sub").str("sub", "spiffe://partner.example/billing");
    }

    @Test
    void verifyWhenPartnerSubjectSignedWithPartnerKeyThenAccepted() throws JwtSvidRejectedException {
      String token = signed(ES256, K2.getPrivate(), HEADER.json(), partnerClaims().json());

      assertThat(builder(federated).build().verify(token).subject().trustDomain()).isEqualTo(partner);
    }

    @Test
    void verifyWhenPartnerSubjectSignedWithOwnKeyOfSameKidThenBadSignature() {
      String token = signed(ES256, K1.getPrivate(), HEADER.json(), partnerClaims().json());

      assertThat(rejectionOf(builder(federated).build(), token)).isEqualTo(Reason.BAD_SIGNATURE);
    }

    @Test
    void verifyWhenOwnSubjectSignedWithPartnerKeyThenBadSignature() {
      String token = signed(ES256, K2.getPrivate(), HEADER.json(), CLAIMS.json());

      assertThat(rejectionOf(builder(federated).build(), token)).isEqualTo(Reason.BAD_SIGNATURE);
    }

    @Test
    void verifyWhenPartnerSubjectWithoutFederationThenUntrustedTrustDomain() {
      String token = signed(ES256, K2.getPrivate(), HEADER.json(), partnerClaims().json());

      assertThat(rejectionOf(verifier(), token)).isEqualTo(Reason.UNTRUSTED_TRUST_DOMAIN);
    }
  }
}

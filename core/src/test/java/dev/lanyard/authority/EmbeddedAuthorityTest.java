package dev.lanyard.authority;

import dev.lanyard.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.jwt.JwtSvidRejectedException;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.jwt.VerifiedJwtSvid;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.JwtKey;
import dev.lanyard.trust.TrustBundle;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class EmbeddedAuthorityTest {
  private static final TrustDomain TRUST_DOMAIN = TrustDomain.of("example.org");
  private static final SpiffeId WORKLOAD = SpiffeId.parse("spiffe://example.org/orders");
  private static final String AUDIENCE = "spiffe://example.org/payments";
  private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
  private static final Duration KEY_LIFETIME = Duration.ofHours(24);
  private static final Duration MAX_TTL = Duration.ofHours(1);
  private static final Duration GRACE = Duration.ofMinutes(5);

  private MutableClock clock;
  private EmbeddedAuthority authority;

  @BeforeEach
  void setUp() {
    clock = new MutableClock(START);
    authority = EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(clock).build();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // helpers
  // ---------------------------------------------------------------------------------------------------------------

  private JwtSvidVerifier verifier(EmbeddedAuthority a) {
    return JwtSvidVerifier.newBuilder()
        .bundleSource(a.bundleSource())
        .revocations(a.revocations())
        .audience(AUDIENCE)
        .clock(clock)
        .build();
  }

  private static AuthorityKey keyInState(EmbeddedAuthority a, KeyState state) {
    List<AuthorityKey> keys = a.jwtKeys().stream().filter(k -> k.state() == state).collect(Collectors.toList());
    assertThat(keys).as("keys in state %s", state).hasSize(1);
    return keys.get(0);
  }

  private static Optional<AuthorityKey> key(EmbeddedAuthority a, String kid) {
    return a.jwtKeys().stream().filter(k -> k.keyId().equals(kid)).findFirst();
  }

  private static List<String> bundleKids(EmbeddedAuthority a) {
    return a.bundle().jwtKeys().stream().map(JwtKey::keyId).collect(Collectors.toList());
  }

  private static long sequence(EmbeddedAuthority a) {
    return a.bundle().sequence().orElseThrow();
  }

  /** What the authority says about its keys (and CAs, which share the bundle), for detecting changes. */
  private static List<String> fingerprint(EmbeddedAuthority a) {
    List<String> all = a.jwtKeys().stream().map(k -> k.keyId() + ":" + k.state() + ":" + k.tainted())
        .collect(Collectors.toCollection(ArrayList::new));
    a.x509Cas().forEach(ca -> all.add(ca.id() + ":" + ca.state() + ":" + ca.tainted()));
    return all;
  }

  private JwtSvid mint(EmbeddedAuthority a) {
    return a.mintJwtSvid(WORKLOAD, AUDIENCE);
  }

  private static Map<String, Object> part(String token, int index) throws ParseException {
    String[] parts = token.split("\\.", -1);
    assertThat(parts).hasSize(3);
    String json = new String(Base64.getUrlDecoder().decode(parts[index]), StandardCharsets.UTF_8);
    return JSONObjectUtils.parse(json);
  }

  private void at(Duration sinceStart) {
    clock.set(START.plus(sinceStart));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // build
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void buildWhenNewThenOneActiveKeyPublishedInBundle() {
    List<AuthorityKey> keys = authority.jwtKeys();

    assertThat(keys).hasSize(1);
    AuthorityKey key = keys.get(0);
    assertThat(key.state()).isEqualTo(KeyState.ACTIVE);
    assertThat(key.tainted()).isFalse();
    assertThat(key.algorithm()).isEqualTo(JwtAlgorithm.ES256);
    assertThat(key.createdAt()).isEqualTo(START);
    assertThat(key.activatedAt()).contains(START);
    assertThat(key.retiredAt()).isEmpty();
    assertThat(key.notAfter()).isEqualTo(START.plus(KEY_LIFETIME));

    TrustBundle bundle = authority.bundle();
    assertThat(bundle.trustDomain()).isEqualTo(TRUST_DOMAIN);
    assertThat(bundle.jwtKeys()).extracting(JwtKey::keyId).containsExactly(key.keyId());
    assertThat(bundle.jwtKeys().get(0).algorithm()).contains(JwtAlgorithm.ES256);
    assertThat(bundle.sequence()).isPresent();
    assertThat(bundle.sequence().getAsLong()).isPositive();
    assertThat(bundle.refreshHint()).contains(Duration.ofMinutes(5));
  }

  @Test
  void buildWhenNewThenBundleJsonIsSpiffeBundleWithJwtSvidUseKidAndSequence() throws ParseException {
    String json = authority.bundle().toJson();
    Map<String, Object> document = JSONObjectUtils.parse(json);

    List<?> keys = (List<?>) document.get("keys");
    List<Object> jwtKids = new ArrayList<>();
    for (Object k : keys) {
      @SuppressWarnings("unchecked")
      Map<String, Object> jwk = (Map<String, Object>) k;
      assertThat(jwk.get("use")).isIn("jwt-svid", "x509-svid");
      assertThat(jwk).doesNotContainKeys("d", "p", "q", "dp", "dq", "qi", "k");
      if ("jwt-svid".equals(jwk.get("use"))) {
        assertThat(jwk.get("kid")).isInstanceOf(String.class);
        assertThat(jwk).containsEntry("kty", "EC").containsEntry("crv", "P-256").containsEntry("alg", "ES256");
        jwtKids.add(jwk.get("kid"));
      }
    }
    assertThat(jwtKids).containsExactly(authority.jwtKeys().get(0).keyId());
    assertThat(document.get("spiffe_sequence")).isEqualTo(sequence(authority));
    assertThat(document.get("spiffe_refresh_hint")).isEqualTo(300L);
  }

  @Test
  void buildWhenSettingsGivenThenAuthorityReportsThem() {
    EmbeddedAuthority a = EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(clock)
        .jwtAlgorithm(JwtAlgorithm.ES384)
        .jwtKeyLifetime(Duration.ofHours(12))
        .defaultJwtSvidTtl(Duration.ofMinutes(2))
        .maxJwtSvidTtl(Duration.ofMinutes(30))
        .bundleRefreshHint(Duration.ofMinutes(1))
        .build();

    assertThat(a.trustDomain()).isEqualTo(TRUST_DOMAIN);
    assertThat(a.jwtAlgorithm()).isEqualTo(JwtAlgorithm.ES384);
    assertThat(a.defaultJwtSvidTtl()).isEqualTo(Duration.ofMinutes(2));
    assertThat(a.maxJwtSvidTtl()).isEqualTo(Duration.ofMinutes(30));
    assertThat(a.directory()).isEmpty();
    assertThat(a.jwtKeys().get(0).notAfter()).isEqualTo(START.plus(Duration.ofHours(12)));
    assertThat(a.bundle().refreshHint()).contains(Duration.ofMinutes(1));
  }

  @Test
  void buildWhenCalledTwiceThenIndependentAuthoritiesWithDifferentKeys() {
    EmbeddedAuthority.Builder builder = EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(clock);
    EmbeddedAuthority first = builder.build();
    EmbeddedAuthority second = builder.build();

    assertThat(first.jwtKeys().get(0).keyId()).isNotEqualTo(second.jwtKeys().get(0).keyId());
  }

  @Test
  void bundleSourceWhenOtherTrustDomainThenEmpty() {
    BundleSource source = authority.bundleSource();

    assertThat(source.bundleFor(TrustDomain.of("other.org"))).isEmpty();
    assertThat(source.bundleFor(TRUST_DOMAIN)).contains(authority.bundle());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // builder validation
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void buildWhenKeyLifetimeShorterThanSixTimesMaxTtlThenIllegalArgumentException() {
    EmbeddedAuthority.Builder builder = EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(clock)
        .maxJwtSvidTtl(Duration.ofHours(1)).jwtKeyLifetime(Duration.ofHours(6).minusSeconds(1));

    assertThatIllegalArgumentException().isThrownBy(builder::build).withMessageContaining("six times");
  }

  @Test
  void buildWhenKeyLifetimeExactlySixTimesMaxTtlThenAccepted() {
    EmbeddedAuthority a = EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(clock)
        .maxJwtSvidTtl(Duration.ofHours(1)).jwtKeyLifetime(Duration.ofHours(6)).build();

    assertThat(a.jwtKeys().get(0).notAfter()).isEqualTo(START.plus(Duration.ofHours(6)));
  }

  @Test
  void buildWhenDefaultTtlLongerThanMaxTtlThenIllegalArgumentException() {
    EmbeddedAuthority.Builder builder = EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(clock)
        .maxJwtSvidTtl(Duration.ofMinutes(10)).defaultJwtSvidTtl(Duration.ofMinutes(10).plusSeconds(1));

    assertThatIllegalArgumentException().isThrownBy(builder::build).withMessageContaining("exceeds the maximum");
  }

  @Test
  void buildWhenDefaultTtlEqualsMaxTtlThenAccepted() {
    EmbeddedAuthority a = EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(clock)
        .maxJwtSvidTtl(Duration.ofMinutes(10)).defaultJwtSvidTtl(Duration.ofMinutes(10)).build();

    JwtSvid svid = mint(a);

    assertThat(svid.lifetime()).isEqualTo(Duration.ofMinutes(10));
  }

  @ParameterizedTest
  @EnumSource(value = JwtAlgorithm.class, names = {"ES512", "RS384", "RS512", "PS384", "PS512"})
  void buildWhenAlgorithmNotSupportedThenIllegalArgumentException(JwtAlgorithm algorithm) {
    EmbeddedAuthority.Builder builder = EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(clock)
        .jwtAlgorithm(algorithm);

    assertThatIllegalArgumentException().isThrownBy(builder::build)
        .withMessageContaining("ES256, ES384, RS256 or PS256");
  }

  static Stream<Arguments> nonPositiveDurations() {
    return Stream.of(
        arguments("default TTL zero", (Configure) b -> b.defaultJwtSvidTtl(Duration.ZERO)),
        arguments("default TTL negative", (Configure) b -> b.defaultJwtSvidTtl(Duration.ofSeconds(-1))),
        arguments("max TTL zero", (Configure) b -> b.maxJwtSvidTtl(Duration.ZERO)),
        arguments("max TTL negative", (Configure) b -> b.maxJwtSvidTtl(Duration.ofMinutes(-5))),
        arguments("refresh hint zero", (Configure) b -> b.bundleRefreshHint(Duration.ZERO)),
        arguments("key lifetime zero", (Configure) b -> b.jwtKeyLifetime(Duration.ZERO)),
        arguments("key lifetime negative", (Configure) b -> b.jwtKeyLifetime(Duration.ofHours(-24))));
  }

  @FunctionalInterface
  interface Configure {
    void apply(EmbeddedAuthority.Builder builder);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("nonPositiveDurations")
  void buildWhenDurationNotPositiveThenIllegalArgumentException(String name, Configure configure) {
    EmbeddedAuthority.Builder builder = EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(clock);
    configure.apply(builder);

    assertThatIllegalArgumentException().isThrownBy(builder::build);
  }

  @Test
  void builderWhenNullArgumentThenNullPointerException() {
    EmbeddedAuthority.Builder builder = EmbeddedAuthority.newBuilder(TRUST_DOMAIN);

    assertThatNullPointerException().isThrownBy(() -> EmbeddedAuthority.newBuilder(null));
    assertThatNullPointerException().isThrownBy(() -> builder.clock(null));
    assertThatNullPointerException().isThrownBy(() -> builder.jwtAlgorithm(null));
    assertThatNullPointerException().isThrownBy(() -> builder.jwtKeyLifetime(null));
    assertThatNullPointerException().isThrownBy(() -> builder.defaultJwtSvidTtl(null));
    assertThatNullPointerException().isThrownBy(() -> builder.maxJwtSvidTtl(null));
    assertThatNullPointerException().isThrownBy(() -> builder.bundleRefreshHint(null));
    assertThatNullPointerException().isThrownBy(() -> builder.jwtIssuer(null));
    assertThatNullPointerException().isThrownBy(() -> builder.directory(null));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // time-driven lifecycle (default key lifetime 24 h, max TTL 1 h)
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void maintainWhenOneSecondBeforeHalfKeyLifetimeThenNothingChanges() {
    List<String> before = fingerprint(authority);
    long sequence = sequence(authority);

    at(KEY_LIFETIME.dividedBy(2).minusSeconds(1));
    authority.maintain();

    assertThat(fingerprint(authority)).isEqualTo(before);
    assertThat(sequence(authority)).isEqualTo(sequence);
  }

  @Test
  void maintainWhenExactlyHalfKeyLifetimeThenNextKeyPreparedAndPublishedButNotSigning() {
    AuthorityKey first = keyInState(authority, KeyState.ACTIVE);
    long sequence = sequence(authority);

    at(Duration.ofHours(12));
    authority.maintain();

    AuthorityKey prepared = keyInState(authority, KeyState.PREPARED);
    assertThat(prepared.keyId()).isNotEqualTo(first.keyId());
    assertThat(prepared.createdAt()).isEqualTo(START.plus(Duration.ofHours(12)));
    assertThat(prepared.activatedAt()).isEmpty();
    assertThat(prepared.notAfter()).isEqualTo(prepared.createdAt().plus(KEY_LIFETIME));
    assertThat(keyInState(authority, KeyState.ACTIVE).keyId()).isEqualTo(first.keyId());
    assertThat(bundleKids(authority)).containsExactly(first.keyId(), prepared.keyId());
    assertThat(sequence(authority)).isGreaterThan(sequence);
    assertThat(mint(authority).keyId()).isEqualTo(first.keyId());
  }

  @Test
  void maintainWhenOneSecondBeforeFiveSixthsThenPreparedKeyNotYetActive() {
    at(Duration.ofHours(12));
    authority.maintain();
    List<String> before = fingerprint(authority);
    long sequence = sequence(authority);

    at(Duration.ofHours(20).minusSeconds(1));
    authority.maintain();

    assertThat(fingerprint(authority)).isEqualTo(before);
    assertThat(sequence(authority)).isEqualTo(sequence);
  }

  @Test
  void maintainWhenExactlyFiveSixthsThenPreparedKeyActivatedAndOldKeyRetiredButStillPublished()
      throws JwtSvidRejectedException {
    AuthorityKey first = keyInState(authority, KeyState.ACTIVE);
    at(Duration.ofHours(12));
    authority.maintain();
    AuthorityKey prepared = keyInState(authority, KeyState.PREPARED);
    at(Duration.ofHours(20).minusSeconds(1));
    JwtSvid oldToken = authority.mint(WORKLOAD, List.of(AUDIENCE), List.of(), MAX_TTL);
    long sequence = sequence(authority);

    at(Duration.ofHours(20));
    authority.maintain();

    Instant twenty = START.plus(Duration.ofHours(20));
    AuthorityKey retired = key(authority, first.keyId()).orElseThrow();
    assertThat(retired.state()).isEqualTo(KeyState.RETIRED);
    assertThat(retired.retiredAt()).contains(twenty);
    assertThat(retired.tainted()).isFalse();
    AuthorityKey active = keyInState(authority, KeyState.ACTIVE);
    assertThat(active.keyId()).isEqualTo(prepared.keyId());
    assertThat(active.activatedAt()).contains(twenty);
    assertThat(authority.jwtKeys()).noneMatch(k -> k.state() == KeyState.PREPARED);
    assertThat(bundleKids(authority)).containsExactly(first.keyId(), prepared.keyId());
    assertThat(sequence(authority)).isGreaterThan(sequence);
    assertThat(oldToken.keyId()).isEqualTo(first.keyId());
    assertThat(mint(authority).keyId()).isEqualTo(prepared.keyId());

    // the last token of the retired key verifies until it expires
    at(Duration.ofHours(21).minusSeconds(2));
    assertThat(verifier(authority).verify(oldToken.token()).keyId()).isEqualTo(first.keyId());
  }

  @Test
  void maintainWhenRetiredKeysLastTokenExpiredPlusGraceThenKeyLeavesBundleExactlyThen() {
    AuthorityKey first = keyInState(authority, KeyState.ACTIVE);
    at(Duration.ofHours(12));
    authority.maintain();
    at(Duration.ofHours(20));
    authority.maintain();
    Instant removableAt = START.plus(Duration.ofHours(20)).plus(MAX_TTL).plus(GRACE);
    long sequence = sequence(authority);

    clock.set(removableAt.minusSeconds(1));
    authority.maintain();
    assertThat(bundleKids(authority)).contains(first.keyId());
    assertThat(key(authority, first.keyId())).isPresent();
    assertThat(sequence(authority)).isEqualTo(sequence);

    clock.set(removableAt);
    authority.maintain();
    assertThat(bundleKids(authority)).doesNotContain(first.keyId());
    assertThat(key(authority, first.keyId())).isEmpty();
    assertThat(authority.jwtKeys()).extracting(AuthorityKey::state).containsExactly(KeyState.ACTIVE);
    assertThat(sequence(authority)).isGreaterThan(sequence);
  }

  @Test
  void maintainWhenKeyRetiredWithinMaxTtlOfItsExpiryThenRemovedAtItsNotAfterPlusGrace() {
    // lifetime 6 h, max TTL 1 h: nothing runs until 5:00:29, when the key (notAfter 6:00) is retired; its tokens
    // cannot outlive 6:00, so it may leave at 6:05 rather than at 6:05:29.
    MutableClock c = new MutableClock(START);
    EmbeddedAuthority a = EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(c)
        .jwtKeyLifetime(Duration.ofHours(6)).maxJwtSvidTtl(MAX_TTL).build();
    AuthorityKey first = keyInState(a, KeyState.ACTIVE);

    c.set(START.plus(Duration.ofHours(5)).plusSeconds(29));
    a.maintain();
    assertThat(key(a, first.keyId()).orElseThrow().retiredAt()).contains(c.instant());

    c.set(first.notAfter().plus(GRACE).minusSeconds(1));
    a.maintain();
    assertThat(key(a, first.keyId())).isPresent();

    c.set(first.notAfter().plus(GRACE));
    a.maintain();
    assertThat(key(a, first.keyId())).isEmpty();
  }

  @Test
  void maintainWhenSecondKeyActiveThenItsScheduleFollowsItsCreationNotItsActivation() {
    // The second key is made (and published) at 12 h, notAfter 36 h, and activated at 20 h. Its successor is
    // prepared at half the second key's own life (24 h) and activated at five sixths of it (32 h) - not at 20 h + 12 h
    // and 20 h + 20 h, which would leave the successor no publication lead before the second key runs out at 35 h.
    at(Duration.ofHours(12));
    authority.maintain();
    at(Duration.ofHours(20));
    authority.maintain();
    AuthorityKey second = keyInState(authority, KeyState.ACTIVE);
    assertThat(second.notAfter()).isEqualTo(START.plus(Duration.ofHours(36)));

    at(Duration.ofHours(24).minusSeconds(1));
    authority.maintain();
    assertThat(authority.jwtKeys()).noneMatch(k -> k.state() == KeyState.PREPARED);
    at(Duration.ofHours(24));
    authority.maintain();
    AuthorityKey third = keyInState(authority, KeyState.PREPARED);

    at(Duration.ofHours(32).minusSeconds(1));
    authority.maintain();
    assertThat(keyInState(authority, KeyState.ACTIVE).keyId()).isEqualTo(second.keyId());

    at(Duration.ofHours(32));
    authority.maintain();
    assertThat(keyInState(authority, KeyState.ACTIVE).keyId()).isEqualTo(third.keyId());
    assertThat(key(authority, second.keyId()).orElseThrow().retiredAt()).contains(clock.instant());
  }

  @Test
  void bundleWhenLifecycleInstantPassedWithoutExplicitMaintainThenAppliedOnRead() {
    AuthorityKey first = keyInState(authority, KeyState.ACTIVE);

    at(Duration.ofHours(12));
    assertThat(authority.bundle().jwtKeys()).hasSize(2);

    at(Duration.ofHours(20));
    assertThat(mint(authority).keyId()).isNotEqualTo(first.keyId());

    at(Duration.ofHours(21).plus(GRACE));
    assertThat(authority.bundleSource().bundleFor(TRUST_DOMAIN).orElseThrow().jwtKey(first.keyId())).isEmpty();
  }

  @Test
  void bundleWhenReadJustBeforeAChangeThenChangeVisibleWithinOneMinute() {
    at(Duration.ofHours(12).minusSeconds(1));
    assertThat(authority.bundle().jwtKeys()).hasSize(1);

    at(Duration.ofHours(12).plusSeconds(59));

    assertThat(authority.bundle().jwtKeys()).hasSize(2);
  }

  @Test
  void bundleWhenReadEveryMinuteForThreeDaysThenSequenceIncreasesOnEveryChangeAndOnlyThen() {
    long sequence = sequence(authority);
    List<String> keys = fingerprint(authority);
    List<String> bundle = bundleKids(authority);
    int changes = 0;
    for (int minute = 1; minute <= 3 * 24 * 60; minute++) {
      at(Duration.ofMinutes(minute));
      TrustBundle now = authority.bundleSource().bundleFor(TRUST_DOMAIN).orElseThrow();
      if (minute % 7 == 0) {
        mint(authority);
      }
      long s = now.sequence().orElseThrow();
      List<String> k = fingerprint(authority);
      List<String> b = now.jwtKeys().stream().map(JwtKey::keyId).collect(Collectors.toList());
      if (!b.equals(bundle)) {
        assertThat(k).as("minute %d", minute).isNotEqualTo(keys);
      }
      if (k.equals(keys)) {
        assertThat(s).as("sequence at minute %d without a change", minute).isEqualTo(sequence);
      } else {
        assertThat(s).as("sequence at minute %d after a change", minute).isGreaterThan(sequence);
        changes++;
      }
      sequence = s;
      keys = k;
      bundle = b;
    }
    // per rotation: prepare, activate, drop the retired key
    assertThat(changes).isGreaterThanOrEqualTo(6);
  }

  @Test
  void rotateWhenDefaultSettingsForThreeDaysThenEveryKeyPublishedAtLeastARefreshHintBeforeItSigns() {
    Map<String, Instant> published = new LinkedHashMap<>();
    Map<String, Instant> signing = new LinkedHashMap<>();
    for (int minute = 0; minute <= 3 * 24 * 60; minute++) {
      at(Duration.ofMinutes(minute));
      for (String kid : bundleKids(authority)) {
        published.putIfAbsent(kid, clock.instant());
      }
      signing.putIfAbsent(mint(authority).keyId(), clock.instant());
    }

    // activations at 20 h, 35 h and 55 h
    assertThat(signing).hasSizeGreaterThanOrEqualTo(4);
    signing.entrySet().stream().skip(1).forEach(e ->
        assertThat(Duration.between(published.get(e.getKey()), e.getValue()))
            .as("lead of key %s", e.getKey()).isGreaterThanOrEqualTo(Duration.ofMinutes(5)));
  }

  @Test
  void rotateWhenKeyLifetimeSixTimesMaxTtlThenEveryKeyPublishedAtLeastARefreshHintBeforeItSigns() {
    MutableClock c = new MutableClock(START);
    EmbeddedAuthority a = EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(c)
        .jwtKeyLifetime(Duration.ofHours(6)).maxJwtSvidTtl(MAX_TTL).build();
    Map<String, Instant> published = new LinkedHashMap<>();
    Map<String, Instant> signing = new LinkedHashMap<>();
    for (int minute = 0; minute <= 24 * 60; minute++) {
      c.set(START.plus(Duration.ofMinutes(minute)));
      for (String kid : bundleKids(a)) {
        published.putIfAbsent(kid, c.instant());
      }
      signing.putIfAbsent(mint(a).keyId(), c.instant());
    }

    assertThat(signing).hasSizeGreaterThanOrEqualTo(4);
    signing.entrySet().stream().skip(1).forEach(e ->
        assertThat(Duration.between(published.get(e.getKey()), e.getValue()))
            .as("key %s first signed at %s, first published at %s", e.getKey(), e.getValue(),
                published.get(e.getKey()))
            .isGreaterThanOrEqualTo(Duration.ofMinutes(5)));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // token expiry capped at the signing key's expiry
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void mintWhenActiveKeyExpiresBeforeRequestedExpiryThenExpiryCappedAtKeyNotAfter()
      throws JwtSvidRejectedException {
    // Lifetime 6 h, max TTL 1 h. Maintenance runs at 4:59:59 (key 1 still active, key 2 prepared) and is next due a
    // minute later; a mint at 5:00:30 still signs with key 1, whose notAfter (6:00) is before now + 1 h.
    MutableClock c = new MutableClock(START);
    EmbeddedAuthority a = EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(c)
        .jwtKeyLifetime(Duration.ofHours(6)).maxJwtSvidTtl(MAX_TTL).build();
    AuthorityKey first = keyInState(a, KeyState.ACTIVE);
    c.set(START.plus(Duration.ofHours(5)).minusSeconds(1));
    a.maintain();
    c.set(START.plus(Duration.ofHours(5)).plusSeconds(30));

    JwtSvid svid = a.mint(WORKLOAD, List.of(AUDIENCE), List.of(), MAX_TTL);

    assertThat(svid.keyId()).isEqualTo(first.keyId());
    assertThat(svid.expiresAt()).isEqualTo(first.notAfter());
    assertThat(svid.lifetime()).isEqualTo(Duration.ofMinutes(59).plusSeconds(30));
    JwtSvidVerifier verifier = JwtSvidVerifier.newBuilder().bundleSource(a.bundleSource()).audience(AUDIENCE)
        .clock(c).build();
    assertThat(verifier.verify(svid.token()).expiresAt()).isEqualTo(first.notAfter());
  }

  @Test
  void mintWhenManyTokensAtRandomTimesOverThreeDaysThenNoneOutlivesItsSigningKey()
      throws JwtSvidRejectedException {
    MutableClock c = new MutableClock(START);
    EmbeddedAuthority a = EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(c)
        .jwtKeyLifetime(Duration.ofHours(6)).maxJwtSvidTtl(MAX_TTL).build();
    JwtSvidVerifier verifier = JwtSvidVerifier.newBuilder().bundleSource(a.bundleSource()).audience(AUDIENCE)
        .clock(c).build();
    Random random = new Random(20300101L);
    Set<String> kids = new HashSet<>();
    int mints = 0;
    while (c.instant().isBefore(START.plus(Duration.ofDays(3)))) {
      c.advance(Duration.ofMillis(1 + random.nextInt(20 * 60 * 1000)));
      Duration ttl = Duration.ofSeconds(2 + random.nextInt((int) MAX_TTL.toSeconds() - 1));
      JwtSvid svid = a.mint(WORKLOAD, List.of(AUDIENCE), List.of(), ttl);
      mints++;
      AuthorityKey signer = key(a, svid.keyId()).orElseThrow();
      kids.add(signer.keyId());

      assertThat(signer.state()).isEqualTo(KeyState.ACTIVE);
      assertThat(svid.expiresAt()).as("exp of token %d", mints).isBeforeOrEqualTo(signer.notAfter());
      assertThat(svid.expiresAt()).isBeforeOrEqualTo(c.instant().plus(ttl));
      assertThat(svid.issuedAt()).isBeforeOrEqualTo(c.instant());
      assertThat(verifier.verify(svid.token()).keyId()).isEqualTo(signer.keyId());
    }
    assertThat(mints).isGreaterThan(300);
    assertThat(kids).hasSizeGreaterThanOrEqualTo(10);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // manual rotation
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void rotateJwtKeyWhenCalledTwiceThenFirstPreparesAndSecondActivates() {
    AuthorityKey first = keyInState(authority, KeyState.ACTIVE);
    long sequence = sequence(authority);

    AuthorityKey prepared = authority.rotateJwtKey();

    assertThat(prepared.state()).isEqualTo(KeyState.PREPARED);
    assertThat(bundleKids(authority)).containsExactly(first.keyId(), prepared.keyId());
    assertThat(mint(authority).keyId()).isEqualTo(first.keyId());
    assertThat(sequence(authority)).isGreaterThan(sequence);
    sequence = sequence(authority);

    clock.advance(Duration.ofMinutes(10));
    AuthorityKey activated = authority.rotateJwtKey();

    assertThat(activated.keyId()).isEqualTo(prepared.keyId());
    assertThat(activated.state()).isEqualTo(KeyState.ACTIVE);
    assertThat(activated.activatedAt()).contains(clock.instant());
    assertThat(key(authority, first.keyId()).orElseThrow().state()).isEqualTo(KeyState.RETIRED);
    assertThat(key(authority, first.keyId()).orElseThrow().retiredAt()).contains(clock.instant());
    assertThat(bundleKids(authority)).containsExactly(first.keyId(), prepared.keyId());
    assertThat(mint(authority).keyId()).isEqualTo(prepared.keyId());
    assertThat(sequence(authority)).isGreaterThan(sequence);
  }

  @Test
  void prepareJwtKeyWhenCalledTwiceThenSameKeyAndNoFurtherChange() {
    AuthorityKey prepared = authority.prepareJwtKey();
    long sequence = sequence(authority);

    AuthorityKey again = authority.prepareJwtKey();

    assertThat(again.keyId()).isEqualTo(prepared.keyId());
    assertThat(authority.jwtKeys()).hasSize(2);
    assertThat(sequence(authority)).isEqualTo(sequence);
  }

  @Test
  void activateJwtKeyWhenNoKeyPreparedThenIllegalStateException() {
    List<String> before = fingerprint(authority);

    assertThatIllegalStateException().isThrownBy(authority::activateJwtKey).withMessageContaining("prepare");
    assertThat(fingerprint(authority)).isEqualTo(before);
  }

  @Test
  void activateJwtKeyWhenPreparedThenActivatedAndPreviousRetired() {
    AuthorityKey first = keyInState(authority, KeyState.ACTIVE);
    AuthorityKey prepared = authority.prepareJwtKey();

    AuthorityKey active = authority.activateJwtKey();

    assertThat(active.keyId()).isEqualTo(prepared.keyId());
    assertThat(key(authority, first.keyId()).orElseThrow().state()).isEqualTo(KeyState.RETIRED);
    assertThatIllegalStateException().isThrownBy(authority::activateJwtKey);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // taint and revoke
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void taintJwtKeyWhenActiveThenNewKeySignsAndTaintedKeyStaysPublishedForItsTokens()
      throws JwtSvidRejectedException {
    AuthorityKey first = keyInState(authority, KeyState.ACTIVE);
    JwtSvid before = authority.mint(WORKLOAD, List.of(AUDIENCE), List.of(), MAX_TTL);
    long sequence = sequence(authority);
    clock.advance(Duration.ofMinutes(3));

    AuthorityKey tainted = authority.taintJwtKey(first.keyId());

    assertThat(tainted.keyId()).isEqualTo(first.keyId());
    assertThat(tainted.tainted()).isTrue();
    assertThat(tainted.state()).isEqualTo(KeyState.RETIRED);
    assertThat(tainted.retiredAt()).contains(clock.instant());
    AuthorityKey replacement = keyInState(authority, KeyState.ACTIVE);
    assertThat(replacement.keyId()).isNotEqualTo(first.keyId());
    assertThat(replacement.tainted()).isFalse();
    assertThat(sequence(authority)).isGreaterThan(sequence);
    assertThat(bundleKids(authority)).contains(first.keyId(), replacement.keyId());

    JwtSvid after = mint(authority);
    assertThat(after.keyId()).isEqualTo(replacement.keyId());
    assertThat(authority.isUsable(before)).isFalse();
    assertThat(authority.isUsable(after)).isTrue();

    // its tokens still verify until they expire
    clock.set(before.expiresAt().minusSeconds(1));
    assertThat(verifier(authority).verify(before.token()).keyId()).isEqualTo(first.keyId());
  }

  @Test
  void taintJwtKeyWhenActiveAndKeyPreparedThenPreparedKeyActivated() {
    AuthorityKey first = keyInState(authority, KeyState.ACTIVE);
    AuthorityKey prepared = authority.prepareJwtKey();

    authority.taintJwtKey(first.keyId());

    assertThat(keyInState(authority, KeyState.ACTIVE).keyId()).isEqualTo(prepared.keyId());
    assertThat(authority.jwtKeys()).hasSize(2);
  }

  @Test
  void taintJwtKeyWhenTaintedKeyRetiredThenLeavesBundleAfterMaxTtlPlusGrace() {
    AuthorityKey first = keyInState(authority, KeyState.ACTIVE);
    at(Duration.ofHours(2));
    authority.taintJwtKey(first.keyId());

    at(Duration.ofHours(3).plus(GRACE).minusSeconds(1));
    authority.maintain();
    assertThat(bundleKids(authority)).contains(first.keyId());

    at(Duration.ofHours(3).plus(GRACE));
    authority.maintain();
    assertThat(bundleKids(authority)).doesNotContain(first.keyId());
  }

  @Test
  void taintJwtKeyWhenPreparedThenItNeverSignsAndANewOneIsPreparedLater() {
    AuthorityKey first = keyInState(authority, KeyState.ACTIVE);
    AuthorityKey prepared = authority.prepareJwtKey();

    AuthorityKey tainted = authority.taintJwtKey(prepared.keyId());

    assertThat(tainted.state()).isEqualTo(KeyState.RETIRED);
    assertThat(tainted.tainted()).isTrue();
    assertThat(tainted.activatedAt()).isEmpty();
    assertThat(keyInState(authority, KeyState.ACTIVE).keyId()).isEqualTo(first.keyId());
    AuthorityKey next = authority.prepareJwtKey();
    assertThat(next.keyId()).isNotEqualTo(prepared.keyId());
    assertThat(authority.activateJwtKey().keyId()).isEqualTo(next.keyId());
  }

  @Test
  void taintJwtKeyWhenAlreadyTaintedThenNothingChangesAndSequenceStays() {
    AuthorityKey first = keyInState(authority, KeyState.ACTIVE);
    authority.taintJwtKey(first.keyId());
    List<String> before = fingerprint(authority);
    long sequence = sequence(authority);
    clock.advance(Duration.ofMinutes(1));

    AuthorityKey again = authority.taintJwtKey(first.keyId());

    assertThat(again.tainted()).isTrue();
    assertThat(fingerprint(authority)).isEqualTo(before);
    assertThat(sequence(authority)).isEqualTo(sequence);
  }

  @Test
  void taintOrRevokeWhenUnknownKeyIdThenIllegalArgumentException() {
    List<String> before = fingerprint(authority);

    assertThatIllegalArgumentException().isThrownBy(() -> authority.taintJwtKey("no-such-kid"));
    assertThatIllegalArgumentException().isThrownBy(() -> authority.revokeJwtKey("no-such-kid"));
    assertThatNullPointerException().isThrownBy(() -> authority.taintJwtKey(null));
    assertThatNullPointerException().isThrownBy(() -> authority.revokeJwtKey(null));
    assertThat(fingerprint(authority)).isEqualTo(before);
  }

  @Test
  void revokeJwtKeyWhenActiveThenIllegalStateException() {
    AuthorityKey active = keyInState(authority, KeyState.ACTIVE);
    long sequence = sequence(authority);

    assertThatIllegalStateException().isThrownBy(() -> authority.revokeJwtKey(active.keyId()))
        .withMessageContaining("active");
    assertThat(bundleKids(authority)).containsExactly(active.keyId());
    assertThat(authority.revocations().isKeyRevoked(active.keyId())).isFalse();
    assertThat(sequence(authority)).isEqualTo(sequence);
  }

  @Test
  void revokeJwtKeyWhenTaintedThenLeavesBundleAndVerifierRejectsItsTokensAtOnceWithUnknownKey()
      throws JwtSvidRejectedException {
    AuthorityKey first = keyInState(authority, KeyState.ACTIVE);
    JwtSvid token = mint(authority);
    JwtSvidVerifier verifier = verifier(authority);
    assertThat(verifier.verify(token.token()).keyId()).isEqualTo(first.keyId()); // now cached in the verifier
    authority.taintJwtKey(first.keyId());
    assertThat(verifier.verify(token.token()).keyId()).isEqualTo(first.keyId());
    long sequence = sequence(authority);

    authority.revokeJwtKey(first.keyId());

    assertThat(bundleKids(authority)).doesNotContain(first.keyId());
    assertThat(key(authority, first.keyId())).isEmpty();
    assertThat(sequence(authority)).isGreaterThan(sequence);
    assertThat(authority.revocations().isKeyRevoked(first.keyId())).isTrue();
    assertThat(authority.isUsable(token)).isFalse();
    // The key is gone from the bundle, so the verifier finds no key before it looks at revocations.
    assertThatThrownBy(() -> verifier.verify(token.token()))
        .isInstanceOfSatisfying(JwtSvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(JwtSvidRejectedException.Reason.UNKNOWN_KEY));
    assertThatThrownBy(() -> verifier(authority).verify(token.token()))
        .isInstanceOfSatisfying(JwtSvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(JwtSvidRejectedException.Reason.UNKNOWN_KEY));
  }

  @Test
  void revokeJwtKeyWhenVerifierStillHoldsAnOldBundleThenSharedRevocationsRejectWithRevoked()
      throws JwtSvidRejectedException {
    AuthorityKey first = keyInState(authority, KeyState.ACTIVE);
    JwtSvid token = mint(authority);
    TrustBundle stale = authority.bundle();
    JwtSvidVerifier verifier = JwtSvidVerifier.newBuilder().bundleSource(BundleSource.of(stale))
        .revocations(authority.revocations()).audience(AUDIENCE).clock(clock).build();
    verifier.verify(token.token());
    authority.taintJwtKey(first.keyId());

    authority.revokeJwtKey(first.keyId());

    assertThatThrownBy(() -> verifier.verify(token.token()))
        .isInstanceOfSatisfying(JwtSvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(JwtSvidRejectedException.Reason.REVOKED));
  }

  @Test
  void revokeJwtKeyWhenRetiredByRotationThenRemovedAndNewKeyUnaffected() throws JwtSvidRejectedException {
    AuthorityKey first = keyInState(authority, KeyState.ACTIVE);
    authority.rotateJwtKey();
    AuthorityKey second = authority.rotateJwtKey();

    authority.revokeJwtKey(first.keyId());

    assertThat(bundleKids(authority)).containsExactly(second.keyId());
    assertThat(verifier(authority).verify(mint(authority).token()).keyId()).isEqualTo(second.keyId());
  }

  @Test
  void revokeJwtKeyWhenPreparedThenRemovedAndNextPrepareMakesANewKey() {
    AuthorityKey prepared = authority.prepareJwtKey();

    authority.revokeJwtKey(prepared.keyId());

    assertThat(bundleKids(authority)).doesNotContain(prepared.keyId());
    assertThat(authority.prepareJwtKey().keyId()).isNotEqualTo(prepared.keyId());
  }

  @Test
  void isUsableWhenTokenOfAnotherAuthorityThenFalse() {
    EmbeddedAuthority other = EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(clock).build();

    assertThat(authority.isUsable(mint(other))).isFalse();
    assertThat(authority.isUsable(mint(authority))).isTrue();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // minting
  // ---------------------------------------------------------------------------------------------------------------

  @FunctionalInterface
  interface MintCall {
    void mint(EmbeddedAuthority authority);
  }

  static Stream<Arguments> invalidMints() {
    return Stream.of(
        arguments("subject of another trust domain", (MintCall) a ->
            a.mint(SpiffeId.parse("spiffe://evil.example/orders"), List.of(AUDIENCE), List.of(), null)),
        arguments("subject is the trust domain's own ID", (MintCall) a ->
            a.mint(TRUST_DOMAIN.spiffeId(), List.of(AUDIENCE), List.of(), null)),
        arguments("TTL zero", (MintCall) a -> a.mint(WORKLOAD, List.of(AUDIENCE), List.of(), Duration.ZERO)),
        arguments("TTL negative", (MintCall) a ->
            a.mint(WORKLOAD, List.of(AUDIENCE), List.of(), Duration.ofMinutes(-5))),
        arguments("TTL under a second", (MintCall) a ->
            a.mint(WORKLOAD, List.of(AUDIENCE), List.of(), Duration.ofMillis(999))),
        arguments("no audience", (MintCall) a -> a.mint(WORKLOAD, List.of(), List.of(), null)),
        arguments("empty audience", (MintCall) a -> a.mint(WORKLOAD, List.of(""), List.of(), null)),
        arguments("empty audience among good ones", (MintCall) a ->
            a.mint(WORKLOAD, List.of(AUDIENCE, ""), List.of(), null)),
        arguments("scope with a space", (MintCall) a -> a.mintJwtSvid(WORKLOAD, AUDIENCE, "read write")),
        arguments("scope with a quote", (MintCall) a -> a.mintJwtSvid(WORKLOAD, AUDIENCE, "read\"")),
        arguments("scope with a backslash", (MintCall) a -> a.mintJwtSvid(WORKLOAD, AUDIENCE, "a\\b")),
        arguments("empty scope", (MintCall) a -> a.mintJwtSvid(WORKLOAD, AUDIENCE, "")),
        arguments("scope with a newline", (MintCall) a -> a.mintJwtSvid(WORKLOAD, AUDIENCE, "read\nwrite")),
        arguments("scope with non-ASCII", (MintCall) a -> a.mintJwtSvid(WORKLOAD, AUDIENCE, "l\u00e9ire")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidMints")
  void mintWhenInvalidThenIllegalArgumentException(String name, MintCall call) {
    List<String> before = fingerprint(authority);

    assertThatIllegalArgumentException().isThrownBy(() -> call.mint(authority));
    assertThat(fingerprint(authority)).isEqualTo(before);
  }

  @Test
  void mintWhenNullArgumentThenNullPointerException() {
    assertThatNullPointerException().isThrownBy(() -> authority.mint(null, List.of(AUDIENCE), List.of(), null));
    assertThatNullPointerException().isThrownBy(() -> authority.mint(WORKLOAD, null, List.of(), null));
    assertThatNullPointerException().isThrownBy(() -> authority.mint(WORKLOAD, List.of(AUDIENCE), null, null));
  }

  @Test
  void mintWhenNoTtlGivenThenDefaultFiveMinutes() {
    JwtSvid svid = mint(authority);

    assertThat(svid.issuedAt()).isEqualTo(START);
    assertThat(svid.expiresAt()).isEqualTo(START.plus(Duration.ofMinutes(5)));
    assertThat(svid.lifetime()).isEqualTo(authority.defaultJwtSvidTtl()).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void mintWhenTtlExactlyMaximumThenAccepted() {
    JwtSvid svid = authority.mint(WORKLOAD, List.of(AUDIENCE), List.of(), MAX_TTL);

    assertThat(svid.lifetime()).isEqualTo(MAX_TTL);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ttlsOverTheMaximum")
  void mintWhenTtlOverTheMaximumThenTokenShortenedToTheMaximum(String name, Duration ttl)
      throws JwtSvidRejectedException {
    clock.advance(Duration.ofMillis(700)); // iat and exp are whole seconds

    JwtSvid svid = authority.mint(WORKLOAD, List.of(AUDIENCE), List.of(), ttl);

    assertThat(svid.issuedAt()).isEqualTo(START);
    assertThat(svid.expiresAt()).isEqualTo(START.plus(MAX_TTL));
    assertThat(svid.lifetime()).isEqualTo(authority.maxJwtSvidTtl());
    assertThat(verifier(authority).verify(svid.token()).expiresAt()).isEqualTo(START.plus(MAX_TTL));
  }

  static Stream<Arguments> ttlsOverTheMaximum() {
    return Stream.of(arguments("one second over", MAX_TTL.plusSeconds(1)),
        arguments("one nanosecond over", MAX_TTL.plusNanos(1)), arguments("a day", Duration.ofDays(1)),
        arguments("a century", Duration.ofDays(36_500)));
  }

  @Test
  void mintWhenTtlTwoSecondsThenAccepted() {
    JwtSvid svid = authority.mint(WORKLOAD, List.of(AUDIENCE), List.of(), Duration.ofSeconds(2));

    assertThat(svid.lifetime()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void mintWhenTtlExactlyOneSecondMinimumThenAccepted() {
    JwtSvid svid = authority.mint(WORKLOAD, List.of(AUDIENCE), List.of(), Duration.ofSeconds(1));

    assertThat(svid.lifetime()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void mintWhenTtlGivenThenTokenLivesExactlyThatLong() {
    clock.advance(Duration.ofMillis(700)); // iat and exp are whole seconds

    JwtSvid svid = authority.mint(WORKLOAD, List.of(AUDIENCE), List.of(), Duration.ofMinutes(17));

    assertThat(svid.issuedAt()).isEqualTo(START);
    assertThat(svid.expiresAt()).isEqualTo(START.plus(Duration.ofMinutes(17)));
  }

  @Test
  void mintThenCompactTokenHasJwtSvidHeaderAndClaims() throws ParseException {
    String kid = keyInState(authority, KeyState.ACTIVE).keyId();

    JwtSvid svid = authority.mint(WORKLOAD, List.of(AUDIENCE, "spiffe://example.org/audit"),
        List.of("orders.read", "orders.write"), Duration.ofMinutes(10));

    Map<String, Object> header = part(svid.token(), 0);
    assertThat(header).containsOnlyKeys("alg", "kid", "typ")
        .containsEntry("alg", "ES256").containsEntry("kid", kid).containsEntry("typ", "JWT");
    Map<String, Object> claims = part(svid.token(), 1);
    assertThat(claims).containsOnlyKeys("sub", "aud", "exp", "iat", "jti", "scope");
    assertThat(claims).containsEntry("sub", "spiffe://example.org/orders");
    assertThat(claims.get("aud")).isInstanceOf(List.class)
        .isEqualTo(List.of(AUDIENCE, "spiffe://example.org/audit"));
    assertThat(claims).containsEntry("iat", START.getEpochSecond())
        .containsEntry("exp", START.plus(Duration.ofMinutes(10)).getEpochSecond())
        .containsEntry("scope", "orders.read orders.write");
    assertThat(claims.get("jti")).isInstanceOf(String.class).isEqualTo(svid.tokenId());
    assertThat((String) claims.get("jti")).hasSizeGreaterThanOrEqualTo(16);

    assertThat(svid.subject()).isEqualTo(WORKLOAD);
    assertThat(svid.audience()).containsExactly(AUDIENCE, "spiffe://example.org/audit");
    assertThat(svid.scopes()).containsExactly("orders.read", "orders.write");
    assertThat(svid.keyId()).isEqualTo(kid);
    assertThat(svid.algorithm()).isEqualTo(JwtAlgorithm.ES256);
  }

  @Test
  void mintWhenSingleAudienceThenAudIsStillAnArray() throws ParseException {
    Map<String, Object> claims = part(mint(authority).token(), 1);

    assertThat(claims.get("aud")).isEqualTo(List.of(AUDIENCE));
    assertThat(claims).doesNotContainKeys("scope", "iss");
  }

  @Test
  void mintWhenIssuerConfiguredThenIssClaim() throws ParseException, JwtSvidRejectedException {
    EmbeddedAuthority a = EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(clock)
        .jwtIssuer("https://issuer.example.org").build();

    JwtSvid svid = mint(a);

    assertThat(part(svid.token(), 1)).containsEntry("iss", "https://issuer.example.org");
    assertThat(verifier(a).verify(svid.token()).issuer()).contains("https://issuer.example.org");
  }

  @Test
  void mintTwiceThenDifferentTokenIds() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      ids.add(mint(authority).tokenId());
    }

    assertThat(ids).hasSize(50);
  }

  @Test
  void toStringThenNoTokenAndNoKeyMaterial() {
    JwtSvid svid = authority.mintJwtSvid(WORKLOAD, AUDIENCE, "orders.read");
    String[] parts = svid.token().split("\\.");

    for (String text : List.of(svid.toString(), authority.toString(), authority.bundle().toString(),
        authority.jwtKeys().toString())) {
      assertThat(text).doesNotContain(svid.token()).doesNotContain(parts[1]).doesNotContain(parts[2])
          .doesNotContain("PRIVATE");
    }
    assertThat(svid.toString()).contains(svid.keyId()).contains("orders.read");
    assertThat(authority.toString()).contains("example.org");
  }

  @ParameterizedTest
  @EnumSource(value = JwtAlgorithm.class, names = {"ES256", "ES384", "RS256", "PS256"})
  void mintWhenAlgorithmSupportedThenTokenVerifiesWithAuthorityBundle(JwtAlgorithm algorithm)
      throws JwtSvidRejectedException, ParseException {
    EmbeddedAuthority a = EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(clock).jwtAlgorithm(algorithm).build();
    JwtSvid svid = a.mintJwtSvid(WORKLOAD, AUDIENCE, "orders.read");

    VerifiedJwtSvid verified = JwtSvidVerifier.newBuilder()
        .bundleSource(a.bundleSource())
        .audience(AUDIENCE)
        .clock(clock)
        .build()
        .verify(svid.token());

    assertThat(verified.subject()).isEqualTo(WORKLOAD);
    assertThat(verified.algorithm()).isEqualTo(algorithm);
    assertThat(verified.keyId()).isEqualTo(svid.keyId());
    assertThat(verified.scopes()).containsExactly("orders.read");
    assertThat(verified.tokenId()).contains(svid.tokenId());
    assertThat(part(svid.token(), 0)).containsEntry("alg", algorithm.name());
    assertThat(a.bundle().jwtKey(svid.keyId()).orElseThrow().algorithm()).contains(algorithm);
  }

  @Test
  void verifyWhenTokenMintedForAnotherAudienceThenRejected() {
    JwtSvid svid = authority.mintJwtSvid(WORKLOAD, "spiffe://example.org/other");

    assertThatThrownBy(() -> verifier(authority).verify(svid.token()))
        .isInstanceOfSatisfying(JwtSvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(JwtSvidRejectedException.Reason.AUDIENCE_MISMATCH));
  }

  @Test
  void jwtKeysThenCopyThatCannotBeModified() {
    List<AuthorityKey> keys = authority.jwtKeys();

    assertThatThrownBy(() -> keys.add(keys.get(0))).isInstanceOf(UnsupportedOperationException.class);
    assertThat(new ArrayList<>(keys)).hasSize(1);
  }
}

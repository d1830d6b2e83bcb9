package dev.lanyard.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.authority.AuthorityKey;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.authority.KeyState;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.jwt.JwtSvidRejectedException;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.Await;
import dev.lanyard.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CachingJwtSvidSourceTest {
  private static final TrustDomain TRUST_DOMAIN = TrustDomain.of("example.org");
  private static final SpiffeId WORKLOAD = SpiffeId.parse("spiffe://example.org/orders");
  private static final String PAYMENTS = "spiffe://example.org/payments";
  private static final String AUDIT = "spiffe://example.org/audit";
  private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
  private static final Duration LIFETIME = Duration.ofMinutes(5);

  private MutableClock clock;
  private EmbeddedAuthority authority;
  private CountingMinter minter;
  private CachingJwtSvidSource source;
  private ExecutorService threads;

  /** Counts mint attempts on a real authority; can be told to fail or to run something first. */
  static final class CountingMinter implements JwtSvidMinter {
    private final JwtSvidMinter delegate;
    final AtomicInteger attempts = new AtomicInteger();
    final AtomicInteger mints = new AtomicInteger();
    volatile RuntimeException failure;
    volatile Consumer<Collection<String>> beforeMint = audience -> { };

    CountingMinter(JwtSvidMinter delegate) {
      this.delegate = delegate;
    }

    @Override
    public JwtSvid mint(SpiffeId subject, Collection<String> audience, Collection<String> scopes, Duration ttl) {
      attempts.incrementAndGet();
      beforeMint.accept(audience);
      RuntimeException f = failure;
      if (f != null) {
        throw f;
      }
      JwtSvid svid = delegate.mint(subject, audience, scopes, ttl);
      mints.incrementAndGet();
      return svid;
    }

    @Override
    public boolean isUsable(JwtSvid svid) {
      return delegate.isUsable(svid);
    }
  }

  @BeforeEach
  void setUp() {
    clock = new MutableClock(START);
    authority = EmbeddedAuthority.newBuilder(TRUST_DOMAIN).clock(clock).build();
    minter = new CountingMinter(authority);
    source = newSource().build();
  }

  @AfterEach
  void tearDown() {
    if (threads != null) {
      threads.shutdownNow();
    }
  }

  private CachingJwtSvidSource.Builder newSource() {
    return CachingJwtSvidSource.newBuilder(minter, WORKLOAD).clock(clock).executor(Runnable::run);
  }

  private void at(Duration sinceStart) {
    clock.set(START.plus(sinceStart));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // caching by (audiences, scopes)
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void fetchWhenSameAudiencesAndScopesInAnyOrderThenSameCachedToken() {
    JwtSvid first = source.fetch(List.of(PAYMENTS, AUDIT), List.of("orders.read", "orders.write"));

    JwtSvid reordered = source.fetch(List.of(AUDIT, PAYMENTS), List.of("orders.write", "orders.read"));
    JwtSvid duplicated = source.fetch(List.of(AUDIT, PAYMENTS, AUDIT), Set.of("orders.read", "orders.write"));

    assertThat(reordered).isSameAs(first);
    assertThat(duplicated).isSameAs(first);
    assertThat(minter.attempts).hasValue(1);
    assertThat(first.subject()).isEqualTo(WORKLOAD);
    assertThat(first.audience()).containsExactlyInAnyOrder(PAYMENTS, AUDIT);
    assertThat(first.scopes()).containsExactlyInAnyOrder("orders.read", "orders.write");
    assertThat(source.cachedTokenCount()).isEqualTo(1);
  }

  @Test
  void fetchWhenSingleAudienceConvenienceThenSameAsCollectionForm() {
    JwtSvid first = source.fetch(PAYMENTS, "b", "a");

    assertThat(source.fetch(List.of(PAYMENTS), List.of("a", "b"))).isSameAs(first);
    assertThat(minter.attempts).hasValue(1);
  }

  @Test
  void fetchWhenScopesOrAudiencesDifferThenDifferentTokens() {
    JwtSvid plain = source.fetch(List.of(PAYMENTS), List.of());
    JwtSvid read = source.fetch(List.of(PAYMENTS), List.of("orders.read"));
    JwtSvid readWrite = source.fetch(List.of(PAYMENTS), List.of("orders.read", "orders.write"));
    JwtSvid audit = source.fetch(List.of(AUDIT), List.of());
    JwtSvid both = source.fetch(List.of(PAYMENTS, AUDIT), List.of());

    assertThat(minter.attempts).hasValue(5);
    assertThat(Set.of(plain.tokenId(), read.tokenId(), readWrite.tokenId(), audit.tokenId(), both.tokenId()))
        .hasSize(5);
    assertThat(plain.scopes()).isEmpty();
    assertThat(read.scopes()).containsExactly("orders.read");
    assertThat(readWrite.scopes()).containsExactlyInAnyOrder("orders.read", "orders.write");
    assertThat(audit.audience()).containsExactly(AUDIT);
    assertThat(both.audience()).containsExactlyInAnyOrder(PAYMENTS, AUDIT);
    assertThat(source.fetch(List.of(PAYMENTS), List.of("orders.read"))).isSameAs(read);
    assertThat(source.cachedTokenCount()).isEqualTo(5);
  }

  @Test
  void fetchWhenTokenHandedOutThenItVerifies() throws JwtSvidRejectedException {
    JwtSvid svid = source.fetch(PAYMENTS, "orders.read");

    assertThat(JwtSvidVerifier.newBuilder().bundleSource(authority.bundleSource()).audience(PAYMENTS).clock(clock)
        .build().verify(svid.token()).scopes()).containsExactly("orders.read");
  }

  @Test
  void fetchWhenNoTtlConfiguredThenMinterDefaultAndWhenConfiguredThenThatTtl() {
    assertThat(source.fetch(PAYMENTS).lifetime()).isEqualTo(authority.defaultJwtSvidTtl());

    CachingJwtSvidSource longer = newSource().ttl(Duration.ofMinutes(20)).build();

    assertThat(longer.fetch(PAYMENTS).lifetime()).isEqualTo(Duration.ofMinutes(20));
  }

  @Test
  void peekWhenNothingFetchedThenEmptyAndAfterFetchThenCachedTokenWithoutMinting() {
    assertThat(source.peek(List.of(PAYMENTS), List.of())).isEmpty();

    JwtSvid svid = source.fetch(PAYMENTS);

    assertThat(source.peek(List.of(PAYMENTS), List.of())).containsSame(svid);
    assertThat(source.peek(List.of(AUDIT), List.of())).isEmpty();
    assertThat(minter.attempts).hasValue(1);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // renewal at about half life
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void fetchWhenBeforeFortyPercentOfLifetimeThenNoRenewal() {
    JwtSvid first = source.fetch(PAYMENTS);

    for (long second = 1; second < 120; second += 7) {
      at(Duration.ofSeconds(second));
      assertThat(source.fetch(PAYMENTS)).isSameAs(first);
    }
    at(Duration.ofSeconds(119));
    assertThat(source.fetch(PAYMENTS)).isSameAs(first);
    assertThat(source.fetch(PAYMENTS)).isSameAs(first);

    assertThat(minter.attempts).hasValue(1);
  }

  @Test
  void fetchWhenAfterSixtyPercentOfLifetimeThenRenewedAndNextFetchReturnsNewToken() {
    JwtSvid first = source.fetch(PAYMENTS);
    at(Duration.ofSeconds(180));

    JwtSvid during = source.fetch(PAYMENTS);

    assertThat(during).isSameAs(first);
    assertThat(minter.mints).hasValue(2);
    JwtSvid renewed = source.fetch(PAYMENTS);
    assertThat(renewed).isNotSameAs(first);
    assertThat(renewed.tokenId()).isNotEqualTo(first.tokenId());
    assertThat(renewed.issuedAt()).isEqualTo(START.plusSeconds(180));
    assertThat(source.fetch(PAYMENTS)).isSameAs(renewed);
    assertThat(minter.mints).hasValue(2);
  }

  @Test
  void fetchWhenManyTokensThenRenewalPointsJitteredBetweenFortyAndSixtyPercent() {
    Map<String, JwtSvid> first = new TreeMap<>();
    for (int i = 0; i < 40; i++) {
      String audience = "spiffe://example.org/service-" + i;
      first.put(audience, source.fetch(audience));
    }
    Map<String, Long> renewedAtSecond = new TreeMap<>();
    for (long second = 100; second <= 200; second++) {
      at(Duration.ofSeconds(second));
      for (String audience : first.keySet()) {
        source.fetch(audience);
        JwtSvid cached = source.peek(List.of(audience), List.of()).orElseThrow();
        if (cached != first.get(audience)) {
          renewedAtSecond.putIfAbsent(audience, second);
        }
      }
    }

    assertThat(renewedAtSecond).hasSize(40);
    assertThat(renewedAtSecond.values()).allSatisfy(s -> assertThat(s).isBetween(120L, 180L));
    assertThat(new HashSet<>(renewedAtSecond.values())).as("distinct renewal seconds").hasSizeGreaterThan(5);
  }

  @Test
  void fetchWhenRenewalAlreadyDoneThenNoSecondRenewalForTheSameToken() {
    source.fetch(PAYMENTS);
    at(Duration.ofSeconds(180));
    source.fetch(PAYMENTS);
    JwtSvid renewed = source.fetch(PAYMENTS);

    at(Duration.ofSeconds(181));
    source.fetch(PAYMENTS);
    source.fetch(PAYMENTS);

    assertThat(minter.mints).hasValue(2);
    assertThat(source.fetch(PAYMENTS)).isSameAs(renewed);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // never handed out near its expiry
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void fetchWhenOneSecondBeforeLastThirtySecondsThenCachedTokenHandedOut() {
    JwtSvid first = source.fetch(PAYMENTS);
    at(LIFETIME.minusSeconds(31));

    assertThat(source.fetch(PAYMENTS)).isSameAs(first);
  }

  @Test
  void fetchWhenLastThirtySecondsOfTokenThenFreshTokenMintedSynchronously() {
    JwtSvid first = source.fetch(PAYMENTS);
    at(LIFETIME.minusSeconds(30));

    JwtSvid fetched = source.fetch(PAYMENTS);

    assertThat(fetched).isNotSameAs(first);
    assertThat(fetched.issuedAt()).isEqualTo(clock.instant());
    assertThat(fetched.expiresAt()).isEqualTo(clock.instant().plus(LIFETIME));
    assertThat(minter.mints).hasValue(2);
    assertThat(source.fetch(PAYMENTS)).isSameAs(fetched);
  }

  @Test
  void fetchWhenTokenExpiredThenFreshTokenMinted() {
    JwtSvid first = source.fetch(PAYMENTS);
    at(Duration.ofHours(3));

    JwtSvid fetched = source.fetch(PAYMENTS);

    assertThat(fetched.tokenId()).isNotEqualTo(first.tokenId());
    assertThat(fetched.expiresAt()).isAfter(clock.instant());
  }

  @Test
  void fetchWhenShortTokenInItsLastFifthThenFreshTokenMinted() {
    // A 60 s token: the last fifth (12 s) is shorter than 30 s, so it is the one that counts.
    CachingJwtSvidSource shortLived = newSource().ttl(Duration.ofSeconds(60)).build();
    JwtSvid first = shortLived.fetch(PAYMENTS);

    at(Duration.ofSeconds(47));
    assertThat(shortLived.fetch(PAYMENTS)).isSameAs(first);

    CachingJwtSvidSource other = newSource().ttl(Duration.ofSeconds(60)).build();
    at(Duration.ZERO);
    JwtSvid second = other.fetch(PAYMENTS);
    at(Duration.ofSeconds(48));
    JwtSvid fetched = other.fetch(PAYMENTS);
    assertThat(fetched).isNotSameAs(second);
    assertThat(fetched.issuedAt()).isEqualTo(clock.instant());
  }

  @Test
  void fetchWhenMinimumRemainingConfiguredThenThatWindowApplies() {
    CachingJwtSvidSource tight = newSource().minimumRemaining(Duration.ofSeconds(10)).build();
    JwtSvid first = tight.fetch(PAYMENTS);

    at(LIFETIME.minusSeconds(11));
    assertThat(tight.fetch(PAYMENTS)).isSameAs(first);

    CachingJwtSvidSource other = newSource().minimumRemaining(Duration.ofSeconds(10)).build();
    at(Duration.ZERO);
    JwtSvid second = other.fetch(PAYMENTS);
    at(LIFETIME.minusSeconds(10));
    assertThat(other.fetch(PAYMENTS)).isNotSameAs(second);
  }

  @Test
  void fetchAtRandomTimesOverADayAndAHalfThenNeverHandsOutATokenInItsLastWindowOrOfAnUnusableKey() {
    Random random = new Random(42);
    List<String> audiences = List.of(PAYMENTS, AUDIT, "spiffe://example.org/ledger");
    int fetches = 0;
    int taints = 0;
    while (clock.instant().isBefore(START.plus(Duration.ofHours(36)))) {
      clock.advance(Duration.ofMillis(random.nextInt(45_000)));
      if (random.nextInt(300) == 0) {
        AuthorityKey active = authority.jwtKeys().stream().filter(k -> k.state() == KeyState.ACTIVE)
            .findFirst().orElseThrow();
        authority.taintJwtKey(active.keyId());
        taints++;
      }
      String audience = audiences.get(random.nextInt(audiences.size()));
      Instant now = clock.instant();

      JwtSvid svid = source.fetch(audience);
      fetches++;

      Duration margin = svid.lifetime().dividedBy(5);
      if (margin.compareTo(Duration.ofSeconds(30)) > 0) {
        margin = Duration.ofSeconds(30);
      }
      assertThat(now).as("fetch %d at %s", fetches, now).isBefore(svid.expiresAt().minus(margin));
      assertThat(svid.audience()).containsExactly(audience);
      assertThat(authority.isUsable(svid)).isTrue();
    }
    assertThat(fetches).isGreaterThan(5000);
    assertThat(taints).isPositive();
    // a token lives 5 min and is renewed at about half life: roughly one mint per 2.5 min per audience
    assertThat(minter.mints.get()).isLessThan(fetches / 2);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // tainted and revoked keys
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void fetchWhenKeyTaintedThenCachedTokenReminted() {
    JwtSvid first = source.fetch(PAYMENTS);
    at(Duration.ofSeconds(10));

    authority.taintJwtKey(first.keyId());
    JwtSvid fetched = source.fetch(PAYMENTS);

    String active = authority.jwtKeys().stream().filter(k -> k.state() == KeyState.ACTIVE).findFirst()
        .orElseThrow().keyId();
    assertThat(fetched.keyId()).isEqualTo(active).isNotEqualTo(first.keyId());
    assertThat(fetched.tokenId()).isNotEqualTo(first.tokenId());
    assertThat(minter.mints).hasValue(2);
    assertThat(source.fetch(PAYMENTS)).isSameAs(fetched);
  }

  @Test
  void fetchWhenKeyTaintedAndRevokedThenCachedTokenReminted() {
    JwtSvid first = source.fetch(PAYMENTS);
    authority.taintJwtKey(first.keyId());
    authority.revokeJwtKey(first.keyId());

    JwtSvid fetched = source.fetch(PAYMENTS);

    assertThat(fetched.keyId()).isNotEqualTo(first.keyId());
  }

  @Test
  void fetchWhenKeyMerelyRotatedThenCachedTokenStillHandedOut() {
    JwtSvid first = source.fetch(PAYMENTS);
    authority.rotateJwtKey();
    authority.rotateJwtKey();

    assertThat(source.fetch(PAYMENTS)).isSameAs(first);
    assertThat(minter.attempts).hasValue(1);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // failures
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void fetchWhenBackgroundRenewalFailsThenCurrentTokenKeptUntilDueThenFailurePropagates() {
    JwtSvid first = source.fetch(PAYMENTS);
    IllegalStateException outage = new IllegalStateException("minter unavailable");
    minter.failure = outage;

    at(Duration.ofSeconds(180));
    assertThat(source.fetch(PAYMENTS)).isSameAs(first);
    assertThat(minter.attempts).hasValue(2);
    at(Duration.ofSeconds(200));
    assertThat(source.fetch(PAYMENTS)).isSameAs(first);
    assertThat(minter.attempts).as("a failed renewal is retried on the next fetch").hasValue(3);
    at(LIFETIME.minusSeconds(31));
    assertThat(source.fetch(PAYMENTS)).isSameAs(first);

    at(LIFETIME.minusSeconds(30));
    assertThatThrownBy(() -> source.fetch(PAYMENTS)).isSameAs(outage);

    minter.failure = null;
    JwtSvid recovered = source.fetch(PAYMENTS);
    assertThat(recovered.tokenId()).isNotEqualTo(first.tokenId());
    assertThat(recovered.issuedAt()).isEqualTo(clock.instant());
  }

  @Test
  void fetchWhenFirstMintFailsThenExceptionPropagatesAndNothingCached() {
    IllegalStateException outage = new IllegalStateException("minter unavailable");
    minter.failure = outage;

    assertThatThrownBy(() -> source.fetch(PAYMENTS)).isSameAs(outage);
    assertThat(source.cachedTokenCount()).isZero();

    minter.failure = null;
    assertThat(source.fetch(PAYMENTS).audience()).containsExactly(PAYMENTS);
  }

  @Test
  void fetchWhenExecutorRefusesRenewalThenCurrentTokenStillHandedOut() {
    CachingJwtSvidSource refusing = newSource().executor(task -> {
      throw new java.util.concurrent.RejectedExecutionException("shut down");
    }).build();
    JwtSvid first = refusing.fetch(PAYMENTS);
    at(Duration.ofSeconds(200));

    assertThat(refusing.fetch(PAYMENTS)).isSameAs(first);
    assertThat(refusing.fetch(PAYMENTS)).isSameAs(first);
  }

  @Test
  void fetchWhenAudienceOrScopeInvalidThenIllegalArgumentExceptionAndNothingCached() {
    assertThatIllegalArgumentException().isThrownBy(() -> source.fetch(List.of(), List.of()));
    assertThatIllegalArgumentException().isThrownBy(() -> source.fetch(List.of(""), List.of()));
    assertThatIllegalArgumentException().isThrownBy(() -> source.fetch(PAYMENTS, "read write"));
    assertThatIllegalArgumentException().isThrownBy(() -> source.fetch(PAYMENTS, "quote\""));
    assertThat(source.cachedTokenCount()).isZero();
  }

  @Test
  void fetchWhenNullArgumentsThenNullPointerException() {
    assertThatNullPointerException().isThrownBy(() -> source.fetch(null, List.of()));
    assertThatNullPointerException().isThrownBy(() -> source.fetch(List.of(PAYMENTS), null));
    assertThatNullPointerException().isThrownBy(() -> source.fetch(Arrays.asList(PAYMENTS, null), List.of()));
    assertThatNullPointerException().isThrownBy(() -> source.fetch(List.of(PAYMENTS), Arrays.asList("a", null)));
    assertThat(minter.attempts).hasValue(0);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // concurrency and bounds
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void fetchWhenSixteenThreadsAskForTheSameTokenAtOnceThenOneMint() throws Exception {
    // The mint holds until the fifteen other callers are parked behind it: they all arrived while it ran.
    Set<Thread> callers = ConcurrentHashMap.newKeySet();
    AtomicInteger fetching = new AtomicInteger();
    minter.beforeMint = audience -> Await.until("the other fifteen callers waiting for the one mint",
        () -> fetching.get() == 16 && callers.stream().filter(t -> t != Thread.currentThread())
            .filter(t -> t.getState() != Thread.State.RUNNABLE).count() == 15, Duration.ofSeconds(10));
    threads = Executors.newFixedThreadPool(16);
    CountDownLatch ready = new CountDownLatch(16);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<JwtSvid>> results = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      results.add(threads.submit(() -> {
        callers.add(Thread.currentThread());
        ready.countDown();
        go.await();
        fetching.incrementAndGet();
        return source.fetch(List.of(AUDIT, PAYMENTS), List.of("orders.read"));
      }));
    }
    assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();

    go.countDown();

    JwtSvid first = results.get(0).get(10, TimeUnit.SECONDS);
    for (Future<JwtSvid> result : results) {
      assertThat(result.get(10, TimeUnit.SECONDS)).isSameAs(first);
    }
    assertThat(minter.attempts).hasValue(1);
  }

  @Test
  void fetchWhenOneTokenIsBeingMintedThenOtherTokensAreNotBlocked() throws Exception {
    CountDownLatch slowStarted = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    minter.beforeMint = audience -> {
      if (audience.contains("spiffe://example.org/slow")) {
        slowStarted.countDown();
        await(release);
      }
    };
    threads = Executors.newFixedThreadPool(5);
    Future<JwtSvid> slow = threads.submit(() -> source.fetch("spiffe://example.org/slow"));
    assertThat(slowStarted.await(10, TimeUnit.SECONDS)).isTrue();

    List<CompletableFuture<JwtSvid>> others = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      String audience = "spiffe://example.org/fast-" + i;
      others.add(CompletableFuture.supplyAsync(() -> source.fetch(audience), threads));
    }
    // Caffeine locks per hash bin, so one of them might share the slow one's bin; not all of them can.
    Object any = CompletableFuture.anyOf(others.toArray(new CompletableFuture<?>[0])).get(10, TimeUnit.SECONDS);
    assertThat(any).isInstanceOf(JwtSvid.class);
    assertThat(slow.isDone()).isFalse();

    release.countDown();
    assertThat(slow.get(10, TimeUnit.SECONDS).audience()).containsExactly("spiffe://example.org/slow");
    for (CompletableFuture<JwtSvid> other : others) {
      assertThat(other.get(10, TimeUnit.SECONDS)).isNotNull();
    }
  }

  @Test
  void fetchWhenMoreDistinctRequestsThanMaximumSizeThenCacheStaysBounded() {
    CachingJwtSvidSource bounded = newSource().maximumSize(10).build();

    for (int i = 0; i < 100; i++) {
      bounded.fetch("spiffe://example.org/service-" + i);
    }

    assertThat(bounded.cachedTokenCount()).isLessThanOrEqualTo(10);
    assertThat(minter.mints).hasValue(100);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // builder and metadata
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void builderWhenInvalidSettingsThenRejected() {
    CachingJwtSvidSource.Builder builder = CachingJwtSvidSource.newBuilder(minter, WORKLOAD);

    assertThatIllegalArgumentException().isThrownBy(() -> builder.ttl(Duration.ZERO));
    assertThatIllegalArgumentException().isThrownBy(() -> builder.ttl(Duration.ofSeconds(-1)));
    assertThatIllegalArgumentException().isThrownBy(() -> builder.minimumRemaining(Duration.ofSeconds(-1)));
    assertThatIllegalArgumentException().isThrownBy(() -> builder.maximumSize(0));
    assertThatIllegalArgumentException().isThrownBy(() -> builder.maximumSize(-5));
    assertThatNullPointerException().isThrownBy(() -> builder.ttl(null));
    assertThatNullPointerException().isThrownBy(() -> builder.minimumRemaining(null));
    assertThatNullPointerException().isThrownBy(() -> builder.clock(null));
    assertThatNullPointerException().isThrownBy(() -> builder.executor(null));
    assertThatNullPointerException().isThrownBy(() -> CachingJwtSvidSource.newBuilder(null, WORKLOAD));
    assertThatNullPointerException().isThrownBy(() -> CachingJwtSvidSource.newBuilder(minter, null));
  }

  @Test
  void fetchWhenTtlLongerThanMinterAllowsThenShortenedTokenCachedAndRenewedByItsRealLifetime() {
    Duration max = authority.maxJwtSvidTtl();
    CachingJwtSvidSource tooLong = newSource().ttl(max.plusSeconds(1)).build();

    JwtSvid first = tooLong.fetch(PAYMENTS);
    at(max.multipliedBy(39).dividedBy(100));
    JwtSvid beforeRenewal = tooLong.fetch(PAYMENTS);
    at(max.multipliedBy(61).dividedBy(100));
    tooLong.fetch(PAYMENTS);
    JwtSvid renewed = tooLong.fetch(PAYMENTS);

    assertThat(first.lifetime()).isEqualTo(max);
    assertThat(first.expiresAt()).isEqualTo(START.plus(max));
    assertThat(beforeRenewal).isSameAs(first);
    assertThat(renewed).isNotSameAs(first);
    assertThat(renewed.lifetime()).isEqualTo(max);
  }

  @Test
  void spiffeIdAndToStringThenSubjectAndNoToken() {
    JwtSvid svid = source.fetch(PAYMENTS);

    assertThat(source.spiffeId()).isEqualTo(WORKLOAD);
    assertThat(source.toString()).contains(WORKLOAD.toString()).doesNotContain(svid.token())
        .doesNotContain(svid.token().split("\\.")[2]);
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(20, TimeUnit.SECONDS)) {
        throw new IllegalStateException("not released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

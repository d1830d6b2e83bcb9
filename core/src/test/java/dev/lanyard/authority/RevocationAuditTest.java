package dev.lanyard.authority;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.audit.AuthorityEvent;
import dev.lanyard.audit.AuthorityEvent.Kind;
import dev.lanyard.authority.AuthorityAuditTest.Recorder;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.jwt.JwtSvidRejectedException;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.MutableClock;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Revocations are audited once, in the process that makes them, however they are made: through the authority or on
 * {@link EmbeddedAuthority#revocations()} directly; not again where they are only taken up from a shared directory.
 */
class RevocationAuditTest {
  private static final TrustDomain TD = TrustDomain.of("example.org");
  private static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  private static final SpiffeId PAYMENTS = SpiffeId.parse("spiffe://example.org/payments");

  private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));

  @Test
  void revokeWhenMadeOnTheRevocationListDirectlyThenEachAuditedOnceWithWhatItCovers() {
    Recorder sink = new Recorder();
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).clock(clock).auditSink(sink).build();
    Instant until = clock.instant().plus(Duration.ofMinutes(5));
    Instant before = clock.instant().minusSeconds(1);
    sink.events.clear();

    authority.revocations().revokeToken("token-1", until);
    authority.revocations().revokeToken("token-2");
    authority.revocations().revokeSubject(ORDERS, before);
    authority.revocations().revokeKey("key-9");

    assertThat(sink.events).extracting(AuthorityEvent::kind).containsExactly(Kind.REVOKED, Kind.REVOKED,
        Kind.REVOKED, Kind.REVOKED);
    assertThat(sink.events.get(0).credentialId()).contains("token-1");
    assertThat(sink.events.get(0).detail().orElseThrow()).contains(until.toString());
    assertThat(sink.events.get(1).credentialId()).contains("token-2");
    assertThat(sink.events.get(1).detail().orElseThrow())
        .contains(clock.instant().plus(authority.maxJwtSvidTtl()).plus(EmbeddedAuthority.RETIREMENT_GRACE)
            .toString());
    assertThat(sink.events.get(2).subject()).contains(ORDERS.toString());
    assertThat(sink.events.get(2).detail().orElseThrow()).contains(before.toString());
    assertThat(sink.events.get(3).keyId()).contains("key-9");
    assertThat(sink.events.get(3).detail().orElseThrow()).contains("every JWT-SVID signed by this key revoked");
    assertThat(sink.events).allSatisfy(e -> {
      assertThat(e.time()).isEqualTo(clock.instant());
      assertThat(e.trustDomain()).isEqualTo("example.org");
    });
  }

  @Test
  void revokeWhenThroughTheAuthorityThenOneEventEachNotTwo() {
    Recorder sink = new Recorder();
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).clock(clock).auditSink(sink).build();
    String first = authority.jwtKeys().get(0).keyId();
    authority.rotateJwtKey();
    authority.rotateJwtKey();
    sink.events.clear();

    authority.revokeJwtSvid("token-1", clock.instant().plusSeconds(60));
    authority.revokeSpiffeId(ORDERS, clock.instant());
    authority.revokeJwtKey(first);

    assertThat(sink.of(Kind.REVOKED)).hasSize(3);
    assertThat(sink.of(Kind.REVOKED).get(2).keyId()).contains(first);
    assertThat(sink.of(Kind.REVOKED).get(2).detail().orElseThrow()).contains("removed from the bundle");
    assertThat(authority.revocations().isKeyRevoked(first)).isTrue();
  }

  @Test
  void revokeWhenTwoAuthoritiesShareADirectoryThenOnlyTheOneThatRevokedAuditsAndBothEnforce(@TempDir Path tmp)
      throws Exception {
    Path dir = tmp.resolve("authority");
    Recorder inA = new Recorder();
    Recorder inB = new Recorder();
    EmbeddedAuthority a = EmbeddedAuthority.newBuilder(TD).directory(dir).clock(clock).auditSink(inA)
        .buildOrOpen();
    EmbeddedAuthority b = EmbeddedAuthority.open(dir, clock, inB);
    JwtSvidVerifier verifierInB = JwtSvidVerifier.newBuilder().bundleSource(b.bundleSource())
        .revocations(b.revocations()).audience("fleet").clock(clock).build();
    JwtSvid token = a.mintJwtSvid(ORDERS, "fleet");
    inA.events.clear();
    inB.events.clear();

    a.revocations().revokeToken(token.tokenId(), token.expiresAt());
    b.revocations().revokeSubject(PAYMENTS, clock.instant());
    b.revokeJwtSvid("token-of-b", clock.instant().plusSeconds(60));
    a.syncRevocations();
    b.syncRevocations();
    a.syncRevocations();
    b.syncRevocations();

    assertThat(inA.events).singleElement().satisfies(e -> {
      assertThat(e.kind()).isEqualTo(Kind.REVOKED);
      assertThat(e.credentialId()).contains(token.tokenId());
    });
    assertThat(inB.events).extracting(AuthorityEvent::kind).containsExactly(Kind.REVOKED, Kind.REVOKED);
    assertThat(inB.events.get(0).subject()).contains(PAYMENTS.toString());
    assertThat(inB.events.get(1).credentialId()).contains("token-of-b");
    assertThat(a.revocations().isSubjectRevoked(PAYMENTS, null)).isTrue();
    assertThat(a.revocations().isTokenRevoked("token-of-b")).isTrue();
    assertThat(b.revocations().isTokenRevoked(token.tokenId())).isTrue();
    Assertions.assertThatThrownBy(() -> verifierInB.verify(token.token()))
        .isInstanceOf(JwtSvidRejectedException.class)
        .extracting(e -> ((JwtSvidRejectedException) e).reason())
        .isEqualTo(JwtSvidRejectedException.Reason.REVOKED);
    // A third process opening the directory takes all of them up, and audits none.
    Recorder inC = new Recorder();
    EmbeddedAuthority c = EmbeddedAuthority.open(dir, clock, inC);
    assertThat(c.revocations().isTokenRevoked(token.tokenId())).isTrue();
    assertThat(c.revocations().isSubjectRevoked(PAYMENTS, null)).isTrue();
    assertThat(inC.of(Kind.REVOKED)).isEmpty();
  }

  @Test
  void revokeWhenManyThreadsRevokeWhileBothProcessesSyncThenEachAuditedExactlyOnceWhereMade(@TempDir Path tmp)
      throws Exception {
    Path dir = tmp.resolve("authority");
    Recorder inA = new Recorder();
    Recorder inB = new Recorder();
    EmbeddedAuthority a = EmbeddedAuthority.newBuilder(TD).directory(dir).auditSink(inA).buildOrOpen();
    EmbeddedAuthority b = EmbeddedAuthority.open(dir, Clock.systemUTC(), inB);
    inA.events.clear();
    inB.events.clear();
    int threads = 4;
    int each = 100;
    Instant until = Instant.now().plus(Duration.ofMinutes(10));
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    CountDownLatch start = new CountDownLatch(1);
    AtomicBoolean revoking = new AtomicBoolean(true);
    List<Future<?>> done = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < each; i++) {
            a.revocations().revokeToken("t" + thread + "-" + i, until);
          }
          return null;
        }));
      }
      // Both processes take up and write revocations all along (the watchers do too, every second).
      Future<?> syncing = pool.submit(() -> {
        start.await();
        while (revoking.get()) {
          a.syncRevocations();
          b.syncRevocations();
        }
        return null;
      });
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
      revoking.set(false);
      syncing.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    a.syncRevocations();
    b.syncRevocations();

    assertThat(inA.of(Kind.REVOKED)).hasSize(threads * each);
    assertThat(inA.events).extracting(e -> e.credentialId().orElseThrow()).doesNotHaveDuplicates();
    assertThat(inB.events).isEmpty();
    assertThat(b.revocations().revokedTokens()).hasSize(threads * each);
  }

  @Test
  void revokeWhenNoAuditSinkThenRevokedAndNothingRecorded() {
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).clock(clock).build();

    authority.revocations().revokeToken("token-1");
    authority.revokeSpiffeId(ORDERS, clock.instant());

    assertThat(authority.revocations().isTokenRevoked("token-1")).isTrue();
    assertThat(authority.revocations().isSubjectRevoked(ORDERS, null)).isTrue();
  }
}

package dev.lanyard.authority;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.audit.AuditEvent;
import dev.lanyard.audit.AuditSink;
import dev.lanyard.audit.AuthorityEvent;
import dev.lanyard.audit.AuthorityEvent.Kind;
import dev.lanyard.authority.KeyLifecycleTest.FakeKey;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.MutableClock;
import dev.lanyard.testing.SecretFragments;
import dev.lanyard.x509.X509Svid;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issuance and key-change audit: the ring diff on fake keys, and the events of a real authority. */
class AuthorityAuditTest {
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private static final TrustDomain TD = TrustDomain.of("example.org");
  private static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");

  /** Collects authority events. */
  static final class Recorder implements AuditSink {
    final List<AuthorityEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void record(AuditEvent event) {
    }

    @Override
    public void recordAuthority(AuthorityEvent event) {
      events.add(event);
    }

    List<AuthorityEvent> of(Kind kind) {
      return events.stream().filter(e -> e.kind() == kind).collect(Collectors.toList());
    }
  }

  private static FakeKey key(String id, Instant activated, Instant retired, boolean tainted) {
    return new FakeKey(id, T0, T0.plus(Duration.ofHours(6)), activated, retired, tainted);
  }

  private static KeyRing<FakeKey> ring(FakeKey... keys) {
    return new KeyRing<>(List.of(keys));
  }

  @Test
  void changesWhenPreparedKeyActivatedThenActivatedNamesTheKeyItReplaces() {
    Instant now = T0.plus(Duration.ofHours(5));
    KeyRing<FakeKey> before = ring(key("a", T0, null, false), key("b", null, null, false));
    KeyRing<FakeKey> after = ring(key("a", T0, now, false), key("b", now, null, false));

    List<AuthorityEvent> events = AuthorityAudit.changes("example.org", SigningKey.Kind.JWT, before, after, now, null);

    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.kind()).isEqualTo(Kind.KEY_ACTIVATED);
      assertThat(e.keyId()).contains("b");
      assertThat(e.time()).isEqualTo(now);
      assertThat(e.detail().orElseThrow()).startsWith("signs from now; replaces a");
    });
  }

  @Test
  void changesWhenKeyAddedTaintedOrGoneThenPreparedTaintedRetiredAndRevoked() {
    Instant now = T0.plus(Duration.ofHours(3));
    KeyRing<FakeKey> before = ring(key("old", T0, T0, false), key("gone", T0, T0, false), key("a", T0, null, false));
    KeyRing<FakeKey> after = ring(key("a", T0, null, true), key("new", null, null, false));

    List<AuthorityEvent> events = AuthorityAudit.changes("example.org", SigningKey.Kind.X509_CA, before, after, now,
        "gone");

    assertThat(events).extracting(AuthorityEvent::kind, e -> e.keyId().orElseThrow())
        .containsExactly(org.assertj.core.groups.Tuple.tuple(Kind.CA_TAINTED, "a"),
            org.assertj.core.groups.Tuple.tuple(Kind.CA_PREPARED, "new"),
            org.assertj.core.groups.Tuple.tuple(Kind.CA_RETIRED, "old"),
            org.assertj.core.groups.Tuple.tuple(Kind.REVOKED, "gone"));
  }

  @Test
  void changesWhenRingUnchangedThenNone() {
    KeyRing<FakeKey> ring = ring(key("a", T0, null, false));
    assertThat(AuthorityAudit.changes("example.org", SigningKey.Kind.JWT, ring, ring, T0, null)).isEmpty();
  }

  @Test
  void mintWhenAuditedThenOneEventWithEveryFieldAndNoSecret() {
    MutableClock clock = new MutableClock(T0);
    Recorder sink = new Recorder();
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).clock(clock).auditSink(sink).build();
    assertThat(sink.of(Kind.KEY_ACTIVATED)).singleElement()
        .satisfies(e -> assertThat(e.detail()).contains("generated and signing at once"));
    assertThat(sink.of(Kind.CA_ACTIVATED)).hasSize(1);
    sink.events.clear();

    JwtSvid svid = authority.mint(ORDERS, List.of("payments"), List.of("orders:read"), Duration.ofHours(3));

    assertThat(sink.events).singleElement().satisfies(e -> {
      assertThat(e.kind()).isEqualTo(Kind.JWT_SVID_MINTED);
      assertThat(e.time()).isEqualTo(T0);
      assertThat(e.trustDomain()).isEqualTo("example.org");
      assertThat(e.subject()).contains(ORDERS.toString());
      assertThat(e.audience()).containsExactly("payments");
      assertThat(e.scopes()).containsExactly("orders:read");
      assertThat(e.ttl()).contains(Duration.ofHours(1));
      assertThat(e.keyId()).contains(svid.keyId());
      assertThat(e.credentialId()).contains(svid.tokenId());
      assertThat(e.detail()).contains("TTL PT3H asked for, shortened to the authority's maximum PT1H");
    });
    SecretFragments secrets = new SecretFragments();
    secrets.token(svid.token());
    secrets.assertAbsentFrom("authority events", sink.events.toString());
  }

  @Test
  void issueWhenAuditedThenOneEventWithSerialAndCaId() {
    MutableClock clock = new MutableClock(T0);
    Recorder sink = new Recorder();
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).clock(clock).auditSink(sink).build();
    sink.events.clear();

    X509Svid svid = authority.issueX509Svid(ORDERS, Duration.ofMinutes(30), List.of("orders.example.org"));

    assertThat(sink.events).singleElement().satisfies(e -> {
      assertThat(e.kind()).isEqualTo(Kind.X509_SVID_ISSUED);
      assertThat(e.subject()).contains(ORDERS.toString());
      assertThat(e.ttl()).contains(Duration.ofMinutes(30));
      assertThat(e.keyId()).contains(authority.x509Cas().get(0).id());
      assertThat(e.credentialId()).contains(svid.serial());
      assertThat(e.detail().orElseThrow()).contains("orders.example.org");
    });
    SecretFragments secrets = new SecretFragments();
    secrets.privateKey(svid.privateKey());
    secrets.assertAbsentFrom("authority events", sink.events.toString());
  }

  @Test
  void keyChangesWhenManualThenEachKindOnce() {
    MutableClock clock = new MutableClock(T0);
    Recorder sink = new Recorder();
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).clock(clock).auditSink(sink).build();
    String first = authority.jwtKeys().get(0).keyId();
    sink.events.clear();

    String second = authority.prepareJwtKey().keyId();
    authority.activateJwtKey();
    authority.taintJwtKey(first);
    authority.revokeJwtKey(first);
    authority.revokeJwtSvid("token-1", T0.plus(Duration.ofMinutes(5)));
    authority.revokeSpiffeId(ORDERS, T0);

    assertThat(sink.events).extracting(AuthorityEvent::kind).containsExactly(Kind.KEY_PREPARED,
        Kind.KEY_ACTIVATED, Kind.KEY_TAINTED, Kind.REVOKED, Kind.REVOKED, Kind.REVOKED);
    assertThat(sink.events.get(0).keyId()).contains(second);
    assertThat(sink.events.get(1).keyId()).contains(second);
    assertThat(sink.events.get(1).detail().orElseThrow()).contains("replaces " + first);
    assertThat(sink.events.get(2).keyId()).contains(first);
    assertThat(sink.events.get(3).keyId()).contains(first);
    assertThat(sink.events.get(4).credentialId()).contains("token-1");
    assertThat(sink.events.get(5).subject()).contains(ORDERS.toString());
    assertThat(authority.revocations().isTokenRevoked("token-1")).isTrue();
  }

  @Test
  void maintainWhenScheduledStepsDueThenPreparedActivatedRetiredEachOnce() {
    MutableClock clock = new MutableClock(T0);
    Recorder sink = new Recorder();
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).clock(clock).auditSink(sink).build();
    String first = authority.jwtKeys().get(0).keyId();
    sink.events.clear();

    clock.advance(Duration.ofHours(12));
    authority.maintain();
    clock.advance(Duration.ofHours(8));
    authority.maintain();
    clock.advance(Duration.ofHours(2));
    authority.maintain();

    assertThat(sink.of(Kind.KEY_PREPARED)).hasSize(1);
    assertThat(sink.of(Kind.KEY_ACTIVATED)).singleElement()
        .satisfies(e -> assertThat(e.detail().orElseThrow()).contains("replaces " + first));
    assertThat(sink.of(Kind.KEY_RETIRED)).singleElement()
        .satisfies(e -> assertThat(e.keyId()).contains(first));
  }

  @Test
  void reloadWhenAnotherInstanceChangedTheDirectoryThenObserverRecordsNothing(@TempDir Path dir) {
    Recorder changer = new Recorder();
    Recorder observer = new Recorder();
    EmbeddedAuthority first = EmbeddedAuthority.newBuilder(TD).directory(dir.resolve("a")).auditSink(changer)
        .build();
    EmbeddedAuthority second = EmbeddedAuthority.open(dir.resolve("a"), java.time.Clock.systemUTC(), observer);
    changer.events.clear();
    observer.events.clear();

    String prepared = first.prepareJwtKey().keyId();
    second.reloadIfChanged();

    assertThat(second.jwtKeys()).extracting(AuthorityKey::keyId).contains(prepared);
    assertThat(changer.of(Kind.KEY_PREPARED)).hasSize(1);
    assertThat(observer.events).isEmpty();
  }

  @Test
  void mintWhenSinkThrowsThenTokenStillMinted() {
    AuditSink failing = new AuditSink() {
      @Override
      public void record(AuditEvent event) {
      }

      @Override
      public void recordAuthority(AuthorityEvent event) {
        throw new IllegalStateException("sink down");
      }
    };
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).clock(new MutableClock(T0)).auditSink(failing)
        .build();

    JwtSvid svid = authority.mintJwtSvid(ORDERS, "payments");
    X509Svid x509 = authority.issueX509Svid(ORDERS);

    assertThat(svid.subject()).isEqualTo(ORDERS);
    assertThat(x509.spiffeId()).isEqualTo(ORDERS);
    assertThat(authority.rotateJwtKey().state()).isEqualTo(KeyState.PREPARED);
  }
}

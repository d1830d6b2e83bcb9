package dev.lanyard.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** Tests {@link AuditRing}: bounded, newest last, overwrites counted, both kinds kept apart, safe under contention. */
class AuditRingTest {
  private static AuditEvent event(int n) {
    return AuditEvent.newBuilder(Instant.EPOCH.plusSeconds(n), AuditEvent.Decision.ALLOWED).tokenId("t" + n).build();
  }

  private static AuthorityEvent change(int n) {
    return AuthorityEvent.newBuilder(Instant.EPOCH.plusSeconds(n), AuthorityEvent.Kind.KEY_ACTIVATED, "example.org")
        .keyId("k" + n).build();
  }

  @Test
  void eventsWhenFewerThanCapacityThenAllInOrderAndNoneDropped() {
    AuditRing ring = AuditRing.withCapacity(4);
    ring.record(event(1));
    ring.record(event(2));

    assertThat(ring.events()).extracting(e -> e.tokenId().orElseThrow()).containsExactly("t1", "t2");
    assertThat(ring.dropped()).isZero();
    assertThat(ring.capacity()).isEqualTo(4);
  }

  @Test
  void eventsWhenMoreThanCapacityThenLastNNewestLastAndOverwrittenCounted() {
    AuditRing ring = AuditRing.withCapacity(3);
    for (int i = 1; i <= 10; i++) {
      ring.record(event(i));
    }

    assertThat(ring.events()).extracting(e -> e.tokenId().orElseThrow()).containsExactly("t8", "t9", "t10");
    assertThat(ring.dropped()).isEqualTo(7);
  }

  @Test
  void recordAuthorityWhenDecisionsFloodThenAuthorityEventsKeptInTheirOwnRing() {
    AuditRing ring = AuditRing.withCapacity(2);
    ring.recordAuthority(change(1));
    for (int i = 0; i < 100; i++) {
      ring.record(event(i));
    }
    ring.recordAuthority(change(2));
    ring.recordAuthority(change(3));

    assertThat(ring.authorityEvents()).extracting(e -> e.keyId().orElseThrow()).containsExactly("k2", "k3");
    assertThat(ring.authorityDropped()).isEqualTo(1);
    assertThat(ring.dropped()).isEqualTo(98);
  }

  @Test
  void createWhenDefaultThenCapacityIsOneThousand() {
    assertThat(AuditRing.create().capacity()).isEqualTo(AuditRing.DEFAULT_CAPACITY).isEqualTo(1000);
  }

  @Test
  void withCapacityWhenOutOfRangeThenRejectedNamingTheSize() {
    assertThatThrownBy(() -> AuditRing.withCapacity(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("audit ring size").hasMessageContaining("not 0");
    assertThatThrownBy(() -> AuditRing.withCapacity(AuditRing.MAX_CAPACITY + 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void recordWhenEightThreadsRecordConcurrentlyThenRingHoldsLastCapacityDistinctEventsAndCountsExact()
      throws Exception {
    int threads = 8;
    int perThread = 5_000;
    AuditRing ring = AuditRing.withCapacity(500);
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int base = t * perThread;
      Thread worker = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int i = 0; i < perThread; i++) {
          ring.record(event(base + i));
        }
      });
      worker.start();
      workers.add(worker);
    }
    start.countDown();
    for (Thread worker : workers) {
      worker.join();
    }

    List<AuditEvent> events = ring.events();
    assertThat(events).hasSize(500);
    Set<String> ids = new HashSet<>();
    events.forEach(e -> ids.add(e.tokenId().orElseThrow()));
    assertThat(ids).hasSize(500);
    assertThat(ring.dropped()).isEqualTo((long) threads * perThread - 500);
  }

  @Test
  void toStringWhenEventsHeldThenMetadataOnly() {
    AuditRing ring = AuditRing.withCapacity(2);
    ring.record(event(1));

    assertThat(ring.toString()).isEqualTo("AuditRing[capacity=2, dropped=0, authorityDropped=0]");
  }
}

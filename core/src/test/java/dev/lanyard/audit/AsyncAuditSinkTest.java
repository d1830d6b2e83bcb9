package dev.lanyard.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.testing.Stderr;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Tests {@link AsyncAuditSink} ({@link AuditSink#async}): delivery in order on another thread, a bounded queue whose
 * overflow is dropped and counted, and a delegate that blocks or throws never reaching the recording thread.
 */
class AsyncAuditSinkTest {
  private static AuditEvent event(int n) {
    return AuditEvent.newBuilder(Instant.EPOCH.plusSeconds(n), AuditEvent.Decision.DENIED).tokenId("t" + n).build();
  }

  @Test
  void recordWhenDelegateIsARingThenEveryEventDeliveredInOrderOnADaemonThread() {
    AuditRing ring = AuditRing.withCapacity(100);
    Thread[] deliveredOn = new Thread[1];
    AuditSink recordingThread = event -> deliveredOn[0] = Thread.currentThread();
    try (AsyncAuditSink sink = AuditSink.async(ring.andThen(recordingThread), 16)) {
      for (int i = 0; i < 10; i++) {
        sink.record(event(i));
      }
      sink.recordAuthority(AuthorityEvent.newBuilder(Instant.EPOCH, AuthorityEvent.Kind.CA_ACTIVATED, "example.org")
          .build());

      assertThat(sink.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(ring.events()).extracting(e -> e.tokenId().orElseThrow())
          .containsExactly("t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9");
      assertThat(ring.authorityEvents()).extracting(AuthorityEvent::kind)
          .containsExactly(AuthorityEvent.Kind.CA_ACTIVATED);
      assertThat(deliveredOn[0]).isNotSameAs(Thread.currentThread());
      assertThat(deliveredOn[0].isDaemon()).isTrue();
      assertThat(sink.dropped()).isZero();
    }
  }

  @Test
  void recordWhenDelegateBlocksThenCallerNeverWaitsAndOverflowIsDroppedCountedAndWarnedOnceByTheAuditThread()
      throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch firstTaken = new CountDownLatch(1);
    AuditRing ring = AuditRing.withCapacity(100);
    AuditSink blocking = event -> {
      firstTaken.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ring.record(event);
    };
    long[] elapsed = new long[1];
    String recordingLog;
    String laterLog;
    AsyncAuditSink sink = AuditSink.async(blocking, 4);
    try {
      sink.record(event(0));
      assertThat(firstTaken.await(10, TimeUnit.SECONDS)).isTrue();
      recordingLog = Stderr.captureStderr(() -> {
        long start = System.nanoTime();
        for (int i = 1; i <= 1000; i++) {
          sink.record(event(i));
        }
        elapsed[0] = System.nanoTime() - start;
      });

      assertThat(sink.dropped()).as("4 queued behind the blocked one, the rest dropped").isEqualTo(1000 - 4);
      laterLog = Stderr.captureStderr(() -> {
        release.countDown();
        assertThat(sink.flush(Duration.ofSeconds(10))).isTrue();
        sink.close();
      });
      assertThat(ring.events()).extracting(e -> e.tokenId().orElseThrow())
          .containsExactly("t0", "t1", "t2", "t3", "t4");
    } finally {
      sink.close();
    }
    assertThat(TimeUnit.NANOSECONDS.toSeconds(elapsed[0])).as("1000 records while the delegate blocks").isLessThan(2);
    assertThat(recordingLog).as("the recording thread never logs").doesNotContain("audit events dropped");
    assertThat(laterLog.lines().filter(l -> l.contains("audit events dropped"))).as("one warning per minute")
        .singleElement().satisfies(line -> assertThat(line).contains("[lanyard-audit]").contains(" WARN ")
            .contains("dev.lanyard.audit.AsyncAuditSink").contains("996 dropped so far"));
  }

  @Test
  void closeWhenRecordsCameAfterItThenASecondCloseWarnsOfThemOnTheClosingThread() throws Exception {
    AsyncAuditSink sink = AuditSink.async(AuditRing.withCapacity(10), 8);
    sink.close();
    String log = Stderr.captureStderr(() -> {
      sink.record(event(1));
      sink.record(event(2));
      sink.close();
    });

    assertThat(sink.dropped()).isEqualTo(2);
    assertThat(log.lines().filter(l -> l.contains("audit events dropped"))).singleElement()
        .satisfies(line -> assertThat(line).contains("2 dropped so far").doesNotContain("[lanyard-audit]"));
  }

  @Test
  void recordWhenDelegateThrowsThenCallerUnaffectedFailureCountedAndDeliveryGoesOn() throws Exception {
    AuditRing ring = AuditRing.withCapacity(100);
    AuditSink throwing = event -> {
      if (event.tokenId().orElseThrow().equals("t1")) {
        throw new IllegalStateException("secret-looking detail that must not be logged");
      }
      ring.record(event);
    };
    String log;
    try (AsyncAuditSink sink = AuditSink.async(throwing, 8)) {
      log = Stderr.captureStderr(() -> {
        for (int i = 0; i < 3; i++) {
          sink.record(event(i));
        }
        assertThat(sink.flush(Duration.ofSeconds(10))).isTrue();
      });

      assertThat(sink.failed()).isEqualTo(1);
      assertThat(sink.dropped()).isZero();
    }
    assertThat(ring.events()).extracting(e -> e.tokenId().orElseThrow()).containsExactly("t0", "t2");
    assertThat(log).contains("java.lang.IllegalStateException").doesNotContain("secret-looking detail");
  }

  @Test
  void closeWhenEventsQueuedThenDeliveredAndLaterRecordsDroppedAndCounted() {
    AuditRing ring = AuditRing.withCapacity(100);
    AsyncAuditSink sink = AuditSink.async(ring, 64);
    for (int i = 0; i < 50; i++) {
      sink.record(event(i));
    }

    sink.close();
    sink.record(event(99));
    sink.close();

    assertThat(ring.events()).hasSize(50);
    assertThat(sink.dropped()).isEqualTo(1);
  }

  @Test
  void asyncWhenCapacityOutOfRangeThenRejected() {
    assertThatThrownBy(() -> AuditSink.async(AuditSink.none(), 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("audit queue capacity");
    assertThatThrownBy(() -> AuditSink.async(AuditSink.none(), AsyncAuditSink.MAX_CAPACITY + 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.audit.AuditEvent;
import dev.lanyard.audit.AuditSink;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AuditCountersTest {
  private final AuditCounters counters = new AuditCounters();
  private final AuditSink sink = counters.sink();

  private void record(AuditEvent.Decision decision, String reason) {
    sink.record(AuditEvent.newBuilder(Instant.EPOCH, decision).reason(reason).build());
  }

  @Test
  void recordWhenDecisionsThenAcceptedByDecisionAndRejectedByReason() {
    record(AuditEvent.Decision.ALLOWED, null);
    record(AuditEvent.Decision.ALLOWED, null);
    record(AuditEvent.Decision.PUBLIC, null);
    record(AuditEvent.Decision.REJECTED, "EXPIRED");
    record(AuditEvent.Decision.REJECTED, "EXPIRED");
    record(AuditEvent.Decision.REJECTED, "UNTRUSTED_CHAIN");
    record(AuditEvent.Decision.INSUFFICIENT_SCOPE, "missing payments:charge");
    record(AuditEvent.Decision.DENIED, "NO_RULE_ALLOWS_CALLER");
    record(AuditEvent.Decision.UNAVAILABLE, "BUNDLE_UNAVAILABLE");
    assertThat(counters.accepted()).containsExactly(java.util.Map.entry("ALLOWED", 2L),
        java.util.Map.entry("PUBLIC", 1L));
    assertThat(counters.rejected()).containsEntry("EXPIRED", 2L).containsEntry("UNTRUSTED_CHAIN", 1L)
        .containsEntry("INSUFFICIENT_SCOPE", 1L).containsEntry("DENIED", 1L).containsEntry("UNAVAILABLE", 1L)
        .hasSize(5);
  }

  @Test
  void recordWhenReasonIsNotAnUpperCaseNameThenCountedAsOther() {
    record(AuditEvent.Decision.REJECTED, "eyJhbGciOi.token-looking text");
    record(AuditEvent.Decision.REJECTED, null);
    assertThat(counters.rejected()).containsOnlyKeys("OTHER").containsEntry("OTHER", 2L);
  }

  @Test
  void recordWhenManyDistinctReasonsThenKeysBounded() {
    for (int i = 0; i < 1000; i++) {
      record(AuditEvent.Decision.REJECTED, "R" + i);
    }
    assertThat(counters.rejected().size()).isLessThanOrEqualTo(AuditCounters.MAX_KEYS + 1);
    assertThat(counters.rejected().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(1000);
  }
}

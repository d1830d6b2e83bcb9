package dev.lanyard.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AuditSummaryTest {
  @Test
  void ofWhenLinesOfEveryKindThenCountsDecisionsAndReasonsOfRefusals() {
    AuditSummary summary = AuditSummary.of(List.of(
        "{\"time\":\"t\",\"decision\":\"ALLOWED\",\"caller\":\"spiffe://example.org/orders\",\"callerVerified\":true}",
        "{\"time\":\"t\",\"decision\":\"ALLOWED\",\"caller\":\"spiffe://example.org/orders\",\"callerVerified\":true}",
        "{\"time\":\"t\",\"decision\":\"REJECTED\",\"reason\":\"EXPIRED\",\"callerVerified\":false}",
        "{\"time\":\"t\",\"decision\":\"REJECTED\",\"reason\":\"BAD_SIGNATURE\",\"callerVerified\":false}",
        "{\"time\":\"t\",\"decision\":\"UNAUTHENTICATED\",\"callerVerified\":false}",
        "{\"time\":\"t\",\"decision\":\"INSUFFICIENT_SCOPE\",\"reason\":\"missing payments:charge\"}",
        "",
        "not json"));

    assertThat(summary.total()).isEqualTo(6);
    assertThat(summary.count("ALLOWED")).isEqualTo(2);
    assertThat(summary.count("REJECTED")).isEqualTo(2);
    assertThat(summary.hasReason("EXPIRED")).isTrue();
    assertThat(summary.hasReason("REVOKED")).isFalse();
    assertThat(summary.describe()).isEqualTo("6 decisions, ALLOWED 2, INSUFFICIENT_SCOPE 1, REJECTED 2,"
        + " UNAUTHENTICATED 1; reasons: BAD_SIGNATURE=1 EXPIRED=1 'missing payments:charge'=1; 1 unreadable lines");
    assertThat(summary.samples(2)).hasSize(2).allSatisfy(line -> assertThat(line).contains("REJECTED"));
  }

  @Test
  void ofWhenAuthorityEventsOnTheSameLoggerThenCountedByKindNotAsDecisions() {
    AuditSummary summary = AuditSummary.of(List.of(
        "{\"time\":\"2026-12-06T02:47:55Z\",\"event\":\"jwt_svid_minted\",\"trustDomain\":\"example.org\","
            + "\"subject\":\"spiffe://example.org/orders\",\"audience\":[\"spiffe://example.org/payments\"]}",
        "{\"time\":\"2026-12-06T02:47:56Z\",\"event\":\"x509_svid_issued\",\"trustDomain\":\"example.org\"}",
        "{\"time\":\"2026-12-06T02:47:57Z\",\"event\":\"x509_svid_issued\",\"trustDomain\":\"example.org\"}",
        "{\"time\":\"t\",\"decision\":\"PUBLIC\",\"method\":\"GET\",\"path\":\"/ready\"}",
        // A decision whose path claims to be an event is still a decision.
        "{\"time\":\"t\",\"decision\":\"PUBLIC\",\"path\":\"/x\\\",\\\"event\\\":\\\"key_revoked\"}"));

    assertThat(summary.total()).isEqualTo(2);
    assertThat(summary.events("jwt_svid_minted")).isEqualTo(1);
    assertThat(summary.events("x509_svid_issued")).isEqualTo(2);
    assertThat(summary.events("key_revoked")).isZero();
    assertThat(summary.describe())
        .isEqualTo("2 decisions, PUBLIC 2; authority events: jwt_svid_minted=1 x509_svid_issued=2");
  }

  @Test
  void ofWhenNoLinesThenEmpty() {
    AuditSummary summary = AuditSummary.of(List.of());

    assertThat(summary.total()).isZero();
    assertThat(summary.samples(3)).isEmpty();
    assertThat(summary.describe()).isEqualTo("0 decisions");
  }
}

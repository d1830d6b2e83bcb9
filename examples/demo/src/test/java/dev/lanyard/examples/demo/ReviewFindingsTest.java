package dev.lanyard.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.graph.Finding;
import dev.lanyard.graph.PolicyReview;
import dev.lanyard.graph.TrustGraph;
import dev.lanyard.policy.Policy;
import dev.lanyard.policy.PolicyRule;
import dev.lanyard.spiffe.SpiffeId;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReviewFindingsTest {
  private static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  private static final SpiffeId REPORTS = SpiffeId.parse("spiffe://example.org/reports");
  private static final SpiffeId PAYMENTS = SpiffeId.parse("spiffe://example.org/payments");
  private static final SpiffeId OPS = SpiffeId.parse("spiffe://example.org/ops");

  /** What {@code lanyard policy review --json} prints for these findings (GovernanceCommands.print). */
  private static String cliJson(List<Finding> findings) {
    StringBuilder sb = new StringBuilder("{\"findings\":[");
    for (int i = 0; i < findings.size(); i++) {
      sb.append(i == 0 ? "" : ",").append(findings.get(i).toJson());
    }
    return sb.append("],\"count\":").append(findings.size()).append("}\n").toString();
  }

  @Test
  void parseWhenPaymentsStoryReviewedThenDeniedCallersAndUnseenCallerRead() {
    Policy policy = Policy.parse("GET /ready public\n"
        + "POST /charge spiffe://example.org/orders,spiffe://example.org/ledger payments:charge\n"
        + "GET /lanyard/graph spiffe://example.org/ops\n", "payments-policy.txt");
    PolicyRule charge = policy.rules().get(1);
    PolicyRule graphRule = policy.rules().get(2);
    TrustGraph graph = TrustGraph.newBuilder(PAYMENTS).build();
    for (int i = 0; i < 3; i++) {
      graph.record(ORDERS, charge, Set.of("payments:charge"), null);
    }
    graph.record(ORDERS, charge, Set.of(), TrustGraph.INSUFFICIENT_SCOPE);
    // As LanyardFilter records a caller no rule allows: no deciding rule, reason NOT_ALLOWED.
    graph.record(REPORTS, null, Set.of("payments:charge"), TrustGraph.NOT_ALLOWED);
    graph.record(OPS, graphRule, Set.of(), null);

    ReviewFindings findings = ReviewFindings.parse(cliJson(PolicyReview.review(policy, graph.snapshot())));

    assertThat(findings.all()).extracting(ReviewFindings.Finding::kind)
        .containsExactlyInAnyOrder("CALLER_UNSEEN", "SCOPE_UNUSED", "DENIED_MISSING_GRANT", "DENIED_MISSING_GRANT");
    assertThat(findings.ofKind("SCOPE_UNUSED")).singleElement().satisfies(f -> {
      assertThat(f.caller()).isEqualTo(REPORTS.toString());
      assertThat(f.scope()).isEqualTo("payments:charge");
      assertThat(f.rule()).isEmpty();
    });
    assertThat(findings.has("CALLER_UNSEEN", "spiffe://example.org/ledger", "POST /charge", 0)).isTrue();
    assertThat(findings.has("DENIED_MISSING_GRANT", ORDERS.toString(), "", 1)).isTrue();
    assertThat(findings.has("DENIED_MISSING_GRANT", REPORTS.toString(), "", 1)).isTrue();
    assertThat(findings.has("DENIED_MISSING_GRANT", REPORTS.toString(), "", 2)).isFalse();
    assertThat(findings.ofKind("CALLER_UNSEEN").get(0).describe("spiffe://example.org/"))
        .startsWith("CALLER_UNSEEN").contains("allows ledger").doesNotContain("spiffe://");
  }

  @Test
  void parseWhenNoFindingsThenEmpty() {
    assertThat(ReviewFindings.parse("{\"findings\":[],\"count\":0}\n").all()).isEmpty();
  }

  @Test
  void parseWhenMessageQuotesAnotherFindingThenNotReadAsOne() {
    String json = "{\"findings\":[{\"kind\":\"DENIED_OTHER\",\"caller\":\"spiffe://example.org/x\",\"count\":2,"
        + "\"message\":\"quoted {\\\"kind\\\":\\\"RULE_UNUSED\\\",\\\"count\\\":9}\"}],\"count\":1}";

    ReviewFindings findings = ReviewFindings.parse(json);

    assertThat(findings.all()).singleElement().satisfies(f -> {
      assertThat(f.kind()).isEqualTo("DENIED_OTHER");
      assertThat(f.count()).isEqualTo(2);
      assertThat(f.message()).isEqualTo("quoted {\"kind\":\"RULE_UNUSED\",\"count\":9}");
    });
  }

  @Test
  void parseWhenTextOutputOrCountDisagreesThenRejected() {
    assertThatThrownBy(() -> ReviewFindings.parse("policy review of p.txt: 0 findings"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not the output of policy review");
    assertThatThrownBy(() -> ReviewFindings.parse("{\"findings\":[],\"count\":1}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("read 0 findings");
  }
}

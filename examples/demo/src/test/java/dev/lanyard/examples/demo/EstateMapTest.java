package dev.lanyard.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.graph.GraphSnapshot;
import dev.lanyard.graph.TrustGraph;
import dev.lanyard.policy.Policy;
import dev.lanyard.spiffe.SpiffeId;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EstateMapTest {
  private static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  private static final SpiffeId PAYMENTS = SpiffeId.parse("spiffe://example.org/payments");
  private static final SpiffeId LEDGER = SpiffeId.parse("spiffe://example.org/ledger");

  private static EstateMap estate() {
    Policy payments = Policy.parse("POST /charge spiffe://example.org/orders payments:charge\n", "payments.txt");
    Policy ledger = Policy.parse("POST /entries spiffe://example.org/payments ledger:write\n"
        + "GET /entries spiffe://example.org/orders ledger:read\n", "ledger.txt");
    TrustGraph p = TrustGraph.newBuilder(PAYMENTS).build();
    TrustGraph l = TrustGraph.newBuilder(LEDGER).build();
    for (int i = 0; i < 5; i++) {
      p.record(ORDERS, payments.rules().get(0), Set.of("payments:charge"), null);
      l.record(PAYMENTS, ledger.rules().get(0), Set.of("ledger:write"), null);
    }
    p.record(ORDERS, payments.rules().get(0), Set.of(), TrustGraph.INSUFFICIENT_SCOPE);
    l.record(ORDERS, ledger.rules().get(1), Set.of("ledger:read"), null);
    p.record(SpiffeId.parse("spiffe://example.org/reports"), null, Set.of(), TrustGraph.NOT_ALLOWED);
    // As the demo reads it: each service's graph, merged (what lanyard graph merge writes), as JSON.
    String merged = GraphSnapshot.merge(List.of(p.snapshot(), l.snapshot())).toJson();
    return EstateMap.parse(merged);
  }

  @Test
  void allowedWhenEdgesMergedThenCountsPerCallerCalleeAndRule() {
    EstateMap map = estate();

    assertThat(map.allowed(ORDERS, PAYMENTS, "POST", "/charge")).isEqualTo(5);
    assertThat(map.denials(ORDERS, PAYMENTS, "POST", "/charge")).isEqualTo(Map.of("INSUFFICIENT_SCOPE", 1L));
    assertThat(map.allowed(PAYMENTS, LEDGER, "POST", "/entries")).isEqualTo(5);
    assertThat(map.allowed(ORDERS, LEDGER, "GET", "/entries")).isEqualTo(1);
    assertThat(map.graph().nodes()).containsExactlyInAnyOrder(ORDERS, PAYMENTS, LEDGER,
        SpiffeId.parse("spiffe://example.org/reports"));
  }

  @Test
  void allowedWhenEdgeNotSeenThenZeroAndNoDenials() {
    EstateMap map = estate();

    assertThat(map.allowed(LEDGER, PAYMENTS, "POST", "/charge")).isZero();
    assertThat(map.allowed(ORDERS, PAYMENTS, "GET", "/charge")).isZero();
    assertThat(map.denials(PAYMENTS, LEDGER, "GET", "/entries")).isEmpty();
  }

  @Test
  void denialsWhenNoRuleDecidedThenFoundByCallerAndCallee() {
    EstateMap map = estate();
    SpiffeId reports = SpiffeId.parse("spiffe://example.org/reports");

    assertThat(map.denials(reports, PAYMENTS, "POST", "/charge")).isEmpty();
    assertThat(map.denials(reports, PAYMENTS)).isEqualTo(Map.of("NOT_ALLOWED", 1L));
    assertThat(map.allowed(reports, PAYMENTS)).isZero();
    assertThat(map.allowed(ORDERS, PAYMENTS)).isEqualTo(5);
  }

  @Test
  void describeWhenDenialsThenOneShortLinePerEdge() {
    List<String> lines = estate().describe("spiffe://example.org/");

    assertThat(lines).hasSize(4);
    assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("reports -> payments").contains("(no rule)")
        .endsWith("denied NOT_ALLOWED 1"));
    assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("orders -> payments").contains("POST /charge")
        .contains("6 calls").contains("5 allowed").endsWith("denied INSUFFICIENT_SCOPE 1"));
    assertThat(lines).allSatisfy(line -> assertThat(line).doesNotContain("spiffe://"));
  }
}

package dev.lanyard.graph;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.inventory.Inventory;
import dev.lanyard.spiffe.SpiffeId;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InventoryReportTest {
  static final SpiffeId PAYMENTS = SpiffeId.parse("spiffe://example.org/payments");
  static final SpiffeId DEPLOYER = SpiffeId.parse("spiffe://example.org/ci/deployer");
  static final SpiffeId GHOST = SpiffeId.parse("spiffe://example.org/ghost");
  static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");

  @Test
  void reportWhenPreparedInventoryAndGraphThenEachFindingKind() throws Exception {
    Inventory inventory = Inventory.read(PolicyReviewTest.resource("inventory.json"));
    GraphSnapshot graph = new GraphSnapshot(T0, List.of(PAYMENTS), List.of(
        new GraphEdge(DEPLOYER, PAYMENTS, null, 4, 3, T0, T0, Set.of(), List.of(), Set.of(), Map.of("NO_RULE", 1L)),
        new GraphEdge(GHOST, PAYMENTS, null, 1, 1, T0, T0, Set.of(), List.of(), Set.of(), Map.of())), 0);

    List<Finding> findings = InventoryReport.report(inventory, List.of(graph), inventory.maxTtl().orElseThrow());

    assertThat(findings).extracting(f -> f.kind() + " " + f.caller().orElse("-") + " " + f.count()).containsExactly(
        "NO_OWNER spiffe://example.org/payments 0",
        "TTL_ABOVE_POLICY spiffe://example.org/payments 0",
        "DEPLOY_ONLY_CALLER spiffe://example.org/ci/deployer 4",
        "UNLISTED_ID spiffe://example.org/ghost 0");
  }

  @Test
  void reportWhenNoGraphAndLongerPolicyMaximumThenOnlyOwnerFindings() throws Exception {
    Inventory inventory = Inventory.read(PolicyReviewTest.resource("inventory.json"));
    assertThat(InventoryReport.report(inventory, List.of(), Duration.ofHours(24))).extracting(Finding::kind)
        .containsExactly(Finding.Kind.NO_OWNER);
  }
}

package dev.lanyard.graph;

import dev.lanyard.inventory.Inventory;
import dev.lanyard.inventory.InventoryEntry;
import dev.lanyard.spiffe.SpiffeId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Governance report of an identity inventory against observed graphs: identities without an owner, maximum TTLs above
 * the policy maximum, identities seen in a graph (as caller or callee) but not listed, and deploy-only identities
 * seen as callers (with their call count).
 *
 * <p>Thread-safe: stateless.
 */
public final class InventoryReport {
  private InventoryReport() {}

  /**
   * The findings: per inventory entry in file order ({@code NO_OWNER}, {@code TTL_ABOVE_POLICY}), then per identity
   * seen in the graphs, sorted ({@code UNLISTED_ID}, {@code DEPLOY_ONLY_CALLER}).
   *
   * @param policyMaxTtl the longest credential lifetime policy allows
   */
  public static List<Finding> report(Inventory inventory, Collection<GraphSnapshot> graphs, Duration policyMaxTtl) {
    Objects.requireNonNull(inventory, "inventory");
    Objects.requireNonNull(graphs, "graphs");
    Objects.requireNonNull(policyMaxTtl, "policyMaxTtl");
    List<Finding> out = new ArrayList<>();
    for (InventoryEntry e : inventory.entries()) {
      String id = e.id().toString();
      if (e.owner().isEmpty()) {
        out.add(new Finding(Finding.Kind.NO_OWNER, null, id, null, 0, id + " has no owner"));
      }
      if (e.maxTtl().isPresent() && e.maxTtl().get().compareTo(policyMaxTtl) > 0) {
        out.add(new Finding(Finding.Kind.TTL_ABOVE_POLICY, null, id, null, 0, id + " may hold credentials for "
            + e.maxTtl().get() + ", above the policy maximum of " + policyMaxTtl));
      }
    }
    Map<String, Long> callers = new TreeMap<>();
    Map<String, Boolean> seen = new TreeMap<>();
    for (GraphSnapshot g : graphs) {
      for (SpiffeId node : g.nodes()) {
        seen.put(node.toString(), Boolean.TRUE);
      }
      for (GraphEdge edge : g.edges()) {
        callers.merge(edge.caller().toString(), edge.calls(), Long::sum);
      }
    }
    for (String id : seen.keySet()) {
      SpiffeId spiffeId = SpiffeId.parse(id);
      if (!inventory.contains(spiffeId)) {
        out.add(new Finding(Finding.Kind.UNLISTED_ID, null, id, null, 0, id + " is seen in the graphs but not listed"
            + " in the inventory"));
      } else if (inventory.isDeployOnly(spiffeId) && callers.containsKey(id)) {
        out.add(new Finding(Finding.Kind.DEPLOY_ONLY_CALLER, null, id, null, callers.get(id), id + " is deploy-only"
            + " but made " + callers.get(id) + " call(s) as a caller"));
      }
    }
    return List.copyOf(out);
  }
}

package dev.lanyard.graph;

import dev.lanyard.internal.Text;
import dev.lanyard.policy.Policy;
import dev.lanyard.policy.PolicyRule;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Least-privilege review of a policy against an observed graph: rules no allowed call used, scopes callers presented
 * but never needed, callers a used rule names but never saw, denied attempts by caller (missing grants versus probing
 * paths no rule covers), and broad rules ({@code any}, {@code spiffe://td/*} callers, {@code **} paths).
 *
 * <p>A graph edge belongs to a policy rule when its {@link RuleRef} names the same source, line, methods and path, or
 * else, when exactly one rule has its methods and path, that rule (so a graph recorded from properties still matches
 * the same rules in a file). {@code public} rules need no caller and are skipped.
 *
 * <p>Thread-safe: stateless.
 */
public final class PolicyReview {
  private PolicyReview() {}

  /** The findings, in rule order first, then by caller. */
  public static List<Finding> review(Policy policy, GraphSnapshot graph) {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(graph, "graph");
    List<PolicyRule> rules = policy.rules();
    Map<Integer, List<GraphEdge>> byRule = new TreeMap<>();
    for (GraphEdge edge : graph.edges()) {
      if (edge.rule().isEmpty()) {
        continue;
      }
      int index = indexOf(rules, edge.rule().get());
      if (index >= 0) {
        byRule.computeIfAbsent(index, i -> new ArrayList<>()).add(edge);
      }
    }
    List<Finding> out = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      PolicyRule rule = rules.get(i);
      if (rule.isPublic()) {
        continue;
      }
      RuleRef ref = RuleRef.of(rule);
      String where = "rule " + Text.printable(ref.toString());
      if (rule.allowsAnyCaller()) {
        out.add(new Finding(Finding.Kind.BROAD_ANY_CALLER, ref, "any", null, 0,
            where + " lets in any verified caller; name the callers that need it"));
      }
      for (String td : new TreeSet<>(rule.callerTrustDomains().stream().map(TrustDomain::toString).toList())) {
        out.add(new Finding(Finding.Kind.BROAD_TRUST_DOMAIN_CALLER, ref, "spiffe://" + td + "/*", null, 0,
            where + " lets in every workload of " + td + "; name the callers that need it"));
      }
      if (rule.path().equals("/**") || rule.path().endsWith("/**")) {
        out.add(new Finding(Finding.Kind.BROAD_PATH, ref, null, null, 0,
            where + " covers every path under " + Text.printable(rule.path())));
      }
      List<GraphEdge> edges = byRule.getOrDefault(i, List.of());
      Set<SpiffeId> seen = new HashSet<>();
      for (GraphEdge e : edges) {
        if (e.allowed() > 0) {
          seen.add(e.caller());
        }
      }
      if (seen.isEmpty()) {
        out.add(new Finding(Finding.Kind.RULE_UNUSED, ref, null, null, 0,
            where + " allowed no call in the observed window; remove it if nothing needs it"));
        continue;
      }
      for (String caller : new TreeSet<>(rule.callers().stream().map(SpiffeId::toString).toList())) {
        if (!seen.contains(SpiffeId.parse(caller))) {
          out.add(new Finding(Finding.Kind.CALLER_UNSEEN, ref, caller, null, 0,
              where + " allows " + caller + ", which never called through it in the observed window"));
        }
      }
    }
    Map<String, Set<String>> presented = new TreeMap<>();
    Map<String, Set<String>> used = new TreeMap<>();
    Map<String, long[]> denied = new TreeMap<>(); // caller -> missing grant, probing, other
    for (GraphEdge e : graph.edges()) {
      String caller = e.caller().toString();
      presented.computeIfAbsent(caller, c -> new TreeSet<>()).addAll(e.scopesPresented());
      used.computeIfAbsent(caller, c -> new TreeSet<>()).addAll(e.scopesUsed());
      for (Map.Entry<String, Long> d : e.denials().entrySet()) {
        long[] counts = denied.computeIfAbsent(caller, c -> new long[3]);
        switch (d.getKey()) {
          case TrustGraph.NOT_ALLOWED:
          case TrustGraph.INSUFFICIENT_SCOPE:
            counts[0] += d.getValue();
            break;
          case TrustGraph.NO_RULE:
            counts[1] += d.getValue();
            break;
          default:
            counts[2] += d.getValue();
        }
      }
    }
    for (Map.Entry<String, Set<String>> p : presented.entrySet()) {
      for (String scope : p.getValue()) {
        if (!used.get(p.getKey()).contains(scope)) {
          out.add(new Finding(Finding.Kind.SCOPE_UNUSED, null, p.getKey(), scope, 0, p.getKey() + " presented scope "
              + Text.printable(scope) + " but no allowed call needed it; stop granting it"));
        }
      }
    }
    for (Map.Entry<String, long[]> d : denied.entrySet()) {
      long[] c = d.getValue();
      if (c[0] > 0) {
        out.add(new Finding(Finding.Kind.DENIED_MISSING_GRANT, null, d.getKey(), null, c[0], d.getKey() + " was denied "
            + c[0] + " time(s) by rules that cover the request but do not grant it (or lacking scopes)"));
      }
      if (c[1] > 0) {
        out.add(new Finding(Finding.Kind.DENIED_PROBING, null, d.getKey(), null, c[1], d.getKey() + " was denied "
            + c[1] + " time(s) on requests no rule covers (probing unknown paths)"));
      }
      if (c[2] > 0) {
        out.add(new Finding(Finding.Kind.DENIED_OTHER, null, d.getKey(), null, c[2], d.getKey() + " was denied "
            + c[2] + " time(s) for other reasons"));
      }
    }
    return List.copyOf(out);
  }

  private static int indexOf(List<PolicyRule> rules, RuleRef ref) {
    int candidate = -1;
    int matches = 0;
    for (int i = 0; i < rules.size(); i++) {
      PolicyRule rule = rules.get(i);
      if (ref.refersTo(rule)) {
        return i;
      }
      if (rule.path().equals(ref.path()) && new TreeSet<>(rule.methods()).equals(new TreeSet<>(ref.methods()))) {
        candidate = i;
        matches++;
      }
    }
    return matches == 1 ? candidate : -1;
  }
}

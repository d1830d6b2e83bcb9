package dev.lanyard.examples.demo;

import dev.lanyard.graph.GraphEdge;
import dev.lanyard.graph.GraphSnapshot;
import dev.lanyard.graph.RuleRef;
import dev.lanyard.spiffe.SpiffeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The estate map {@code lanyard graph merge} wrote (a {@code lanyard-graph/1} document), read back with core's
 * {@link GraphSnapshot#parseJson}: who called whom through which rule, how often, and the denials by reason, in short
 * lines, and the edges the demo checks against the calls it sent.
 *
 * <p>Immutable, so thread-safe.
 */
final class EstateMap {
  private final GraphSnapshot graph;

  private EstateMap(GraphSnapshot graph) {
    this.graph = graph;
  }

  /** Reads the merged graph document. */
  static EstateMap parse(String json) {
    return new EstateMap(GraphSnapshot.parseJson(json));
  }

  /** The graph as read. */
  GraphSnapshot graph() {
    return graph;
  }

  /** The edge of {@code caller} to {@code callee} through the rule with {@code method} and {@code path}, if seen. */
  Optional<GraphEdge> edge(SpiffeId caller, SpiffeId callee, String method, String path) {
    for (GraphEdge e : graph.edges()) {
      if (e.caller().equals(caller) && e.callee().equals(callee) && e.rule().isPresent()
          && e.rule().get().methods().contains(method) && e.rule().get().path().equals(path)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  /** The allowed calls of that edge, 0 when it was not seen. */
  long allowed(SpiffeId caller, SpiffeId callee, String method, String path) {
    return edge(caller, callee, method, path).map(GraphEdge::allowed).orElse(0L);
  }

  /** The denials of that edge by reason, empty when it was not seen. */
  Map<String, Long> denials(SpiffeId caller, SpiffeId callee, String method, String path) {
    return edge(caller, callee, method, path).map(GraphEdge::denials).orElse(Map.of());
  }

  /** The denials by reason of every edge of {@code caller} to {@code callee}, with a rule or none, summed. */
  Map<String, Long> denials(SpiffeId caller, SpiffeId callee) {
    Map<String, Long> all = new TreeMap<>();
    for (GraphEdge e : graph.edges()) {
      if (e.caller().equals(caller) && e.callee().equals(callee)) {
        e.denials().forEach((reason, n) -> all.merge(reason, n, Long::sum));
      }
    }
    return all;
  }

  /** The allowed calls of every edge of {@code caller} to {@code callee}, summed. */
  long allowed(SpiffeId caller, SpiffeId callee) {
    long all = 0;
    for (GraphEdge e : graph.edges()) {
      if (e.caller().equals(caller) && e.callee().equals(callee)) {
        all += e.allowed();
      }
    }
    return all;
  }

  /**
   * One line per edge: {@code orders -> payments  POST /charge  57 calls, 56 allowed, denied INSUFFICIENT_SCOPE 1},
   * SPIFFE IDs of {@code trustDomainPrefix} (e.g. {@code spiffe://example.org/}) shortened to their path.
   */
  List<String> describe(String trustDomainPrefix) {
    List<String> lines = new ArrayList<>();
    for (GraphEdge e : graph.edges()) {
      String rule = e.rule().map(EstateMap::rule).orElse("(no rule)");
      StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-22s %-30s %4d calls, %4d allowed",
          short_(e.caller(), trustDomainPrefix) + " -> " + short_(e.callee(), trustDomainPrefix), rule, e.calls(),
          e.allowed()));
      if (!e.denials().isEmpty()) {
        sb.append(", denied");
        e.denials().forEach((reason, n) -> sb.append(' ').append(reason).append(' ').append(n));
      }
      lines.add(sb.toString());
    }
    return lines;
  }

  private static String rule(RuleRef r) {
    return String.join(",", r.methods()) + " " + r.path();
  }

  private static String short_(SpiffeId id, String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    String s = id.toString();
    return s.startsWith(prefix) ? s.substring(prefix.length()) : s;
  }
}

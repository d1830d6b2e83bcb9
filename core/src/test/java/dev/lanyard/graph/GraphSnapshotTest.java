package dev.lanyard.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.spiffe.SpiffeId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class GraphSnapshotTest {
  static final SpiffeId PAYMENTS = SpiffeId.parse("spiffe://example.org/payments");
  static final SpiffeId LEDGER = SpiffeId.parse("spiffe://example.org/ledger");
  static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");
  static final RuleRef CHARGE = new RuleRef("policy.txt", 1, List.of("POST"), "/charge");
  /** A rule whose source and path try to break out of every export format. */
  static final RuleRef HOSTILE = new RuleRef("evil\"];\n\"spiffe://x/forged\" -> \"spiffe://x/y\";\r\n",
      7, List.of("GET"), "/a\"]-->|\"x\"| n9\n  n9[\"forged\"]\\");

  static GraphEdge edge(SpiffeId caller, SpiffeId callee, RuleRef rule, long calls, long allowed, Instant first,
      Instant last, Set<String> presented, Map<String, Long> denials) {
    return new GraphEdge(caller, callee, rule, calls, allowed, first, last, presented, List.of("payments:charge"),
        allowed > 0 ? Set.of("payments:charge") : Set.of(), denials);
  }

  static GraphSnapshot sample() {
    return new GraphSnapshot(T0.plusSeconds(60), List.of(PAYMENTS), List.of(
        edge(ORDERS, PAYMENTS, CHARGE, 10, 8, T0, T0.plusSeconds(30), Set.of("payments:charge"),
            Map.of("INSUFFICIENT_SCOPE", 2L)),
        new GraphEdge(LEDGER, PAYMENTS, null, 3, 0, T0, T0, Set.of(), List.of(), Set.of(),
            Map.of("NO_RULE", 3L))), 4);
  }

  @Test
  void mergeWhenSameEdgeInTwoGraphsThenCountsSummedTimesWidenedScopesUnited() {
    GraphSnapshot a = sample();
    GraphSnapshot b = new GraphSnapshot(T0.plusSeconds(120), List.of(PAYMENTS, LEDGER), List.of(
        edge(ORDERS, PAYMENTS, CHARGE, 5, 5, T0.minusSeconds(10), T0.plusSeconds(20),
            Set.of("payments:refund"), Map.of()),
        edge(ORDERS, PAYMENTS, CHARGE, 1, 0, T0.plusSeconds(90), T0.plusSeconds(90), Set.of(),
            Map.of("INSUFFICIENT_SCOPE", 1L)),
        edge(PAYMENTS, LEDGER, CHARGE, 7, 7, T0, T0, Set.of(), Map.of())), 6);

    GraphSnapshot m = GraphSnapshot.merge(List.of(a, b));

    assertThat(m.takenAt()).isEqualTo(T0.plusSeconds(120));
    assertThat(m.callees()).containsExactly(LEDGER, PAYMENTS);
    assertThat(m.overflow()).isEqualTo(10);
    assertThat(m.edges()).hasSize(3);
    GraphEdge charge = m.edges().stream().filter(e -> e.caller().equals(ORDERS)).findFirst().orElseThrow();
    assertThat(charge.calls()).isEqualTo(16);
    assertThat(charge.allowed()).isEqualTo(13);
    assertThat(charge.firstSeen()).isEqualTo(T0.minusSeconds(10));
    assertThat(charge.lastSeen()).isEqualTo(T0.plusSeconds(90));
    assertThat(charge.scopesPresented()).containsExactly("payments:charge", "payments:refund");
    assertThat(charge.scopesUsed()).containsExactly("payments:charge");
    assertThat(charge.denials()).containsExactly(Map.entry("INSUFFICIENT_SCOPE", 3L));
    assertThat(m.nodes()).containsExactly(LEDGER, ORDERS, PAYMENTS);
  }

  @Test
  void mergeWhenNothingThenRefused() {
    assertThatThrownBy(() -> GraphSnapshot.merge(List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void jsonWhenWrittenThenOneAsciiLineWithFormatAndReadBackEqual() {
    GraphSnapshot s = GraphSnapshot.merge(List.of(sample(), hostile()));
    String json = s.toJson();
    assertThat(json).startsWith("{\"format\":\"lanyard-graph/1\"").doesNotContain("\n").doesNotContain("\r");
    assertThat(json.chars().allMatch(c -> c >= 0x20 && c < 0x7f)).isTrue();
    GraphSnapshot back = GraphSnapshot.parseJson(json);
    assertThat(back.edges()).isEqualTo(s.edges());
    assertThat(back.callees()).isEqualTo(s.callees());
    assertThat(back.overflow()).isEqualTo(s.overflow());
    assertThat(back.takenAt()).isEqualTo(s.takenAt());
    assertThat(back.toJson()).isEqualTo(json);
  }

  @Test
  void parseJsonWhenDocumentWrongThenGraphFormatExceptionSayingWhere() {
    String good = sample().toJson();
    assertThatThrownBy(() -> GraphSnapshot.parseJson("[]")).isInstanceOf(GraphFormatException.class);
    assertThatThrownBy(() -> GraphSnapshot.parseJson(good.replace("lanyard-graph/1", "lanyard-graph/2")))
        .isInstanceOf(GraphFormatException.class).hasMessageContaining("format");
    assertThatThrownBy(() -> GraphSnapshot.parseJson(good.replace("\"calls\":10", "\"calls\":-1")))
        .isInstanceOf(GraphFormatException.class).hasMessageContaining("edges[").hasMessageContaining("calls");
    assertThatThrownBy(() -> GraphSnapshot.parseJson(good.replace("spiffe://example.org/orders", "http://x/o")))
        .isInstanceOf(GraphFormatException.class).hasMessageContaining("caller");
    assertThatThrownBy(() -> GraphSnapshot.parseJson(good.replace("\"allowed\":8", "\"allowed\":11")))
        .isInstanceOf(GraphFormatException.class).hasMessageContaining("allowed");
  }

  static GraphSnapshot hostile() {
    return new GraphSnapshot(T0, List.of(LEDGER), List.of(
        edge(ORDERS, LEDGER, HOSTILE, 2, 1, T0, T0, Set.of("a\"b"), Map.of("NOT_ALLOWED", 1L))), 0);
  }

  /** DOT statements: a node {@code "id";} or an edge {@code "a" -> "b" [label="…"(, color=red)?];}. */
  private static final String Q = "\"((?:[^\"\\\\]|\\\\.)*)\"";
  private static final Pattern DOT_NODE = Pattern.compile("  " + Q + ";");
  private static final Pattern DOT_EDGE = Pattern.compile("  " + Q + " -> " + Q + " \\[label=" + Q
      + "(, color=red)?\\];");

  @Test
  void dotWhenParsedBackThenExactlyTheSnapshotsNodesAndEdgesEvenWithHostileRules() {
    GraphSnapshot s = GraphSnapshot.merge(List.of(sample(), hostile()));
    List<String> lines = s.toDot().lines().toList();
    assertThat(lines.get(0)).isEqualTo("digraph lanyard {");
    assertThat(lines.get(1)).isEqualTo("  rankdir=LR;");
    assertThat(lines.get(lines.size() - 1)).isEqualTo("}");
    Set<String> nodes = new HashSet<>();
    List<List<String>> edges = new ArrayList<>();
    for (String line : lines.subList(2, lines.size() - 1)) {
      Matcher node = DOT_NODE.matcher(line);
      Matcher edge = DOT_EDGE.matcher(line);
      if (node.matches()) {
        nodes.add(unescape(node.group(1)));
      } else if (edge.matches()) {
        edges.add(List.of(unescape(edge.group(1)), unescape(edge.group(2)), unescape(edge.group(3))));
      } else {
        throw new AssertionError("not a DOT statement of ours: " + line);
      }
    }
    assertThat(nodes).containsExactlyInAnyOrder(LEDGER.toString(), ORDERS.toString(), PAYMENTS.toString());
    assertThat(edges).hasSize(s.edges().size());
    for (int i = 0; i < edges.size(); i++) {
      assertThat(edges.get(i).get(0)).isEqualTo(s.edges().get(i).caller().toString());
      assertThat(edges.get(i).get(1)).isEqualTo(s.edges().get(i).callee().toString());
      assertThat(edges.get(i).get(2)).contains(s.edges().get(i).calls() + " calls");
    }
    assertThat(edges.get(1).get(2)).contains("/a\"]-->|\"x\"| n9?  n9[\"forged\"]\\");
  }

  private static String unescape(String dot) {
    return dot.replace("\\\"", "\"").replace("\\\\", "\\");
  }

  private static final Pattern MERMAID_NODE = Pattern.compile("  n\\d+\\[\"[A-Za-z0-9 /:._,*=()#;-]*\"\\]");
  private static final Pattern MERMAID_EDGE = Pattern.compile("  (n\\d+) -->\\|\"([A-Za-z0-9 /:._,*=()#;-]*)\"\\| (n\\d+)");

  @Test
  void mermaidWhenCheckedLineByLineThenOnlyOurGrammarAndNoForgedEdgeEvenWithHostileRules() {
    GraphSnapshot s = GraphSnapshot.merge(List.of(sample(), hostile()));
    List<String> lines = s.toMermaid().lines().toList();
    assertThat(lines.get(0)).isEqualTo("flowchart LR");
    int nodes = 0;
    int edges = 0;
    for (String line : lines.subList(1, lines.size())) {
      if (MERMAID_NODE.matcher(line).matches()) {
        nodes++;
      } else {
        Matcher m = MERMAID_EDGE.matcher(line);
        assertThat(m.matches()).as("line %s", line).isTrue();
        assertThat(m.group(2)).doesNotContain("-->").doesNotContain("|").doesNotContain("\"");
        edges++;
      }
    }
    assertThat(nodes).isEqualTo(s.nodes().size());
    assertThat(edges).isEqualTo(s.edges().size());
    assertThat(s.toMermaid()).contains("/a#34;#93;--#62;#124;#34;x#34;#124; n9#10;  n9#91;#34;forged#34;#93;#92;");
  }
}

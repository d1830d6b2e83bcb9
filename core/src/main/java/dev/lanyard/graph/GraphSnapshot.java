package dev.lanyard.graph;

import dev.lanyard.internal.Json;
import dev.lanyard.spiffe.InvalidSpiffeIdException;
import dev.lanyard.spiffe.SpiffeId;
import java.text.ParseException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * An immutable view of one or more services' trust graphs: the callees that recorded it, the edges, and how many calls
 * were not stored because a graph was at its edge cap ({@link #overflow()}).
 *
 * <p>JSON schema ({@link #toJson()}, read back by {@link #parseJson(String)}), one line of printable ASCII:
 * <pre>{@code
 * {"format":"lanyard-graph/1","takenAt":"2026-12-05T18:00:00Z","overflow":0,
 *  "callees":["spiffe://example.org/payments"],
 *  "nodes":[{"id":"spiffe://example.org/orders"},{"id":"spiffe://example.org/payments"}],
 *  "edges":[{"caller":"spiffe://example.org/orders","callee":"spiffe://example.org/payments",
 *    "rule":{"source":"policy.txt","line":3,"methods":["POST"],"path":"/charge"},
 *    "calls":10,"allowed":8,"firstSeen":"…","lastSeen":"…",
 *    "scopesPresented":["payments:charge"],"scopesRequired":["payments:charge"],"scopesUsed":["payments:charge"],
 *    "denials":{"INSUFFICIENT_SCOPE":2}}]}
 * }</pre>
 * {@code rule} is left out for calls no rule matched. Nodes are every caller and callee, sorted; edges are sorted by
 * caller, callee and rule.
 *
 * <p>Thread-safe: immutable.
 */
public final class GraphSnapshot {
  /** The value of the {@code format} member. */
  public static final String FORMAT = "lanyard-graph/1";
  /** Longest document {@link #parseJson(String)} reads. */
  public static final int MAX_DOCUMENT_LENGTH = 64 * 1024 * 1024;

  private static final int MAX_DEPTH = 5;
  private static final Comparator<GraphEdge> ORDER = Comparator
      .comparing((GraphEdge e) -> e.caller().toString())
      .thenComparing(e -> e.callee().toString())
      .thenComparing(e -> e.rule().orElse(null), Comparator.nullsFirst(Comparator.naturalOrder()));

  private final Instant takenAt;
  private final Set<SpiffeId> callees;
  private final List<GraphEdge> edges;
  private final long overflow;

  /**
   * A snapshot. Edges with the same caller, callee and rule are merged.
   *
   * @throws IllegalArgumentException when {@code overflow} is negative
   */
  public GraphSnapshot(Instant takenAt, Collection<SpiffeId> callees, Collection<GraphEdge> edges, long overflow) {
    this.takenAt = Objects.requireNonNull(takenAt, "takenAt");
    if (overflow < 0) {
      throw new IllegalArgumentException("overflow is negative");
    }
    TreeSet<SpiffeId> sortedCallees = new TreeSet<>(Comparator.comparing(SpiffeId::toString));
    sortedCallees.addAll(callees);
    this.callees = Collections.unmodifiableSet(sortedCallees);
    this.edges = combine(edges);
    this.overflow = overflow;
  }

  /**
   * The estate map: every snapshot's edges, those with the same caller, callee and rule summed (calls, allowed and
   * denials per reason), with the earliest first seen, the latest last seen and the union of scopes; callees and
   * overflow combined, taken at the latest snapshot's time.
   *
   * @throws IllegalArgumentException when {@code snapshots} is empty
   */
  public static GraphSnapshot merge(Collection<GraphSnapshot> snapshots) {
    if (snapshots.isEmpty()) {
      throw new IllegalArgumentException("nothing to merge");
    }
    Instant at = Instant.MIN;
    List<SpiffeId> callees = new ArrayList<>();
    List<GraphEdge> edges = new ArrayList<>();
    long overflow = 0;
    for (GraphSnapshot s : snapshots) {
      at = s.takenAt.isAfter(at) ? s.takenAt : at;
      callees.addAll(s.callees);
      edges.addAll(s.edges);
      overflow = Math.addExact(overflow, s.overflow);
    }
    return new GraphSnapshot(at, callees, edges, overflow);
  }

  private static List<GraphEdge> combine(Collection<GraphEdge> edges) {
    Map<List<Object>, GraphEdge> byKey = new LinkedHashMap<>();
    for (GraphEdge e : edges) {
      List<Object> key = new ArrayList<>(3);
      key.add(e.caller());
      key.add(e.callee());
      key.add(e.rule().map(Object.class::cast).orElse(""));
      byKey.merge(key, e, GraphSnapshot::sum);
    }
    List<GraphEdge> out = new ArrayList<>(byKey.values());
    out.sort(ORDER);
    return List.copyOf(out);
  }

  private static GraphEdge sum(GraphEdge a, GraphEdge b) {
    Set<String> presented = new TreeSet<>(a.scopesPresented());
    presented.addAll(b.scopesPresented());
    Set<String> used = new TreeSet<>(a.scopesUsed());
    used.addAll(b.scopesUsed());
    List<String> required = new ArrayList<>(a.scopesRequired());
    for (String s : b.scopesRequired()) {
      if (!required.contains(s)) {
        required.add(s);
      }
    }
    Map<String, Long> denials = new TreeMap<>(a.denials());
    b.denials().forEach((k, v) -> denials.merge(k, v, Math::addExact));
    return new GraphEdge(a.caller(), a.callee(), a.rule().orElse(null), Math.addExact(a.calls(), b.calls()),
        Math.addExact(a.allowed(), b.allowed()),
        a.firstSeen().isBefore(b.firstSeen()) ? a.firstSeen() : b.firstSeen(),
        a.lastSeen().isAfter(b.lastSeen()) ? a.lastSeen() : b.lastSeen(), presented, required, used, denials);
  }

  /** When it was taken (for a merge, the latest of its parts). */
  public Instant takenAt() {
    return takenAt;
  }

  /** The services that recorded it, sorted. */
  public Set<SpiffeId> callees() {
    return callees;
  }

  /** The edges, sorted by caller, callee and rule. */
  public List<GraphEdge> edges() {
    return edges;
  }

  /** Calls not stored because their graph was at its edge cap. */
  public long overflow() {
    return overflow;
  }

  /** Every caller and callee, sorted. */
  public Set<SpiffeId> nodes() {
    TreeSet<SpiffeId> nodes = new TreeSet<>(Comparator.comparing(SpiffeId::toString));
    nodes.addAll(callees);
    for (GraphEdge e : edges) {
      nodes.add(e.caller());
      nodes.add(e.callee());
    }
    return Collections.unmodifiableSet(nodes);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // JSON

  /** The {@code lanyard-graph/1} document (see the class comment): one line of printable ASCII. */
  public String toJson() {
    StringBuilder sb = new StringBuilder(256 + edges.size() * 256);
    sb.append("{\"format\":\"").append(FORMAT).append("\",\"takenAt\":\"").append(takenAt)
        .append("\",\"overflow\":").append(overflow).append(",\"callees\":[");
    int i = 0;
    for (SpiffeId c : callees) {
      sb.append(i++ == 0 ? "" : ",");
      string(sb, c.toString());
    }
    sb.append("],\"nodes\":[");
    i = 0;
    for (SpiffeId n : nodes()) {
      sb.append(i++ == 0 ? "{\"id\":" : ",{\"id\":");
      string(sb, n.toString());
      sb.append('}');
    }
    sb.append("],\"edges\":[");
    i = 0;
    for (GraphEdge e : edges) {
      sb.append(i++ == 0 ? "{" : ",{").append("\"caller\":");
      string(sb, e.caller().toString());
      sb.append(",\"callee\":");
      string(sb, e.callee().toString());
      if (e.rule().isPresent()) {
        RuleRef r = e.rule().get();
        sb.append(",\"rule\":{\"source\":");
        string(sb, r.source());
        sb.append(",\"line\":").append(r.line()).append(",\"methods\":");
        strings(sb, r.methods());
        sb.append(",\"path\":");
        string(sb, r.path());
        sb.append('}');
      }
      sb.append(",\"calls\":").append(e.calls()).append(",\"allowed\":").append(e.allowed())
          .append(",\"firstSeen\":\"").append(e.firstSeen()).append("\",\"lastSeen\":\"").append(e.lastSeen())
          .append("\",\"scopesPresented\":");
      strings(sb, e.scopesPresented());
      sb.append(",\"scopesRequired\":");
      strings(sb, e.scopesRequired());
      sb.append(",\"scopesUsed\":");
      strings(sb, e.scopesUsed());
      sb.append(",\"denials\":{");
      int j = 0;
      for (Map.Entry<String, Long> d : e.denials().entrySet()) {
        sb.append(j++ == 0 ? "" : ",");
        string(sb, d.getKey());
        sb.append(':').append(d.getValue());
      }
      sb.append("}}");
    }
    return sb.append("]}").toString();
  }

  private static void string(StringBuilder sb, String value) {
    Json.appendAsciiString(sb, value, value.length());
  }

  private static void strings(StringBuilder sb, Collection<String> values) {
    sb.append('[');
    int i = 0;
    for (String v : values) {
      sb.append(i++ == 0 ? "" : ",");
      string(sb, v);
    }
    sb.append(']');
  }

  /**
   * Reads a {@code lanyard-graph/1} document written by {@link #toJson()} (members in any order; {@code nodes} is
   * derived from the edges and only checked to be an array).
   *
   * @throws GraphFormatException saying what is wrong
   */
  public static GraphSnapshot parseJson(String json) {
    Objects.requireNonNull(json, "json");
    if (json.length() > MAX_DOCUMENT_LENGTH) {
      throw new GraphFormatException("graph document is larger than " + MAX_DOCUMENT_LENGTH + " characters");
    }
    Map<String, Object> doc;
    try {
      doc = Json.parseObject(json.strip(), MAX_DEPTH);
    } catch (ParseException e) {
      throw new GraphFormatException("not a JSON object: " + e.getMessage());
    }
    if (!FORMAT.equals(doc.get("format"))) {
      throw new GraphFormatException("\"format\" must be \"" + FORMAT + "\"");
    }
    Instant takenAt = instant(doc.get("takenAt"), "takenAt");
    long overflow = count(doc.get("overflow"), "overflow");
    List<SpiffeId> callees = new ArrayList<>();
    for (Object c : list(doc.get("callees"), "callees")) {
      callees.add(id(c, "callees[]"));
    }
    list(doc.get("nodes"), "nodes");
    List<GraphEdge> edges = new ArrayList<>();
    List<Object> items = list(doc.get("edges"), "edges");
    for (int i = 0; i < items.size(); i++) {
      String where = "edges[" + i + "].";
      Map<String, Object> e = object(items.get(i), "edges[" + i + "]");
      RuleRef rule = null;
      if (e.get("rule") != null) {
        Map<String, Object> r = object(e.get("rule"), where + "rule");
        long line = count(r.get("line"), where + "rule.line");
        if (line > Integer.MAX_VALUE) {
          throw new GraphFormatException(where + "rule.line is too large");
        }
        rule = new RuleRef(text(r.get("source"), where + "rule.source"), (int) line,
            texts(r.get("methods"), where + "rule.methods"), text(r.get("path"), where + "rule.path"));
      }
      Map<String, Long> denials = new HashMap<>();
      for (Map.Entry<String, Object> d : object(e.get("denials"), where + "denials").entrySet()) {
        denials.put(d.getKey(), count(d.getValue(), where + "denials." + d.getKey()));
      }
      try {
        edges.add(new GraphEdge(id(e.get("caller"), where + "caller"), id(e.get("callee"), where + "callee"), rule,
            count(e.get("calls"), where + "calls"), count(e.get("allowed"), where + "allowed"),
            instant(e.get("firstSeen"), where + "firstSeen"), instant(e.get("lastSeen"), where + "lastSeen"),
            new TreeSet<>(texts(e.get("scopesPresented"), where + "scopesPresented")),
            texts(e.get("scopesRequired"), where + "scopesRequired"),
            new TreeSet<>(texts(e.get("scopesUsed"), where + "scopesUsed")), denials));
      } catch (GraphFormatException ex) {
        throw ex;
      } catch (IllegalArgumentException ex) {
        throw new GraphFormatException("edges[" + i + "]: " + ex.getMessage());
      }
    }
    return new GraphSnapshot(takenAt, callees, edges, overflow);
  }

  private static SpiffeId id(@Nullable Object value, String what) {
    try {
      return SpiffeId.parse(text(value, what));
    } catch (InvalidSpiffeIdException e) {
      throw new GraphFormatException(what + " is not a SPIFFE ID: " + e.getMessage());
    }
  }

  private static String text(@Nullable Object value, String what) {
    if (!(value instanceof String)) {
      throw new GraphFormatException(what + " must be a string");
    }
    return (String) value;
  }

  private static List<String> texts(@Nullable Object value, String what) {
    List<String> out = new ArrayList<>();
    for (Object o : list(value, what)) {
      out.add(text(o, what + "[]"));
    }
    return out;
  }

  private static long count(@Nullable Object value, String what) {
    if (!(value instanceof Long) || (Long) value < 0) {
      throw new GraphFormatException(what + " must be a whole number of at least 0");
    }
    return (Long) value;
  }

  private static Instant instant(@Nullable Object value, String what) {
    try {
      return Instant.parse(text(value, what));
    } catch (DateTimeException e) {
      throw new GraphFormatException(what + " is not an ISO-8601 instant");
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(@Nullable Object value, String what) {
    if (!(value instanceof List)) {
      throw new GraphFormatException(what + " must be an array");
    }
    return (List<Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(@Nullable Object value, String what) {
    if (!(value instanceof Map)) {
      throw new GraphFormatException(what + " must be an object");
    }
    return (Map<String, Object>) value;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Graphviz DOT and Mermaid

  /**
   * Graphviz DOT: {@code digraph lanyard}, one node statement per node and one edge statement per edge, each on its
   * own line, labelled with the rule, calls and denials. Every string is a DOT quoted string of printable ASCII:
   * {@code "} and {@code \} escaped, any other character outside printable ASCII written as {@code ?}, so no ID, path
   * or source can end a string, a statement or a line.
   */
  public String toDot() {
    StringBuilder sb = new StringBuilder("digraph lanyard {\n  rankdir=LR;\n");
    for (SpiffeId n : nodes()) {
      sb.append("  ");
      dotString(sb, n.toString());
      sb.append(";\n");
    }
    for (GraphEdge e : edges) {
      sb.append("  ");
      dotString(sb, e.caller().toString());
      sb.append(" -> ");
      dotString(sb, e.callee().toString());
      sb.append(" [label=");
      dotString(sb, label(e));
      sb.append(e.denied() > 0 ? ", color=red" : "").append("];\n");
    }
    return sb.append("}\n").toString();
  }

  private static void dotString(StringBuilder sb, String value) {
    sb.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else {
        sb.append(c >= 0x20 && c < 0x7f ? c : '?');
      }
    }
    sb.append('"');
  }

  /**
   * Mermaid: {@code flowchart LR}, nodes {@code n0["spiffe://…"]} and edges {@code n0 -->|"label"| n1}, one per line.
   * Node names are generated; in texts every character other than letters, digits, space and {@code / : . _ , * = ( ) -}
   * is written as a Mermaid entity code ({@code #34;}), so no ID, path or source can close a text or start an edge.
   */
  public String toMermaid() {
    StringBuilder sb = new StringBuilder("flowchart LR\n");
    Map<SpiffeId, String> names = new HashMap<>();
    for (SpiffeId n : nodes()) {
      String name = "n" + names.size();
      names.put(n, name);
      sb.append("  ").append(name).append("[\"");
      mermaidText(sb, n.toString());
      sb.append("\"]\n");
    }
    for (GraphEdge e : edges) {
      sb.append("  ").append(names.get(e.caller())).append(" -->|\"");
      mermaidText(sb, label(e));
      sb.append("\"| ").append(names.get(e.callee())).append('\n');
    }
    return sb.toString();
  }

  private static void mermaidText(StringBuilder sb, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || " /:._,*=()-".indexOf(c) >= 0) {
        sb.append(c);
      } else {
        sb.append('#').append((int) c).append(';');
      }
    }
  }

  /** {@code POST /charge: 10 calls, 2 denied} or {@code no rule: 3 calls, 3 denied}. */
  private static String label(GraphEdge e) {
    return e.rule().map(RuleRef::label).orElse("no rule") + ": " + e.calls() + " calls"
        + (e.denied() > 0 ? ", " + e.denied() + " denied" : "");
  }

  @Override
  public String toString() {
    return "GraphSnapshot[" + callees.size() + " callees, " + edges.size() + " edges, overflow=" + overflow + "]";
  }
}

package dev.lanyard.graph;

import dev.lanyard.spiffe.SpiffeId;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * One observed edge of a {@link GraphSnapshot}: calls from {@code caller} to {@code callee} decided by one policy rule
 * (none when no rule matched), with counts, first and last seen, the scopes callers presented, the scopes the rule
 * requires, the scopes actually used (required by the rule in an allowed call) and denials by reason code.
 *
 * <p>Thread-safe: immutable.
 */
public final class GraphEdge {
  private final SpiffeId caller;
  private final SpiffeId callee;
  private final @Nullable RuleRef rule;
  private final long calls;
  private final long allowed;
  private final Instant firstSeen;
  private final Instant lastSeen;
  private final Set<String> scopesPresented;
  private final List<String> scopesRequired;
  private final Set<String> scopesUsed;
  private final Map<String, Long> denials;

  /**
   * An edge.
   *
   * @param rule the deciding rule, or null when no rule matched
   * @throws IllegalArgumentException when counts are negative, {@code allowed > calls}, or last seen precedes first
   */
  public GraphEdge(SpiffeId caller, SpiffeId callee, @Nullable RuleRef rule, long calls, long allowed,
      Instant firstSeen, Instant lastSeen, Set<String> scopesPresented, List<String> scopesRequired,
      Set<String> scopesUsed, Map<String, Long> denials) {
    this.caller = Objects.requireNonNull(caller, "caller");
    this.callee = Objects.requireNonNull(callee, "callee");
    this.rule = rule;
    if (calls < 0 || allowed < 0 || allowed > calls) {
      throw new IllegalArgumentException("counts must satisfy 0 <= allowed <= calls");
    }
    this.calls = calls;
    this.allowed = allowed;
    this.firstSeen = Objects.requireNonNull(firstSeen, "firstSeen");
    this.lastSeen = Objects.requireNonNull(lastSeen, "lastSeen");
    if (lastSeen.isBefore(firstSeen)) {
      throw new IllegalArgumentException("lastSeen precedes firstSeen");
    }
    this.scopesPresented = Collections.unmodifiableSet(new TreeSet<>(scopesPresented));
    this.scopesRequired = List.copyOf(scopesRequired);
    this.scopesUsed = Collections.unmodifiableSet(new TreeSet<>(scopesUsed));
    TreeMap<String, Long> d = new TreeMap<>();
    for (Map.Entry<String, Long> e : denials.entrySet()) {
      if (e.getValue() < 0) {
        throw new IllegalArgumentException("negative denial count");
      }
      d.put(e.getKey(), e.getValue());
    }
    this.denials = Collections.unmodifiableMap(d);
  }

  /** The caller. */
  public SpiffeId caller() {
    return caller;
  }

  /** The callee: the service that recorded the edge. */
  public SpiffeId callee() {
    return callee;
  }

  /** The deciding rule; empty when no rule matched (the caller probed a path nothing covers). */
  public Optional<RuleRef> rule() {
    return Optional.ofNullable(rule);
  }

  /** Every call recorded on this edge. */
  public long calls() {
    return calls;
  }

  /** The calls that were allowed. */
  public long allowed() {
    return allowed;
  }

  /** The calls that were denied: {@code calls() - allowed()}. */
  public long denied() {
    return calls - allowed;
  }

  /** When the first call was seen. */
  public Instant firstSeen() {
    return firstSeen;
  }

  /** When the last call was seen. */
  public Instant lastSeen() {
    return lastSeen;
  }

  /** Every scope callers presented on this edge, sorted. */
  public Set<String> scopesPresented() {
    return scopesPresented;
  }

  /** The scopes the rule requires. */
  public List<String> scopesRequired() {
    return scopesRequired;
  }

  /** The scopes used: required by the rule in at least one allowed call, sorted. */
  public Set<String> scopesUsed() {
    return scopesUsed;
  }

  /** Denied calls by reason code ({@code NO_RULE}, {@code NOT_ALLOWED}, {@code INSUFFICIENT_SCOPE}, …), sorted. */
  public Map<String, Long> denials() {
    return denials;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof GraphEdge)) {
      return false;
    }
    GraphEdge e = (GraphEdge) o;
    return caller.equals(e.caller) && callee.equals(e.callee) && Objects.equals(rule, e.rule) && calls == e.calls
        && allowed == e.allowed && firstSeen.equals(e.firstSeen) && lastSeen.equals(e.lastSeen)
        && scopesPresented.equals(e.scopesPresented) && scopesRequired.equals(e.scopesRequired)
        && scopesUsed.equals(e.scopesUsed) && denials.equals(e.denials);
  }

  @Override
  public int hashCode() {
    return Objects.hash(caller, callee, rule, calls, allowed, firstSeen, lastSeen);
  }

  @Override
  public String toString() {
    return "GraphEdge[" + caller + " -> " + callee + (rule == null ? ", no rule" : ", " + rule) + ", calls=" + calls
        + ", allowed=" + allowed + (denials.isEmpty() ? "" : ", denials=" + denials) + "]";
  }
}

package dev.lanyard.graph;

import dev.lanyard.policy.Caller;
import dev.lanyard.policy.Decision;
import dev.lanyard.policy.PolicyMatch;
import dev.lanyard.policy.PolicyRule;
import dev.lanyard.spiffe.SpiffeId;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the calls one service (the callee) observes: one edge per caller and deciding policy rule, with counts,
 * first and last seen, the scopes presented and used, and denials by reason code ({@link #NO_RULE},
 * {@link #NOT_ALLOWED}, {@link #INSUFFICIENT_SCOPE}, {@link #DEPLOY_ONLY_IDENTITY}). Only verified callers are
 * recorded: a refused credential names nobody the graph could trust, and forged names would only fill it.
 *
 * <p>Memory is bounded: at most {@link Builder#maxEdges(int) maxEdges} edges (default {@value #DEFAULT_MAX_EDGES});
 * a call that would need a new edge beyond the cap is not stored and counted in {@link GraphSnapshot#overflow()}
 * (exactly: the cap is checked under the map's lock for that key). Per edge at most {@value #MAX_SCOPES} distinct
 * presented scopes are kept.
 *
 * <p>Thread-safe: {@link #record} takes no lock and, once an edge exists, allocates nothing (concurrent maps and
 * {@link LongAdder}s); {@link #snapshot()} may run while calls are recorded and sees each counter at some moment.
 */
public final class TrustGraph {
  /** The default cap on edges. */
  public static final int DEFAULT_MAX_EDGES = 10_000;
  /** Denial reason: no rule matches the request's method and path (the caller probed). */
  public static final String NO_RULE = "NO_RULE";
  /** Denial reason: rules match the request but none names the caller (a missing grant). */
  public static final String NOT_ALLOWED = "NOT_ALLOWED";
  /** Denial reason: a rule names the caller but the credential lacks scopes. */
  public static final String INSUFFICIENT_SCOPE = "INSUFFICIENT_SCOPE";
  /**
   * Denial reason: the identity inventory lists the caller as deploy-only (a CI pipeline's identity), refused before
   * policy; recorded on no rule. The same code as the audit reason.
   */
  public static final String DEPLOY_ONLY_IDENTITY = "DEPLOY_ONLY_IDENTITY";
  /** Most distinct presented scopes kept per edge. */
  static final int MAX_SCOPES = 64;

  private static final Logger LOG = LoggerFactory.getLogger(TrustGraph.class);
  /** The inner-map key of calls no rule matched. */
  private static final Object NO_RULE_KEY = new Object();

  private final SpiffeId callee;
  private final int maxEdges;
  private final Clock clock;
  private final ConcurrentHashMap<SpiffeId, ConcurrentHashMap<Object, Edge>> edges = new ConcurrentHashMap<>();
  private final AtomicInteger size = new AtomicInteger();
  private final LongAdder overflow = new LongAdder();
  private final AtomicBoolean warned = new AtomicBoolean();

  private TrustGraph(Builder b) {
    this.callee = b.callee;
    this.maxEdges = b.maxEdges;
    this.clock = b.clock;
    LOG.info("Trust graph recording calls to {}, at most {} edges", callee, maxEdges);
  }

  /** A builder for the graph of {@code callee}, this service's SPIFFE ID. */
  public static Builder newBuilder(SpiffeId callee) {
    return new Builder(Objects.requireNonNull(callee, "callee"));
  }

  /** The service whose calls are recorded. */
  public SpiffeId callee() {
    return callee;
  }

  /** The cap on edges. */
  public int maxEdges() {
    return maxEdges;
  }

  /**
   * Records one policy decision for a verified caller: allowed calls on the deciding rule, insufficient scope on the
   * caller's closest rule, a denial on no rule with reason {@link #NO_RULE} when {@code match} holds no rule and
   * {@link #NOT_ALLOWED} otherwise.
   *
   * @param match the rules matching the request (from {@link dev.lanyard.policy.Policy#match}), which decided
   */
  public void record(Caller caller, PolicyMatch match, Decision decision) {
    PolicyRule rule = decision.rule().orElse(null);
    String reason;
    switch (decision.outcome()) {
      case ALLOWED:
      case PUBLIC:
        reason = null;
        break;
      case INSUFFICIENT_SCOPE:
        reason = INSUFFICIENT_SCOPE;
        break;
      default:
        reason = match.isEmpty() ? NO_RULE : NOT_ALLOWED;
    }
    record(caller.id(), rule, caller.scopes(), reason);
  }

  /**
   * Records one call of {@code caller}.
   *
   * @param rule the deciding rule, or null when none decided
   * @param presentedScopes the scopes the caller's credential holds
   * @param denialReason null for an allowed call, else an upper-case reason code ({@code [A-Z][A-Z0-9_]*}, at most
   *     64 characters)
   * @throws IllegalArgumentException for a reason that is not such a code
   */
  public void record(SpiffeId caller, @Nullable PolicyRule rule, Set<String> presentedScopes,
      @Nullable String denialReason) {
    if (denialReason != null && !isReasonCode(denialReason)) {
      throw new IllegalArgumentException("denial reason must be an upper-case code");
    }
    Edge edge = edge(caller, rule);
    if (edge == null) {
      overflow.increment();
      if (!warned.get() && warned.compareAndSet(false, true)) {
        LOG.warn("Trust graph of {} reached its cap of {} edges; calls on new edges are counted as overflow", callee,
            maxEdges);
      }
      return;
    }
    long now = clock.millis();
    edge.calls.increment();
    if (now < edge.first.get()) {
      edge.first.accumulateAndGet(now, Math::min);
    }
    if (now > edge.last.get()) {
      edge.last.accumulateAndGet(now, Math::max);
    }
    for (String scope : presentedScopes) {
      if (!edge.presented.containsKey(scope) && edge.presented.size() < MAX_SCOPES) {
        edge.presented.putIfAbsent(scope, Boolean.TRUE);
      }
    }
    if (denialReason == null) {
      edge.allowed.increment();
    } else {
      LongAdder count = edge.denials.get(denialReason);
      if (count == null) {
        count = edge.denials.computeIfAbsent(denialReason, r -> new LongAdder());
      }
      count.increment();
    }
  }

  private @Nullable Edge edge(SpiffeId caller, @Nullable PolicyRule rule) {
    Object key = rule == null ? NO_RULE_KEY : rule;
    ConcurrentHashMap<Object, Edge> byRule = edges.get(caller);
    if (byRule != null) {
      Edge edge = byRule.get(key);
      if (edge != null) {
        return edge;
      }
    } else {
      if (size.get() >= maxEdges) {
        return null;
      }
      byRule = edges.computeIfAbsent(caller, c -> new ConcurrentHashMap<>(4));
    }
    return byRule.computeIfAbsent(key, k -> {
      if (size.incrementAndGet() > maxEdges) {
        size.decrementAndGet();
        return null;
      }
      return new Edge(rule, clock.millis());
    });
  }

  private static boolean isReasonCode(String s) {
    if (s.isEmpty() || s.length() > 64 || s.charAt(0) < 'A' || s.charAt(0) > 'Z') {
      return false;
    }
    for (int i = 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
        return false;
      }
    }
    return true;
  }

  /** How many edges are stored. */
  public int edgeCount() {
    return size.get();
  }

  /** An immutable copy of the graph now. */
  public GraphSnapshot snapshot() {
    List<GraphEdge> out = new ArrayList<>(size.get());
    for (Map.Entry<SpiffeId, ConcurrentHashMap<Object, Edge>> byCaller : edges.entrySet()) {
      for (Edge e : byCaller.getValue().values()) {
        long calls = e.calls.sum();
        long allowed = Math.min(e.allowed.sum(), calls);
        if (calls == 0) {
          continue; // created, its first call not yet counted
        }
        Map<String, Long> denials = new TreeMap<>();
        e.denials.forEach((reason, n) -> denials.put(reason, n.sum()));
        List<String> required = e.rule == null ? List.of() : e.rule.scopes();
        out.add(new GraphEdge(byCaller.getKey(), callee, e.rule == null ? null : RuleRef.of(e.rule), calls, allowed,
            Instant.ofEpochMilli(e.first.get()), Instant.ofEpochMilli(Math.max(e.first.get(), e.last.get())),
            new TreeSet<>(e.presented.keySet()), required, allowed > 0 ? new TreeSet<>(required) : Set.of(),
            denials));
      }
    }
    return new GraphSnapshot(clock.instant(), List.of(callee), out, overflow.sum());
  }

  @Override
  public String toString() {
    return "TrustGraph[" + callee + ", " + size.get() + "/" + maxEdges + " edges, overflow=" + overflow.sum() + "]";
  }

  /** One edge's live counters. */
  private static final class Edge {
    final @Nullable PolicyRule rule;
    final LongAdder calls = new LongAdder();
    final LongAdder allowed = new LongAdder();
    final AtomicLong first;
    final AtomicLong last;
    final ConcurrentHashMap<String, Boolean> presented = new ConcurrentHashMap<>(4);
    final ConcurrentHashMap<String, LongAdder> denials = new ConcurrentHashMap<>(4);

    Edge(@Nullable PolicyRule rule, long now) {
      this.rule = rule;
      this.first = new AtomicLong(now);
      this.last = new AtomicLong(now);
    }
  }

  /** Builds a {@link TrustGraph}. Not thread-safe. */
  public static final class Builder {
    private final SpiffeId callee;
    private int maxEdges = DEFAULT_MAX_EDGES;
    private Clock clock = Clock.systemUTC();

    private Builder(SpiffeId callee) {
      this.callee = callee;
    }

    /**
     * The cap on edges (default {@value #DEFAULT_MAX_EDGES}).
     *
     * @throws IllegalArgumentException when not positive
     */
    public Builder maxEdges(int maxEdges) {
      if (maxEdges < 1) {
        throw new IllegalArgumentException("maxEdges must be at least 1, not " + maxEdges);
      }
      this.maxEdges = maxEdges;
      return this;
    }

    /** The clock for first and last seen (default the system UTC clock). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The graph. */
    public TrustGraph build() {
      return new TrustGraph(this);
    }
  }
}

package dev.lanyard.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.policy.Caller;
import dev.lanyard.policy.Policy;
import dev.lanyard.policy.PolicyMatch;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TrustGraphTest {
  static final SpiffeId PAYMENTS = SpiffeId.parse("spiffe://example.org/payments");
  static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  static final SpiffeId BILLING = SpiffeId.parse("spiffe://example.org/billing");
  static final Policy POLICY = Policy.parse(String.join("\n",
      "POST /charge spiffe://example.org/orders payments:charge",
      "GET /status spiffe://example.org/orders,spiffe://example.org/billing"), "policy.txt");

  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T10:00:00Z"));

  private void decide(TrustGraph graph, SpiffeId id, Set<String> scopes, String method, String path) {
    Caller caller = Caller.of(id, scopes);
    PolicyMatch match = POLICY.match(method, path);
    graph.record(caller, match, match.decide(caller));
  }

  @Test
  void recordWhenAllowedDeniedAndProbingThenEdgesPerRuleWithReasons() {
    TrustGraph graph = TrustGraph.newBuilder(PAYMENTS).clock(clock).build();
    decide(graph, ORDERS, Set.of("payments:charge", "payments:refund"), "POST", "/charge");
    clock.advance(Duration.ofMinutes(5));
    decide(graph, ORDERS, Set.of(), "POST", "/charge");
    decide(graph, BILLING, Set.of(), "POST", "/charge");
    decide(graph, BILLING, Set.of(), "DELETE", "/admin");

    GraphSnapshot s = graph.snapshot();
    assertThat(s.callees()).containsExactly(PAYMENTS);
    assertThat(s.edges()).hasSize(2);
    // no rule decided either refusal of billing: one edge without a rule, told apart by reason
    GraphEdge billing = s.edges().get(0);
    assertThat(billing.caller()).isEqualTo(BILLING);
    assertThat(billing.rule()).isEmpty();
    assertThat(billing.calls()).isEqualTo(2);
    assertThat(billing.allowed()).isZero();
    assertThat(billing.denials()).containsOnly(Map.entry(TrustGraph.NO_RULE, 1L),
        Map.entry(TrustGraph.NOT_ALLOWED, 1L));
    GraphEdge orders = s.edges().stream().filter(e -> e.caller().equals(ORDERS)).findFirst().orElseThrow();
    assertThat(orders.rule().orElseThrow().path()).isEqualTo("/charge");
    assertThat(orders.calls()).isEqualTo(2);
    assertThat(orders.allowed()).isEqualTo(1);
    assertThat(orders.denials()).containsExactly(Map.entry(TrustGraph.INSUFFICIENT_SCOPE, 1L));
    assertThat(orders.scopesPresented()).containsExactly("payments:charge", "payments:refund");
    assertThat(orders.scopesRequired()).containsExactly("payments:charge");
    assertThat(orders.scopesUsed()).containsExactly("payments:charge");
    assertThat(orders.firstSeen()).isEqualTo(Instant.parse("2026-12-05T10:00:00Z"));
    assertThat(orders.lastSeen()).isEqualTo(Instant.parse("2026-12-05T10:05:00Z"));
  }

  @Test
  void recordWhenEightThreadsEachMakeFiveThousandCallsThenEveryCountIsExact() throws Exception {
    TrustGraph graph = TrustGraph.newBuilder(PAYMENTS).clock(clock).build();
    int threads = 8;
    int calls = 5_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      done.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < calls; i++) {
          switch (i % 4) {
            case 0 -> decide(graph, ORDERS, Set.of("payments:charge"), "POST", "/charge"); // allowed
            case 1 -> decide(graph, ORDERS, Set.of(), "POST", "/charge"); // insufficient scope
            case 2 -> decide(graph, BILLING, Set.of(), "GET", "/status"); // allowed
            default -> decide(graph, BILLING, Set.of(), "GET", "/secrets"); // probing
          }
        }
        return null;
      }));
    }
    start.countDown();
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    long quarter = (long) threads * calls / 4;
    GraphSnapshot s = graph.snapshot();
    assertThat(s.edges()).hasSize(3);
    assertThat(s.edges().stream().mapToLong(GraphEdge::calls).sum()).isEqualTo((long) threads * calls);
    GraphEdge orders = edge(s, ORDERS, "/charge");
    assertThat(orders.calls()).isEqualTo(2 * quarter);
    assertThat(orders.allowed()).isEqualTo(quarter);
    assertThat(orders.denials()).containsExactly(Map.entry(TrustGraph.INSUFFICIENT_SCOPE, quarter));
    GraphEdge status = edge(s, BILLING, "/status");
    assertThat(status.calls()).isEqualTo(quarter);
    assertThat(status.allowed()).isEqualTo(quarter);
    GraphEdge probing = s.edges().stream().filter(e -> e.rule().isEmpty()).findFirst().orElseThrow();
    assertThat(probing.caller()).isEqualTo(BILLING);
    assertThat(probing.denials()).containsExactly(Map.entry(TrustGraph.NO_RULE, quarter));
    assertThat(s.overflow()).isZero();
  }

  @Test
  void recordWhenFloodOfDistinctCallersThenSizeStaysAtCapAndOverflowIsExact() throws Exception {
    int cap = 100;
    TrustGraph graph = TrustGraph.newBuilder(PAYMENTS).maxEdges(cap).clock(clock).build();
    int threads = 8;
    int perThread = 2_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      done.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < perThread; i++) {
          SpiffeId id = SpiffeId.parse("spiffe://example.org/flood/" + thread + "/" + i);
          graph.record(id, null, Set.of(), TrustGraph.NO_RULE);
          // a second call of an edge already stored is never overflow
          if (i % 10 == 0) {
            graph.record(ORDERS, null, Set.of(), TrustGraph.NO_RULE);
          }
        }
        return null;
      }));
    }
    start.countDown();
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    GraphSnapshot s = graph.snapshot();
    assertThat(graph.edgeCount()).isEqualTo(cap);
    assertThat(s.edges()).hasSize(cap);
    long stored = s.edges().stream().mapToLong(GraphEdge::calls).sum();
    long sent = (long) threads * perThread + (long) threads * (perThread / 10);
    assertThat(stored + s.overflow()).isEqualTo(sent);
    long distinctStored = s.edges().stream().filter(e -> !e.caller().equals(ORDERS)).count();
    boolean ordersStored = s.edges().stream().anyMatch(e -> e.caller().equals(ORDERS));
    long floodOverflow = (long) threads * perThread - distinctStored;
    long ordersOverflow = ordersStored ? 0 : (long) threads * (perThread / 10);
    assertThat(s.overflow()).isEqualTo(floodOverflow + ordersOverflow);
  }

  @Test
  void recordWhenReasonNotAnUpperCaseCodeThenRefused() {
    TrustGraph graph = TrustGraph.newBuilder(PAYMENTS).build();
    for (String reason : List.of("", "denied", "NO RULE", "X\nFORGED", "A\"B", "A".repeat(65))) {
      assertThatThrownBy(() -> graph.record(ORDERS, null, Set.of(), reason))
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(graph.edgeCount()).isZero();
  }

  @Test
  void builderWhenCapNotPositiveThenRefused() {
    assertThatThrownBy(() -> TrustGraph.newBuilder(PAYMENTS).maxEdges(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxEdges");
  }

  @Test
  void recordWhenManyScopesPresentedThenAtMostTheCapKept() {
    TrustGraph graph = TrustGraph.newBuilder(PAYMENTS).build();
    Set<String> many = new java.util.HashSet<>();
    for (int i = 0; i < 200; i++) {
      many.add("s" + i);
    }
    graph.record(ORDERS, null, many, null);
    assertThat(graph.snapshot().edges().get(0).scopesPresented()).hasSize(TrustGraph.MAX_SCOPES);
  }

  static GraphEdge edge(GraphSnapshot s, SpiffeId caller, String path) {
    return s.edges().stream()
        .filter(e -> e.caller().equals(caller) && e.rule().map(r -> r.path().equals(path)).orElse(false))
        .findFirst().orElseThrow();
  }
}

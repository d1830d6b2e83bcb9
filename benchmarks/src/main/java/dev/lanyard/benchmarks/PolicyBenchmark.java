package dev.lanyard.benchmarks;

import dev.lanyard.policy.Caller;
import dev.lanyard.policy.Decision;
import dev.lanyard.policy.Policy;
import dev.lanyard.policy.PolicyMatch;
import dev.lanyard.spiffe.SpiffeId;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link Policy#decide} on a policy of {@code rules} rules, on a mix of {@value #REQUESTS} requests.
 *
 * <p>Rules come in per-service groups of ten, the shapes of a real policy file: {@code GET,POST
 * /svcN/resource/&#42;/sub} for exact callers with a scope, {@code GET /svcN/docs/&#42;&#42;} for any caller,
 * {@code * /svcN/admin/&#42;} for one admin, {@code GET /svcN/health} public, {@code PUT,DELETE
 * /svcN/items/&#42;/detail/&#42;} for a whole foreign trust domain, and so on; plus one {@code GET /&#42;&#42;} rule
 * for a monitor that every GET request also matches. The requests are spread over all services and mix allowed,
 * public, denied (wrong caller), insufficient-scope and no-matching-rule outcomes; the setup checks that each outcome
 * occurs. The target: deciding at 100 000 rules costs at most 1.5 times deciding at 10. {@code isPublicThenDecide}
 * and {@code matchThenDecide} are the servlet filter's per-request policy work before and after {@link Policy#match}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(2)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Thread)
public class PolicyBenchmark {
  static final int REQUESTS = 256;
  private static final int CLIENTS = 50;

  @Param({"10", "1000", "100000"})
  public int rules;

  Policy policy;
  String[] methods;
  String[] paths;
  Caller[] callers;
  private int next;

  @Setup
  public void setUp() {
    StringBuilder text = new StringBuilder(rules * 96);
    text.append("# generated: ").append(rules).append(" rules\n");
    text.append("GET /** spiffe://example.org/monitor\n");
    for (int i = 0; i < rules - 1; i++) {
      int service = i / 10;
      String svc = "/svc" + service;
      switch (i % 10) {
        case 0:
          text.append("GET,POST ").append(svc).append("/resource/*/sub ").append(client(service)).append(',')
              .append(client(service + 1)).append(" svc").append(service).append(":read\n");
          break;
        case 1:
          text.append("PUT ").append(svc).append("/resource/*/sub ").append(client(service))
              .append(" svc").append(service).append(":write\n");
          break;
        case 2:
          text.append("GET ").append(svc).append("/docs/** any\n");
          break;
        case 3:
          text.append("* ").append(svc).append("/admin/* spiffe://example.org/admin svc").append(service)
              .append(":admin\n");
          break;
        case 4:
          text.append("GET ").append(svc).append("/health public\n");
          break;
        case 5:
          text.append("PUT,DELETE ").append(svc).append("/items/*/detail/* spiffe://other.org/* svc")
              .append(service).append(":write\n");
          break;
        case 6:
          text.append("GET ").append(svc).append("/items/*/detail/* ").append(client(service)).append(',')
              .append(client(service + 2)).append(',').append(client(service + 3)).append('\n');
          break;
        case 7:
          text.append("POST ").append(svc).append("/events ").append(client(service + 4)).append(" svc")
              .append(service).append(":publish,svc").append(service).append(":write\n");
          break;
        case 8:
          text.append("GET,HEAD ").append(svc).append("/static/** any\n");
          break;
        default:
          text.append("DELETE ").append(svc).append("/resource/*/sub spiffe://example.org/admin svc").append(service)
              .append(":admin\n");
      }
    }
    policy = Policy.parse(text.toString(), "bench-policy.txt");
    Fixture.check(policy.ruleCount() == rules, "rule count " + policy.ruleCount());

    int services = Math.max(1, (rules - 1 + 9) / 10);
    Random random = new Random(42);
    methods = new String[REQUESTS];
    paths = new String[REQUESTS];
    callers = new Caller[REQUESTS];
    Map<Decision.Outcome, Integer> seen = new EnumMap<>(Decision.Outcome.class);
    for (int r = 0; r < REQUESTS; r++) {
      int service = random.nextInt(services);
      String svc = "/svc" + service;
      String read = "svc" + service + ":read";
      switch (r % 8) {
        case 0: // allowed, exact caller with scope
        case 1:
          set(r, "GET", svc + "/resource/r" + random.nextInt(1000) + "/sub", client(service), read);
          break;
        case 2: // insufficient scope
          set(r, "POST", svc + "/resource/r" + random.nextInt(1000) + "/sub", client(service));
          break;
        case 3: // denied: a caller no rule names (the monitor rule matches GET but not this caller)
          set(r, "GET", svc + "/resource/r1/sub", client(service + 17), read);
          break;
        case 4: // public
          set(r, "GET", svc + "/health", null);
          break;
        case 5: // any caller, deep path under **
          set(r, "GET", svc + "/docs/guide/v2/chapter" + random.nextInt(9), client(service + 5));
          break;
        case 6: // no rule matches at all
          set(r, "PATCH", "/unknown" + service + "/x/y", client(service), read);
          break;
        default: // the monitor, through the root ** rule
          set(r, "GET", svc + "/items/i" + random.nextInt(100) + "/detail/d", "spiffe://example.org/monitor");
      }
    }
    for (int r = 0; r < REQUESTS; r++) {
      seen.merge(policy.decide(methods[r], paths[r], callers[r]).outcome(), 1, Integer::sum);
    }
    Fixture.check(seen.keySet().containsAll(Set.of(Decision.Outcome.ALLOWED, Decision.Outcome.PUBLIC,
        Decision.Outcome.DENIED)), "request mix " + seen);
    Fixture.check(rules < 10 || seen.containsKey(Decision.Outcome.INSUFFICIENT_SCOPE), "request mix " + seen);
  }

  private static String client(int service) {
    return "spiffe://example.org/client" + (service % CLIENTS);
  }

  private void set(int r, String method, String path, String caller, String... scopes) {
    methods[r] = method;
    paths[r] = path;
    callers[r] = caller == null ? null : Caller.of(SpiffeId.parse(caller), Set.of(scopes));
  }

  @Benchmark
  public Decision decide() {
    int i = next;
    next = (i + 1) & (REQUESTS - 1);
    return policy.decide(methods[i], paths[i], callers[i]);
  }

  /** What the servlet filter used to do per request: {@code isPublic}, then {@code decide}, two walks of the index. */
  @Benchmark
  public Object isPublicThenDecide() {
    int i = next;
    next = (i + 1) & (REQUESTS - 1);
    if (policy.isPublic(methods[i], paths[i])) {
      return Boolean.TRUE;
    }
    return policy.decide(methods[i], paths[i], callers[i]);
  }

  /** What the servlet filter does per request now: one {@code match}, asked whether public, then to decide. */
  @Benchmark
  public Object matchThenDecide() {
    int i = next;
    next = (i + 1) & (REQUESTS - 1);
    PolicyMatch match = policy.match(methods[i], paths[i]);
    if (match.isPublic()) {
      return Boolean.TRUE;
    }
    return match.decide(callers[i]);
  }
}

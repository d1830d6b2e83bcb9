package dev.lanyard.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.lanyard.audit.AuditEvent;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.graph.GraphEdge;
import dev.lanyard.inventory.Inventory;
import dev.lanyard.policy.Policy;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.RawResponse;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tests {@link FilterEngine}, the order of one request's steps, through the real filter in a real Tomcat: every
 * outcome asks the policy source exactly once (one policy match per request, the public check and the decision both
 * answered from it), a raw path not in normal form is refused before any policy is asked, and each outcome gives one
 * audit event and, for a policy decision on a verified caller, one trust-graph call.
 */
class FilterEngineTest {
  static final TrustDomain TD = TrustDomain.of("example.org");
  static final String AUDIENCE = "spiffe://example.org/payments";
  static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  static final SpiffeId LEDGER = SpiffeId.parse("spiffe://example.org/ledger");
  static final SpiffeId DEPLOYER = SpiffeId.parse("spiffe://example.org/ci/deployer");
  static final Policy POLICY = Policy.parse(String.join("\n",
      "GET  /health  public",
      "GET  /orders  spiffe://example.org/orders,spiffe://example.org/ci/deployer  orders:read",
      "POST /orders  spiffe://example.org/orders  orders:write",
      ""), "policy.txt");
  static final String INVENTORY = """
      {"format": "lanyard-inventory/1", "identities": [
        {"id": "spiffe://example.org/ci/deployer", "owner": "platform", "deployOnly": true}
      ]}""";

  static final EmbeddedAuthority AUTHORITY = EmbeddedAuthority.newBuilder(TD).build();
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  static final AtomicInteger POLICY_ASKS = new AtomicInteger();
  static final List<AuditEvent> EVENTS = new CopyOnWriteArrayList<>();
  @TempDir
  static Path dir;
  static LanyardFilter filter;
  static TomcatServer server;

  @BeforeAll
  static void start() throws Exception {
    filter = LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE).bundleSource(AUTHORITY.bundleSource())
        .policySupplier(() -> {
          POLICY_ASKS.incrementAndGet();
          return POLICY;
        })
        .inventory(Inventory.parse(INVENTORY, "inventory.json")).auditSink(EVENTS::add).build();
    server = TomcatServer.newBuilder(dir.resolve("tomcat")).filter(filter).start();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  @BeforeEach
  void reset() {
    POLICY_ASKS.set(0);
    EVENTS.clear();
  }

  static String token(SpiffeId caller, String... scopes) {
    return AUTHORITY.mintJwtSvid(caller, AUDIENCE, scopes).token();
  }

  static HttpResponse<String> send(String method, String path, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(10))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (headers.length > 0) {
      request.headers(headers);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static Stream<Arguments> outcomes() {
    String read = "Bearer " + token(ORDERS, "orders:read");
    return Stream.of(
        arguments("public rule", "GET", "/health", new String[0], 200, AuditEvent.Decision.PUBLIC, null),
        arguments("no credential", "GET", "/orders", new String[0], 401, AuditEvent.Decision.UNAUTHENTICATED, null),
        arguments("two Authorization headers", "GET", "/orders", new String[] {"Authorization", read,
            "Authorization", read}, 400, AuditEvent.Decision.BAD_REQUEST, "MULTIPLE_AUTHORIZATION_HEADERS"),
        arguments("token refused", "GET", "/orders", new String[] {"Authorization", "Bearer not.a.token"}, 401,
            AuditEvent.Decision.REJECTED, "MALFORMED"),
        arguments("allowed", "GET", "/orders", new String[] {"Authorization", read}, 200,
            AuditEvent.Decision.ALLOWED, null),
        arguments("insufficient scope", "POST", "/orders", new String[] {"Authorization", read}, 403,
            AuditEvent.Decision.INSUFFICIENT_SCOPE, "missing orders:write"),
        arguments("no rule allows the caller", "GET", "/orders",
            new String[] {"Authorization", "Bearer " + token(LEDGER, "orders:read")}, 403,
            AuditEvent.Decision.DENIED, "NO_RULE_ALLOWS_CALLER"),
        arguments("no rule matches", "DELETE", "/orders", new String[] {"Authorization", read}, 403,
            AuditEvent.Decision.DENIED, "NO_MATCHING_RULE"),
        arguments("deploy-only caller", "GET", "/orders",
            new String[] {"Authorization", "Bearer " + token(DEPLOYER, "orders:read")}, 403,
            AuditEvent.Decision.DENIED, "DEPLOY_ONLY_IDENTITY"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("outcomes")
  void requestWhenAnyOutcomeThenPolicyAskedOnceAndOneAuditEvent(String name, String method, String path,
      String[] headers, int status, AuditEvent.Decision decision, @Nullable String reason) throws Exception {
    HttpResponse<String> response = send(method, path, headers);

    assertThat(response.statusCode()).as("%s: %s", name, response.body()).isEqualTo(status);
    assertThat(POLICY_ASKS.get()).as("policy matches for: %s", name).isEqualTo(1);
    assertThat(EVENTS).hasSize(1);
    assertThat(EVENTS.get(0).decision()).isEqualTo(decision);
    if (reason == null) {
      assertThat(EVENTS.get(0).reason()).isEmpty();
    } else {
      assertThat(EVENTS.get(0).reason().orElseThrow()).startsWith(reason);
    }
  }

  @Test
  void requestWhenRawPathNotInNormalFormThenRefusedBeforeAnyPolicyMatch() throws Exception {
    RawResponse response = RawResponse.get(server.port(), "/health/../orders", null);

    assertThat(response.status).isEqualTo(400);
    assertThat(POLICY_ASKS.get()).isZero();
    assertThat(EVENTS).singleElement().satisfies(e -> {
      assertThat(e.decision()).isEqualTo(AuditEvent.Decision.BAD_REQUEST);
      assertThat(e.reason()).contains("NON_NORMALIZED_PATH");
    });
  }

  @Test
  void requestsWhenManyThenOnePolicyMatchAndOneGraphCallEach() throws Exception {
    long before = callsOf(ORDERS);
    String read = "Bearer " + token(ORDERS, "orders:read");
    for (int i = 0; i < 20; i++) {
      assertThat(send("GET", "/orders", "Authorization", read).statusCode()).isEqualTo(200);
    }
    assertThat(send("POST", "/orders", "Authorization", read).statusCode()).isEqualTo(403);

    assertThat(POLICY_ASKS.get()).isEqualTo(21);
    assertThat(EVENTS).hasSize(21);
    assertThat(callsOf(ORDERS) - before).isEqualTo(21);
  }

  static long callsOf(SpiffeId caller) {
    return filter.trustGraph().snapshot().edges().stream().filter(e -> e.caller().equals(caller))
        .mapToLong(GraphEdge::calls).sum();
  }
}

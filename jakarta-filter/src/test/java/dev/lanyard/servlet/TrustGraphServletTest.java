package dev.lanyard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.graph.GraphEdge;
import dev.lanyard.graph.GraphSnapshot;
import dev.lanyard.graph.TrustGraph;
import dev.lanyard.policy.Policy;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TrustGraphServlet} and the recording of {@link LanyardFilter} in a real embedded Tomcat 11, configured by
 * init-params as {@code web.xml} would, driven by the JDK HTTP client from several threads: the served graph counts
 * exactly the requests sent per caller and rule, denials by reason, in JSON, DOT and Mermaid.
 */
class TrustGraphServletTest {
  static final TrustDomain TD = TrustDomain.of("example.org");
  static final String AUDIENCE = "spiffe://example.org/payments";
  static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  static final SpiffeId LEDGER = SpiffeId.parse("spiffe://example.org/ledger");
  static final SpiffeId OPS = SpiffeId.parse("spiffe://example.org/ops");
  static final String POLICY = String.join("\n",
      "GET  /payments/**   spiffe://example.org/orders  payments:read",
      "GET  /lanyard/graph spiffe://example.org/ops",
      "POST /lanyard/graph spiffe://example.org/ops",
      "");

  static EmbeddedAuthority authority;
  static HttpClient http;
  static TomcatServer server;

  @TempDir
  static Path shared;

  @BeforeAll
  static void startServer() throws Exception {
    authority = EmbeddedAuthority.newBuilder(TD).build();
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
        .build();
    Path bundle = Files.writeString(shared.resolve("bundle.json"), authority.bundle().toJson());
    Path policy = Files.writeString(shared.resolve("policy.txt"), POLICY);
    server = TomcatServer.newBuilder(shared.resolve("tomcat"))
        .initParam(LanyardFilter.TRUST_DOMAIN, "example.org")
        .initParam(LanyardFilter.AUDIENCE, AUDIENCE)
        .initParam(LanyardFilter.BUNDLE, bundle.toString())
        .initParam(LanyardFilter.POLICY, policy.toString())
        .servlet("graph", TrustGraphServlet.class.getName(), "/lanyard/graph",
            Map.of(TrustGraphServlet.FILTER_NAME, TomcatServer.FILTER_NAME))
        .start();
    assertThat(server.contextAvailable()).as(server.startupErrors()).isTrue();
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  static String token(SpiffeId subject, String... scopes) {
    return authority.mintJwtSvid(subject, AUDIENCE, scopes).token();
  }

  /** A token for the audience {@code payments-api}, not a SPIFFE ID. */
  static String apiToken(SpiffeId subject) {
    return authority.mintJwtSvid(subject, "payments-api").token();
  }

  static HttpResponse<String> send(TomcatServer target, String method, String path, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(target.uri(path)).timeout(Duration.ofSeconds(10))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Sends {@code n} requests from 4 threads, asserting each status. */
  static void sendMany(int n, String path, String token, int status) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        results.add(pool.submit(() -> send(server, "GET", path, token).statusCode()));
      }
      for (Future<Integer> r : results) {
        assertThat(r.get(30, TimeUnit.SECONDS)).isEqualTo(status);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  static GraphEdge edge(GraphSnapshot graph, SpiffeId caller, Integer ruleLine) {
    return graph.edges().stream()
        .filter(e -> e.caller().equals(caller))
        .filter(e -> ruleLine == null ? e.rule().isEmpty() : e.rule().map(r -> r.line() == ruleLine).orElse(false))
        .findFirst().orElseThrow(() -> new AssertionError("no edge " + caller + " rule " + ruleLine + ": "
            + graph.edges()));
  }

  @Test
  void requestsFromTwoCallersWhenServedAsJsonThenCountsEqualRequestsSentAndDenialsByReason() throws Exception {
    String ordersRead = token(ORDERS, "payments:read");
    String ordersNoScope = token(ORDERS);
    String ledger = token(LEDGER);
    sendMany(40, "/payments/1", ordersRead, 200);
    sendMany(6, "/payments/2", ordersNoScope, 403);
    sendMany(9, "/payments/3", ledger, 403);
    sendMany(5, "/nowhere", ledger, 403);
    sendMany(3, "/payments/4", null, 401); // no caller: nothing to record

    HttpResponse<String> response = send(server, "GET", "/lanyard/graph", token(OPS));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        v -> assertThat(v).startsWith("application/json"));
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    GraphSnapshot graph = GraphSnapshot.parseJson(response.body());
    assertThat(graph.callees()).containsExactly(SpiffeId.parse(AUDIENCE));
    GraphEdge orders = edge(graph, ORDERS, 1);
    assertThat(orders.calls()).isEqualTo(46);
    assertThat(orders.allowed()).isEqualTo(40);
    assertThat(orders.denials()).containsExactly(Map.entry(TrustGraph.INSUFFICIENT_SCOPE, 6L));
    assertThat(orders.scopesPresented()).containsExactly("payments:read");
    GraphEdge ledgerEdge = edge(graph, LEDGER, null);
    assertThat(ledgerEdge.calls()).isEqualTo(14);
    assertThat(ledgerEdge.allowed()).isZero();
    assertThat(ledgerEdge.denials()).containsOnly(Map.entry(TrustGraph.NOT_ALLOWED, 9L),
        Map.entry(TrustGraph.NO_RULE, 5L));
    assertThat(graph.edges()).extracting(GraphEdge::caller).containsOnly(ORDERS, LEDGER, OPS);
    assertThat(graph.overflow()).isZero();
  }

  @Test
  void formatDotWhenRequestedThenGraphvizServed() throws Exception {
    send(server, "GET", "/payments/9", token(ORDERS, "payments:read"));

    HttpResponse<String> response = send(server, "GET", "/lanyard/graph?format=dot", token(OPS));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        v -> assertThat(v).startsWith("text/vnd.graphviz"));
    assertThat(response.body()).startsWith("digraph lanyard {\n")
        .contains("\"spiffe://example.org/orders\" -> \"spiffe://example.org/payments\" [label=");
  }

  @Test
  void formatMermaidWhenRequestedThenFlowchartServed() throws Exception {
    send(server, "GET", "/payments/9", token(ORDERS, "payments:read"));

    HttpResponse<String> response = send(server, "GET", "/lanyard/graph?format=mermaid", token(OPS));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        v -> assertThat(v).startsWith("text/plain"));
    assertThat(response.body()).startsWith("flowchart LR\n").contains("[\"spiffe://example.org/orders\"]")
        .contains("-->|\"");
  }

  @Test
  void unknownFormatWhenRequestedThenBadRequest() throws Exception {
    assertThat(send(server, "GET", "/lanyard/graph?format=svg", token(OPS)).statusCode()).isEqualTo(400);
  }

  @Test
  void postWhenSentThenMethodNotAllowedWithAllowGet() throws Exception {
    HttpResponse<String> response = send(server, "POST", "/lanyard/graph", token(OPS));

    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.headers().firstValue("Allow")).hasValue("GET");
  }

  @Test
  void graphWhenCallerNotAllowedByPolicyThenFilterRefusesIt() throws Exception {
    assertThat(send(server, "GET", "/lanyard/graph", token(ORDERS)).statusCode()).isEqualTo(403);
    assertThat(send(server, "GET", "/lanyard/graph", null).statusCode()).isEqualTo(401);
  }

  @Test
  void programmaticServletWhenGivenFilterGraphThenServesItsCalls(@TempDir Path dir) throws Exception {
    LanyardFilter filter = LanyardFilter.newBuilder().trustDomain(TD).audience("payments-api")
        .bundleSource(authority.bundleSource()).policy(Policy.parse(POLICY, "inline")).build();
    try (TomcatServer programmatic = TomcatServer.newBuilder(dir).filter(filter)
        .servlet("graph", new TrustGraphServlet(filter::trustGraph), "/lanyard/graph", Map.of()).start()) {
      assertThat(programmatic.contextAvailable()).as(programmatic.startupErrors()).isTrue();
      for (int i = 0; i < 3; i++) {
        assertThat(send(programmatic, "GET", "/payments/1", apiToken(LEDGER)).statusCode()).isEqualTo(403);
      }

      HttpResponse<String> response = send(programmatic, "GET", "/lanyard/graph", apiToken(OPS));

      assertThat(response.statusCode()).isEqualTo(200);
      GraphSnapshot graph = GraphSnapshot.parseJson(response.body());
      assertThat(graph.callees()).containsExactly(TD.spiffeId());
      assertThat(edge(graph, LEDGER, null).denials()).containsExactly(Map.entry(TrustGraph.NOT_ALLOWED, 3L));
      assertThat(filter.trustGraph().callee()).isEqualTo(TD.spiffeId());
    }
  }
}

package dev.lanyard.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.audit.AuditEvent;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.credentials.CachingJwtSvidSource;
import dev.lanyard.credentials.JwtSvidSource;
import dev.lanyard.graph.GraphSnapshot;
import dev.lanyard.graph.TrustGraph;
import dev.lanyard.inventory.Inventory;
import dev.lanyard.jwt.JwtSvidRejectedException;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.jwt.VerifiedJwtSvid;
import dev.lanyard.policy.Caller;
import dev.lanyard.policy.Decision;
import dev.lanyard.policy.Policy;
import dev.lanyard.policy.PolicyMatch;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The core examples of the READMEs (README.md; the audit line and policy of jakarta-filter/README.md), run: each tagged region is what the README shows (core's
 * {@link ReadmeSnippetsTest} keeps them equal), and the lines between a region's segments check what it claims.
 */
class ReadmeExamplesTest {
  private static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");

  @Test
  void plainJavaWhenRunThenTheCallerIsVerifiedWithItsScopesAndAForgeryIsRejected() {
    // tag::plain-java[]
    // The embedded authority (dev, tests, one host). Persist it with .directory(path) to keep it across restarts.
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TrustDomain.of("example.org")).build();

    // Caller side: cached tokens per (audience, scopes), renewed at about half their life.
    JwtSvidSource tokens = CachingJwtSvidSource
        .newBuilder(authority, SpiffeId.parse("spiffe://example.org/orders")).build();
    String bearer = tokens.fetch("spiffe://example.org/payments", "payments:charge").token();

    // Callee side: a strict verifier, one per audience, shared by all threads.
    JwtSvidVerifier verifier = JwtSvidVerifier.newBuilder()
        .bundleSource(authority.bundleSource())
        .revocations(authority.revocations())
        .audience("spiffe://example.org/payments")
        .build();
    try {
      VerifiedJwtSvid caller = verifier.verify(bearer);
      caller.subject();   // spiffe://example.org/orders
      caller.scopes();    // [payments:charge]
      // end::plain-java[]
      assertThat(caller.subject()).isEqualTo(ORDERS);
      assertThat(caller.scopes()).containsExactly("payments:charge");
      // tag::plain-java[]
    } catch (JwtSvidRejectedException e) {
      e.reason();         // EXPIRED, BAD_SIGNATURE, AUDIENCE_MISMATCH, ... (401 for every reason)
      // end::plain-java[]
      throw new AssertionError(e.reason());
      // tag::plain-java[]
    }
    // end::plain-java[]

    String forged = bearer.substring(0, bearer.lastIndexOf('.') + 1) + "AAAA";
    assertThatThrownBy(() -> verifier.verify(forged)).isInstanceOfSatisfying(JwtSvidRejectedException.class,
        e -> assertThat(e.reason()).isEqualTo(JwtSvidRejectedException.Reason.BAD_SIGNATURE));
  }

  @Test
  void trustGraphWhenACallIsRecordedThenTheWrittenGraphHoldsItsEdge(@TempDir Path dir) throws IOException {
    Policy policy = Policy.parse(resource("policy.txt"), "policy.txt");
    String method = "POST";
    String path = "/payments/charge";
    Caller caller = Caller.of(ORDERS, Set.of("payments:charge"));
    Path graphFile = dir.resolve("payments-graph.json");
    // tag::trust-graph[]
    TrustGraph graph = TrustGraph.newBuilder(SpiffeId.parse("spiffe://example.org/payments")).build();
    PolicyMatch match = policy.match(method, path);
    Decision decision = match.decide(caller);
    graph.record(caller, match, decision);
    Files.writeString(graphFile, graph.snapshot().toJson());   // payments-graph.json: lanyard-graph/1
    // end::trust-graph[]

    assertThat(decision.isAllowed()).isTrue();
    GraphSnapshot written = GraphSnapshot.parseJson(Files.readString(graphFile));
    assertThat(written.edges()).singleElement().satisfies(edge -> assertThat(edge.toString()).contains(
        ORDERS.toString()));
  }

  @Test
  void policyWhenTheReadmesPolicyDecidesThenEachRuleDoesWhatItsLineSays() {
    Policy policy = Policy.parse(resource("policy.txt"), "policy.txt");
    Caller orders = Caller.of(ORDERS, Set.of("payments:charge"));
    Caller ledger = Caller.of(SpiffeId.parse("spiffe://example.org/ledger"), Set.of("payments:read"));

    assertThat(policy.decide("POST", "/payments/charge", orders).isAllowed()).isTrue();
    assertThat(policy.decide("POST", "/payments/charge", ledger).isAllowed()).isFalse();
    assertThat(policy.decide("GET", "/payments/42", ledger).isAllowed()).isTrue();
    assertThat(policy.decide("DELETE", "/health", null).isAllowed()).isTrue();
    assertThat(policy.decide("GET", "/metrics", orders).isAllowed()).isTrue();
    assertThat(policy.decide("GET", "/metrics", Caller.of(SpiffeId.parse("spiffe://other.org/x"), Set.of()))
        .isAllowed()).isFalse();
    assertThat(policy.decide("GET", "/whoami", null).isAllowed()).isFalse();
    assertThat(policy.decide("GET", "/nothing", orders).isAllowed()).isFalse();
  }

  @Test
  void inventoryWhenTheReadmesInventoryIsReadThenOwnersTtlsAndDeployOnlyAsWritten() {
    Inventory inventory = Inventory.parse(resource("inventory.json"), "inventory.json");

    assertThat(inventory.maxTtl()).contains(Duration.ofHours(1));
    assertThat(inventory.lookup(ORDERS)).hasValueSatisfying(entry -> {
      assertThat(entry.owner()).contains("team-orders");
      assertThat(entry.maxTtl()).contains(Duration.ofMinutes(30));
      assertThat(entry.deployOnly()).isFalse();
    });
    assertThat(inventory.lookup(SpiffeId.parse("spiffe://example.org/ci/deployer")))
        .hasValueSatisfying(entry -> assertThat(entry.deployOnly()).isTrue());
  }

  @Test
  void auditEventWhenBuiltWithTheDocumentedValuesThenItsJsonIsTheDocumentedLine() {
    AuditEvent event = AuditEvent.newBuilder(Instant.parse("2026-12-05T08:56:34.446Z"),
            AuditEvent.Decision.INSUFFICIENT_SCOPE)
        .reason("missing payments:charge").caller("spiffe://example.org/orders", true)
        .request("POST", "/payments/charge").rule("policy.txt:3").tokenId("SnLmcYT16wozL0neatclmQ")
        .callee("spiffe://example.org/payments").credential(AuditEvent.Credential.JWT)
        .keyId("UWWUrkW5VtW20y19lRkBfA").scopesPresented(List.of("payments:read"))
        .scopesRequired(List.of("payments:charge")).traceId("4bf92f3577b34da6a3ce929d0e0e4736").build();

    assertThat(event.toJson()).isEqualTo(resource("audit-event.json").strip());
  }

  /** A resource beside this class without its tag lines (JSON has no comments, so they are dropped here). */
  private static String resource(String name) {
    try (InputStream in = ReadmeExamplesTest.class.getResourceAsStream(name)) {
      assertThat(in).as(name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
          .filter(line -> !line.contains("tag::") && !line.contains("end::"))
          .collect(Collectors.joining("\n", "", "\n"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

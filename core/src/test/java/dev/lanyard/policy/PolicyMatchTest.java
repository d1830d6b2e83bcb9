package dev.lanyard.policy;

import static dev.lanyard.policy.PolicyTest.BILLING;
import static dev.lanyard.policy.PolicyTest.EXAMPLE;
import static dev.lanyard.policy.PolicyTest.FEATURES;
import static dev.lanyard.policy.PolicyTest.FOREIGN;
import static dev.lanyard.policy.PolicyTest.LEDGER;
import static dev.lanyard.policy.PolicyTest.ORDERS;
import static dev.lanyard.policy.PolicyTest.SOURCE;
import static dev.lanyard.policy.PolicyTest.assertDecision;
import static dev.lanyard.policy.PolicyTest.caller;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import dev.lanyard.policy.Decision.Outcome;
import dev.lanyard.spiffe.SpiffeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link Policy#match} and {@link PolicyMatch}: one match answers both questions the filter asks, with the same
 * outcomes and rules as {@link Policy#isPublic} and {@link Policy#decide}, and a request along one branch of the index
 * gets a precomputed match.
 */
class PolicyMatchTest {
  /** Every caller the tests use, and none. */
  private static final List<Caller> CALLERS = new ArrayList<>();

  static {
    CALLERS.add(null);
    for (SpiffeId id : List.of(ORDERS, LEDGER, BILLING, FOREIGN)) {
      CALLERS.add(caller(id));
      CALLERS.add(caller(id, "payments:charge", "payments:read"));
      CALLERS.add(caller(id, "reports:read"));
      CALLERS.add(caller(id, "reports:write", "reports:admin"));
    }
  }

  private static final String OVERLAP = String.join("\n",
      "GET /a/b/c spiffe://example.org/orders",
      "GET /a/*/c spiffe://example.org/ledger",
      "GET /a/** spiffe://example.org/billing",
      "GET /** spiffe://other.org/*",
      "* /a/b/open public",
      "GET /a/*/open spiffe://example.org/orders");

  @Test
  void matchWhenAnyRequestThenSameAnswersAsIsPublicAndDecide() {
    List<String> paths = List.of("/", "/payments/charge", "/payments", "/payments/a/b", "/health", "/metrics",
        "/whoami", "/reports", "/items/1/detail", "/items/1", "/a/b/c", "/a/x/c", "/a", "/a/b/open", "/a/x/open",
        "/b", "/a/../b", "//x", "x", "");
    List<String> methods = List.of("GET", "POST", "PUT", "DELETE", "HEAD", "PROPFIND", "get");
    for (String text : List.of(EXAMPLE, FEATURES, OVERLAP, "")) {
      Policy policy = Policy.parse(text, SOURCE);
      for (String method : methods) {
        for (String path : paths) {
          PolicyMatch match = policy.match(method, path);
          assertThat(match.isPublic()).as("%s %s", method, path).isEqualTo(policy.isPublic(method, path));
          for (Caller caller : CALLERS) {
            Decision expected = policy.decide(method, path, caller);
            Decision actual = match.decide(caller);
            assertThat(actual.outcome()).as("%s %s %s", method, path, caller).isEqualTo(expected.outcome());
            assertThat(actual.rule()).as("%s %s %s", method, path, caller).isEqualTo(expected.rule());
            assertThat(actual.missingScopes()).isEqualTo(expected.missingScopes());
          }
        }
      }
    }
  }

  @Test
  void matchWhenPublicRuleThenPublicForEveryCaller() {
    PolicyMatch match = Policy.parse(EXAMPLE, SOURCE).match("DELETE", "/health");

    assertThat(match.isPublic()).isTrue();
    assertDecision(match.decide(null), Outcome.PUBLIC, 4, List.of());
    assertDecision(match.decide(caller(ORDERS)), Outcome.PUBLIC, 4, List.of());
  }

  @Test
  void matchWhenNoRuleMatchesThenUnauthenticatedWithoutCallerAndDeniedWithOne() {
    PolicyMatch match = Policy.parse(EXAMPLE, SOURCE).match("GET", "/nowhere/at/all");

    assertThat(match.isPublic()).isFalse();
    assertDecision(match.decide(null), Outcome.UNAUTHENTICATED, null, List.of());
    assertDecision(match.decide(caller(ORDERS, "payments:read")), Outcome.DENIED, null, List.of());
  }

  @Test
  void matchWhenScopesMissingThenClosestRuleAndItsMissingScopesInRuleOrder() {
    PolicyMatch match = Policy.parse(FEATURES, SOURCE).match("PUT", "/reports");

    assertDecision(match.decide(caller(ORDERS, "reports:admin")), Outcome.INSUFFICIENT_SCOPE, 1,
        List.of("reports:write", "audit:log"));
    assertDecision(match.decide(caller(ORDERS, "reports:write", "reports:admin", "audit:log")), Outcome.ALLOWED, 1,
        List.of());
  }

  @Test
  void matchWhenSameBranchAgainThenSamePrecomputedMatch() {
    Policy policy = Policy.parse(EXAMPLE + "GET /items/*/detail any\n", SOURCE);

    assertThat(policy.match("GET", "/payments/a/b")).isSameAs(policy.match("GET", "/payments/x"));
    assertThat(policy.match("GET", "/items/1/detail")).isSameAs(policy.match("GET", "/items/2/detail/"));
    assertThat(policy.match("GET", "/whoami")).isNotSameAs(policy.match("POST", "/whoami"));
    assertThat(policy.match("GET", "/nowhere")).isSameAs(policy.match("PUT", "/x/../y"));
  }

  @Test
  void matchWhenPathTakesLiteralAndStarBranchesThenRulesOfBoth() {
    Policy policy = Policy.parse(OVERLAP, SOURCE);

    PolicyMatch both = policy.match("GET", "/a/b/c");
    assertThat(both.isPublic()).isFalse();
    assertDecision(both.decide(caller(ORDERS)), Outcome.ALLOWED, 1, List.of());
    assertDecision(both.decide(caller(LEDGER)), Outcome.ALLOWED, 2, List.of());
    assertDecision(both.decide(caller(BILLING)), Outcome.ALLOWED, 3, List.of());
    assertDecision(both.decide(caller(FOREIGN)), Outcome.ALLOWED, 4, List.of());
    PolicyMatch open = policy.match("GET", "/a/b/open");
    assertThat(open.isPublic()).isTrue();
    assertDecision(open.decide(caller(ORDERS)), Outcome.PUBLIC, 5, List.of());
  }

  @Test
  void matchWhenMethodUnknownThenOnlyRulesForAnyMethod() {
    Policy policy = Policy.parse(EXAMPLE, SOURCE);

    assertThat(policy.match("PROPFIND", "/health").isPublic()).isTrue();
    assertDecision(policy.match("PROPFIND", "/whoami").decide(caller(ORDERS)), Outcome.DENIED, null, List.of());
    assertDecision(policy.match("get", "/whoami").decide(caller(ORDERS)), Outcome.DENIED, null, List.of());
  }

  @Test
  void matchWhenManySimilarLiteralsThenHitsAndMissesFound() {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 5000; i++) {
      text.append("GET /svc").append(i).append(" spiffe://example.org/svc").append(i).append('\n');
    }
    Policy policy = Policy.parse(text.toString(), SOURCE);

    for (int i = 0; i < 5000; i += 7) {
      assertDecision(policy.match("GET", "/svc" + i).decide(caller(ORDERS)), Outcome.DENIED, null, List.of());
      assertThat(policy.match("GET", "/svc" + i).decide(null).outcome()).isEqualTo(Outcome.UNAUTHENTICATED);
      assertThat(policy.decide("GET", "/svc" + i, Caller.of(SpiffeId.parse(
          "spiffe://example.org/svc" + i), Set.of())).rule().orElseThrow().line()).isEqualTo(i + 1);
    }
    for (String miss : List.of("/svc5000", "/svc-1", "/svc", "/svc00", "/Svc1", "/svc1x")) {
      assertDecision(policy.match("GET", miss).decide(caller(ORDERS)), Outcome.DENIED, null, List.of());
    }
  }

  @Test
  void matchWhenNullMethodOrPathThenNullPointerException() {
    Policy policy = Policy.parse(EXAMPLE, SOURCE);

    assertThatNullPointerException().isThrownBy(() -> policy.match(null, "/x"));
    assertThatNullPointerException().isThrownBy(() -> policy.match("GET", null));
  }

  @Test
  void toStringWhenPublicThenSaysSoAndCountsRules() {
    Policy policy = Policy.parse(EXAMPLE, SOURCE);

    assertThat(policy.match("GET", "/health")).hasToString("PolicyMatch[1 rules, public]");
    assertThat(policy.match("GET", "/nowhere")).hasToString("PolicyMatch[0 rules]");
  }
}

package dev.lanyard.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.lanyard.policy.Decision.Outcome;
import dev.lanyard.spiffe.SpiffeId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The policy file syntax (valid and invalid lines, with the line numbers and messages reported), every outcome of
 * {@link Policy#decide}, non-normalised request paths, and a policy of 100 000 rules deciding exactly like a small one.
 */
class PolicyTest {
  static final String SOURCE = "policy.txt";

  static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  static final SpiffeId LEDGER = SpiffeId.parse("spiffe://example.org/ledger");
  static final SpiffeId BILLING = SpiffeId.parse("spiffe://example.org/billing");
  static final SpiffeId FOREIGN = SpiffeId.parse("spiffe://other.org/orders");

  /** The example of the issue, verbatim: rule lines 2 to 6. */
  static final String EXAMPLE = String.join("\n",
      "# methods  path               callers                                           scopes",
      "POST       /payments/charge   spiffe://example.org/orders                       payments:charge",
      "GET        /payments/**       spiffe://example.org/orders,spiffe://example.org/ledger  payments:read",
      "*          /health            public",
      "GET        /metrics           spiffe://example.org/*",
      "GET        /whoami            any",
      "");

  /** Scopes, several rules for one endpoint, methods lists and {@code *} segments: rule lines 1 to 6. */
  static final String FEATURES = String.join("\n",
      "PUT      /reports          spiffe://example.org/orders  reports:write,reports:admin,audit:log",
      "GET      /reports          spiffe://example.org/orders  reports:read",
      "GET      /reports          spiffe://example.org/ledger",
      "GET      /reports          spiffe://example.org/orders  reports:admin",
      "GET      /items/*/detail   spiffe://example.org/orders",
      "GET,POST /items/*          any");

  static Caller caller(SpiffeId id, String... scopes) {
    return Caller.of(id, Set.of(scopes));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Parsing: invalid lines, hostile ones first
  // ---------------------------------------------------------------------------------------------------------------

  static Stream<Arguments> invalidLines() {
    return Stream.of(
        // paths that try to escape or confuse matching
        arguments("GET /a/../b any", "path '/a/../b' has a '.' or '..' segment"),
        arguments("GET /a/./b any", "path '/a/./b' has a '.' or '..' segment"),
        arguments("GET /a//b any", "path '/a//b' has an empty segment"),
        arguments("GET //a any", "path '//a' has an empty segment"),
        arguments("GET /a?b=1 any", "path '/a?b=1' may not contain '?', '#' or ';'"),
        arguments("GET /a;jsessionid=1 any", "path '/a;jsessionid=1' may not contain '?', '#' or ';'"),
        arguments("GET /a#b any", "path '/a#b' may not contain '?', '#' or ';'"),
        arguments("GET a/b any", "path 'a/b' must start with '/'"),
        arguments("GET * any", "path '*' must start with '/'"),
        arguments("GET /" + "a/".repeat(65) + "b any", "has more than 64 segments"),
        // wildcards
        arguments("GET /a/**/b any", "'**' may only be the last segment of '/a/**/b'"),
        arguments("GET /**/b any", "'**' may only be the last segment of '/**/b'"),
        arguments("GET /a/b* any", "'*' must be a whole segment in '/a/b*'"),
        arguments("GET /a/*b any", "'*' must be a whole segment in '/a/*b'"),
        arguments("GET /a/*** any", "'*' must be a whole segment in '/a/***'"),
        // methods
        arguments("PSOT /payments/charge any", "unknown method 'PSOT'"),
        arguments("GET,PSOT /x any", "unknown method 'PSOT'"),
        arguments("get /x any", "unknown method 'get'"),
        arguments("GET,* /x any", "unknown method '*'"),
        arguments("ANY /x any", "unknown method 'ANY'"),
        // callers
        arguments("GET /x public read", "a public rule takes no scopes"),
        arguments("GET /x public,any", "'public' cannot be combined with other callers"),
        arguments("GET /x any,public", "'public' cannot be combined with other callers"),
        arguments("GET /x public,spiffe://example.org/orders", "'public' cannot be combined with other callers"),
        arguments("GET /x spiffe://example.org/*,public", "'public' cannot be combined with other callers"),
        arguments("GET /x orders", "caller 'orders' is not a SPIFFE ID, spiffe://<td>/*, any or public"),
        arguments("GET /x Public", "caller 'Public' is not a SPIFFE ID"),
        arguments("GET /x spiffe://Example.org/orders", "caller 'spiffe://Example.org/orders' is not a SPIFFE ID"),
        arguments("GET /x https://example.org/orders", "caller 'https://example.org/orders' is not a SPIFFE ID"),
        arguments("GET /x spiffe://example.org/orders/", "caller 'spiffe://example.org/orders/' is not a SPIFFE ID"),
        arguments("GET /x spiffe://example.org/a/../b", "caller 'spiffe://example.org/a/../b' is not a SPIFFE ID"),
        arguments("GET /x spiffe://example.org/orders/*", "caller 'spiffe://example.org/orders/*' is not a SPIFFE ID"),
        arguments("GET /x spiffe://example.org/*/x", "caller 'spiffe://example.org/*/x' is not a SPIFFE ID"),
        arguments("GET /x spiffe://EXAMPLE.org/*", "invalid trust domain in caller 'spiffe://EXAMPLE.org/*'"),
        arguments("GET /x spiffe:///*", "invalid trust domain in caller 'spiffe:///*'"),
        // empty list items
        arguments("GET,,POST /x any", "empty method in 'GET,,POST'"),
        arguments("GET, /x any", "empty method in 'GET,'"),
        arguments(",GET /x any", "empty method in ',GET'"),
        arguments("GET /x spiffe://example.org/orders,", "empty caller in 'spiffe://example.org/orders,'"),
        arguments("GET /x ,any", "empty caller in ',any'"),
        arguments("GET /x any read,,write", "empty scope in 'read,,write'"),
        arguments("GET /x any read,", "empty scope in 'read,'"),
        // scopes
        arguments("GET /x any a\"b", "invalid scope 'a\"b'"),
        arguments("GET /x any a\\b", "invalid scope 'a\\b'"),
        arguments("GET /x any r\u00e9ad", "invalid scope 'r\u00e9ad'"),
        // column count
        arguments("GET", "expected METHODS PATH CALLERS [SCOPES], found 1 column"),
        arguments("GET /x", "expected METHODS PATH CALLERS [SCOPES], found 2 columns"),
        arguments("GET /x any read write", "expected METHODS PATH CALLERS [SCOPES], found 5 columns"),
        arguments("GET /x spiffe://example.org/a, spiffe://example.org/b",
            "empty caller in 'spiffe://example.org/a,'"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("invalidLines")
  void parseWhenLineInvalidThenErrorNamesFileLineAndProblem(String line, String problem) {
    // Comment, blank, valid rule, comment with trailing blanks: the bad line is line 5.
    String text = "# policy\n\nGET /ok any\n   # indented comment   \n" + line + "\nGET /after any\n";

    assertThatThrownBy(() -> Policy.parse(text, SOURCE))
        .isInstanceOfSatisfying(PolicyException.class, e -> {
          assertThat(e.source()).isEqualTo(SOURCE);
          assertThat(e.line()).isEqualTo(5);
          assertThat(e.getMessage()).startsWith("policy.txt:5: ").contains(problem);
        });
  }

  @Test
  void decideWhenFederatedCallerNamedThenOnlyItsExactRuleAllowsAndSamePathElsewhereDenied() {
    Policy policy = Policy.parse("GET /invoices spiffe://partner.example/billing\n"
        + "GET /partners spiffe://partner.example/*\n"
        + "GET /orders spiffe://example.org/billing\n", SOURCE);
    SpiffeId partnerBilling = SpiffeId.parse("spiffe://partner.example/billing");

    assertThat(policy.decide("GET", "/invoices", caller(partnerBilling)).outcome()).isEqualTo(Outcome.ALLOWED);
    assertThat(policy.decide("GET", "/invoices", caller(SpiffeId.parse("spiffe://partner.example/other")))
        .outcome()).isEqualTo(Outcome.DENIED);
    assertThat(policy.decide("GET", "/invoices", caller(SpiffeId.parse("spiffe://example.org/billing")))
        .outcome()).isEqualTo(Outcome.DENIED);
    assertThat(policy.decide("GET", "/invoices", caller(SpiffeId.parse("spiffe://partner.example.evil/billing")))
        .outcome()).isEqualTo(Outcome.DENIED);
    assertThat(policy.decide("GET", "/partners", caller(partnerBilling)).outcome()).isEqualTo(Outcome.ALLOWED);
    assertThat(policy.decide("GET", "/orders", caller(partnerBilling)).outcome()).isEqualTo(Outcome.DENIED);
  }

  @Test
  void parseWhenUnknownMethodThenMessageIsExactlyFileLineAndMethod() {
    String text = "# header\n#\n\nGET /a any\nGET /b any\n\nPSOT /payments/charge spiffe://example.org/orders\n";

    assertThatThrownBy(() -> Policy.parse(text, SOURCE))
        .isInstanceOf(PolicyException.class)
        .hasMessage("policy.txt:7: unknown method 'PSOT'");
  }

  @Test
  void parseWhenCrLfLineEndingsThenLineNumbersCountLines() {
    String text = "GET /a any\r\n\r\n# comment\r\nPSOT /b any\r\n";

    assertThatThrownBy(() -> Policy.parse(text, SOURCE))
        .isInstanceOf(PolicyException.class)
        .hasMessage("policy.txt:4: unknown method 'PSOT'");
  }

  @Test
  void parseWhenSeveralLinesInvalidThenFirstIsReported() {
    String text = "GET /a any\nGET /b\nPSOT /c any\n";

    assertThatThrownBy(() -> Policy.parse(text, SOURCE))
        .isInstanceOf(PolicyException.class)
        .hasMessage("policy.txt:2: expected METHODS PATH CALLERS [SCOPES], found 2 columns");
  }

  @Test
  void parseRulesWhenEntryInvalidThenErrorNamesIndexedSource() {
    List<String> rules = List.of("GET /a any", "PSOT /b any");

    assertThatThrownBy(() -> Policy.parseRules(rules, "lanyard.policy.rules"))
        .isInstanceOfSatisfying(PolicyException.class, e -> {
          assertThat(e.source()).isEqualTo("lanyard.policy.rules[1]");
          assertThat(e.line()).isEqualTo(1);
          assertThat(e.getMessage()).isEqualTo("lanyard.policy.rules[1]:1: unknown method 'PSOT'");
        });
  }

  @Test
  void parseWhenFileInvalidThenErrorNamesFileNameAndLine(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("policy.txt");
    Files.writeString(file, "GET /a any\n\n# x\n\n\n\nPSOT /payments/charge any\n", StandardCharsets.UTF_8);

    assertThatThrownBy(() -> Policy.parse(file))
        .isInstanceOf(PolicyException.class)
        .hasMessage("policy.txt:7: unknown method 'PSOT'");
  }

  @Test
  void parseWhenFileMissingThenErrorAtLineZero(@TempDir Path dir) {
    Path file = dir.resolve("absent.txt");

    assertThatThrownBy(() -> Policy.parse(file))
        .isInstanceOfSatisfying(PolicyException.class, e -> {
          assertThat(e.line()).isZero();
          assertThat(e.getMessage()).startsWith("absent.txt:0: cannot read");
        });
  }

  @Test
  void parseWhenNullArgumentsThenNullPointerException() {
    assertThatNullPointerException().isThrownBy(() -> Policy.parse(null, SOURCE));
    assertThatNullPointerException().isThrownBy(() -> Policy.parse("GET /a any", null));
    assertThatNullPointerException().isThrownBy(() -> Policy.parse((Path) null));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Parsing: valid lines
  // ---------------------------------------------------------------------------------------------------------------

  static Stream<Arguments> validLines() {
    return Stream.of(
        arguments("GET /x any", Set.of("GET"), "/x", List.of()),
        arguments("  GET   /x   any  ", Set.of("GET"), "/x", List.of()),
        arguments("\tGET\t/x\tany\t", Set.of("GET"), "/x", List.of()),
        arguments("* /x public", Set.of(), "/x", List.of()),
        arguments("GET,POST,PUT,DELETE,PATCH,HEAD,OPTIONS,TRACE,CONNECT / any",
            Set.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT"), "/", List.of()),
        arguments("GET,GET /x any", Set.of("GET"), "/x", List.of()),
        arguments("GET /** any", Set.of("GET"), "/**", List.of()),
        arguments("GET /a/*/b/** any", Set.of("GET"), "/a/*/b/**", List.of()),
        arguments("GET /x/ any", Set.of("GET"), "/x/", List.of()),
        arguments("GET /x spiffe://example.org/*", Set.of("GET"), "/x", List.of()),
        arguments("GET /x spiffe://example.org/a,spiffe://example.org/*,any", Set.of("GET"), "/x", List.of()),
        arguments("GET /x any b,a,b", Set.of("GET"), "/x", List.of("b", "a")),
        arguments("GET /x any payments:read # trailing comment", Set.of("GET"), "/x", List.of("payments:read")),
        arguments("GET /x any #no-space comment", Set.of("GET"), "/x", List.of()),
        arguments("GET /x any read #", Set.of("GET"), "/x", List.of("read")));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("validLines")
  void parseWhenLineValidThenRuleHasMethodsPathAndScopes(String line, Set<String> methods, String path,
      List<String> scopes) {
    Policy policy = Policy.parse("# first\n\n" + line + "\n", SOURCE);

    assertThat(policy.ruleCount()).isEqualTo(1);
    String probe = path.replace("**", "deep/down").replace("*", "seg");
    Caller all = Caller.of(ORDERS, Set.copyOf(scopes));
    Decision decision = policy.decide(methods.isEmpty() ? "GET" : methods.iterator().next(), probe, all);
    assertThat(decision.isAllowed()).isTrue();
    PolicyRule rule = decision.rule().orElseThrow();
    assertThat(rule.source()).isEqualTo(SOURCE);
    assertThat(rule.line()).isEqualTo(3);
    assertThat(rule.methods()).isEqualTo(methods);
    assertThat(rule.path()).isEqualTo(path);
    assertThat(rule.scopes()).containsExactlyElementsOf(scopes);
  }

  @Test
  void parseWhenOnlyCommentsAndBlankLinesThenNoRulesAndEverythingDenied() {
    Policy policy = Policy.parse("# nothing here\n\n   \n\t\n# GET /x any\n", SOURCE);

    assertThat(policy.ruleCount()).isZero();
    assertThat(policy.decide("GET", "/x", caller(ORDERS)).outcome()).isEqualTo(Outcome.DENIED);
    assertThat(policy.isPublic("GET", "/x")).isFalse();
  }

  @Test
  void parseWhenExampleOfTheIssueThenFiveRules() {
    assertThat(Policy.parse(EXAMPLE, SOURCE).ruleCount()).isEqualTo(5);
  }

  @Test
  void emptyPolicyDeniesEveryCaller() {
    Policy policy = Policy.empty();

    assertThat(policy.ruleCount()).isZero();
    assertThat(policy.decide("GET", "/", caller(ORDERS)).outcome()).isEqualTo(Outcome.DENIED);
    assertThat(policy.decide("GET", "/", null).outcome()).isEqualTo(Outcome.UNAUTHENTICATED);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // decide(): every feature and outcome
  // ---------------------------------------------------------------------------------------------------------------

  static Stream<Arguments> exampleDecisions() {
    return Stream.of(
        // exact caller, scopes
        arguments("POST", "/payments/charge", caller(ORDERS, "payments:charge"), Outcome.ALLOWED, 2, List.of()),
        arguments("POST", "/payments/charge", caller(ORDERS, "payments:charge", "x"), Outcome.ALLOWED, 2, List.of()),
        arguments("POST", "/payments/charge", caller(ORDERS), Outcome.INSUFFICIENT_SCOPE, 2,
            List.of("payments:charge")),
        arguments("POST", "/payments/charge", caller(ORDERS, "payments:read"), Outcome.INSUFFICIENT_SCOPE, 2,
            List.of("payments:charge")),
        arguments("POST", "/payments/charge", caller(LEDGER, "payments:charge"), Outcome.DENIED, null, List.of()),
        arguments("POST", "/payments/charge", caller(FOREIGN, "payments:charge"), Outcome.DENIED, null, List.of()),
        arguments("POST", "/payments/charge", null, Outcome.UNAUTHENTICATED, null, List.of()),
        // ** matches any remaining segments, including none; a list of exact callers
        arguments("GET", "/payments/charge", caller(ORDERS, "payments:read"), Outcome.ALLOWED, 3, List.of()),
        arguments("GET", "/payments", caller(ORDERS, "payments:read"), Outcome.ALLOWED, 3, List.of()),
        arguments("GET", "/payments/", caller(ORDERS, "payments:read"), Outcome.ALLOWED, 3, List.of()),
        arguments("GET", "/payments/a/b/c/d/e", caller(LEDGER, "payments:read"), Outcome.ALLOWED, 3, List.of()),
        arguments("GET", "/payments/x", caller(LEDGER), Outcome.INSUFFICIENT_SCOPE, 3, List.of("payments:read")),
        arguments("GET", "/payments/x", caller(BILLING, "payments:read"), Outcome.DENIED, null, List.of()),
        arguments("GET", "/paymentsx", caller(ORDERS, "payments:read"), Outcome.DENIED, null, List.of()),
        arguments("GET", "/PAYMENTS/x", caller(ORDERS, "payments:read"), Outcome.DENIED, null, List.of()),
        arguments("DELETE", "/payments/x", caller(ORDERS, "payments:read"), Outcome.DENIED, null, List.of()),
        arguments("get", "/payments/x", caller(ORDERS, "payments:read"), Outcome.DENIED, null, List.of()),
        // * method, public: no credential needed, and a credential changes nothing
        arguments("GET", "/health", null, Outcome.PUBLIC, 4, List.of()),
        arguments("DELETE", "/health", null, Outcome.PUBLIC, 4, List.of()),
        arguments("PROPFIND", "/health", null, Outcome.PUBLIC, 4, List.of()),
        arguments("GET", "/health", caller(BILLING), Outcome.PUBLIC, 4, List.of()),
        arguments("GET", "/health/", null, Outcome.PUBLIC, 4, List.of()),
        arguments("GET", "/health/deep", null, Outcome.UNAUTHENTICATED, null, List.of()),
        arguments("GET", "/health/deep", caller(ORDERS), Outcome.DENIED, null, List.of()),
        // spiffe://<td>/*
        arguments("GET", "/metrics", caller(BILLING), Outcome.ALLOWED, 5, List.of()),
        arguments("GET", "/metrics", caller(ORDERS), Outcome.ALLOWED, 5, List.of()),
        arguments("GET", "/metrics", caller(FOREIGN), Outcome.DENIED, null, List.of()),
        arguments("HEAD", "/metrics", caller(BILLING), Outcome.DENIED, null, List.of()),
        // any: any verified caller, of any trust domain the verifier trusts
        arguments("GET", "/whoami", caller(FOREIGN), Outcome.ALLOWED, 6, List.of()),
        arguments("GET", "/whoami", caller(BILLING), Outcome.ALLOWED, 6, List.of()),
        arguments("GET", "/whoami", null, Outcome.UNAUTHENTICATED, null, List.of()),
        // no matching rule: deny by default (and no hint to the unauthenticated which paths exist)
        arguments("GET", "/nothing", caller(ORDERS, "payments:read", "payments:charge"), Outcome.DENIED, null,
            List.of()),
        arguments("GET", "/", caller(ORDERS), Outcome.DENIED, null, List.of()),
        arguments("GET", "/nothing", null, Outcome.UNAUTHENTICATED, null, List.of()));
  }

  @ParameterizedTest(name = "[{index}] {0} {1} {2}")
  @MethodSource("exampleDecisions")
  void decideWhenExamplePolicyThenOutcomeRuleAndMissingScopes(String method, String path, Caller caller,
      Outcome outcome, Integer line, List<String> missing) {
    Decision decision = Policy.parse(EXAMPLE, SOURCE).decide(method, path, caller);

    assertDecision(decision, outcome, line, missing);
  }

  static Stream<Arguments> featureDecisions() {
    return Stream.of(
        // all scopes of a rule are required; the missing ones are reported in rule order
        arguments("PUT", "/reports", caller(ORDERS, "reports:write", "reports:admin", "audit:log"), Outcome.ALLOWED,
            1, List.of()),
        arguments("PUT", "/reports", caller(ORDERS, "reports:admin"), Outcome.INSUFFICIENT_SCOPE, 1,
            List.of("reports:write", "audit:log")),
        arguments("PUT", "/reports", caller(ORDERS, "audit:log", "reports:write"), Outcome.INSUFFICIENT_SCOPE, 1,
            List.of("reports:admin")),
        arguments("PUT", "/reports", caller(ORDERS), Outcome.INSUFFICIENT_SCOPE, 1,
            List.of("reports:write", "reports:admin", "audit:log")),
        arguments("PUT", "/reports", caller(LEDGER, "reports:write", "reports:admin", "audit:log"), Outcome.DENIED,
            null, List.of()),
        // several rules for one endpoint: any of them allows
        arguments("GET", "/reports", caller(ORDERS, "reports:read"), Outcome.ALLOWED, 2, List.of()),
        arguments("GET", "/reports", caller(ORDERS, "reports:admin"), Outcome.ALLOWED, 4, List.of()),
        arguments("GET", "/reports", caller(LEDGER), Outcome.ALLOWED, 3, List.of()),
        arguments("GET", "/reports", caller(ORDERS), Outcome.INSUFFICIENT_SCOPE, 2, List.of("reports:read")),
        arguments("GET", "/reports", caller(BILLING, "reports:read", "reports:admin"), Outcome.DENIED, null,
            List.of()),
        // * is exactly one segment; methods lists
        arguments("GET", "/items/42/detail", caller(ORDERS), Outcome.ALLOWED, 5, List.of()),
        arguments("GET", "/items/42/43/detail", caller(ORDERS), Outcome.DENIED, null, List.of()),
        arguments("GET", "/items//detail", caller(ORDERS), Outcome.DENIED, null, List.of()),
        arguments("GET", "/items/42/detail", caller(LEDGER), Outcome.DENIED, null, List.of()),
        arguments("GET", "/items/detail", caller(LEDGER), Outcome.ALLOWED, 6, List.of()),
        arguments("GET", "/items/42", caller(LEDGER), Outcome.ALLOWED, 6, List.of()),
        arguments("POST", "/items/42", caller(LEDGER), Outcome.ALLOWED, 6, List.of()),
        arguments("PUT", "/items/42", caller(LEDGER), Outcome.DENIED, null, List.of()),
        arguments("POST", "/items/42/detail", caller(ORDERS), Outcome.DENIED, null, List.of()),
        arguments("GET", "/items", caller(ORDERS), Outcome.DENIED, null, List.of()));
  }

  @ParameterizedTest(name = "[{index}] {0} {1} {2}")
  @MethodSource("featureDecisions")
  void decideWhenFeaturePolicyThenOutcomeRuleAndMissingScopes(String method, String path, Caller caller,
      Outcome outcome, Integer line, List<String> missing) {
    Decision decision = Policy.parse(FEATURES, SOURCE).decide(method, path, caller);

    assertDecision(decision, outcome, line, missing);
  }

  @Test
  void decideWhenPublicAndScopedRulesMatchThenPublicWins() {
    Policy policy = Policy.parse("GET /open any open:read\nGET /open public\n", SOURCE);

    assertDecision(policy.decide("GET", "/open", caller(ORDERS)), Outcome.PUBLIC, 2, List.of());
    assertDecision(policy.decide("GET", "/open", null), Outcome.PUBLIC, 2, List.of());
    assertThat(policy.isPublic("GET", "/open")).isTrue();
    assertThat(policy.isPublic("POST", "/open")).isFalse();
  }

  @Test
  void decideWhenSeveralPublicRulesMatchThenEarliestLineDecides() {
    Policy policy = Policy.parse("GET /** public\n* /a/b public\nGET /a/* public\n", SOURCE);

    assertDecision(policy.decide("GET", "/a/b", null), Outcome.PUBLIC, 1, List.of());
    assertDecision(policy.decide("POST", "/a/b", null), Outcome.PUBLIC, 2, List.of());
  }

  @Test
  void decideWhenRulesMissEqualNumbersOfScopesThenEarliestLineIsReported() {
    Policy policy = Policy.parse("GET /x any c,d\nGET /x any a,b\nGET /x any e\n", SOURCE);

    assertDecision(policy.decide("GET", "/x", caller(ORDERS, "a")), Outcome.INSUFFICIENT_SCOPE, 2, List.of("b"));
    assertDecision(policy.decide("GET", "/x", caller(ORDERS, "c")), Outcome.INSUFFICIENT_SCOPE, 1, List.of("d"));
    assertDecision(policy.decide("GET", "/x", caller(ORDERS)), Outcome.INSUFFICIENT_SCOPE, 3, List.of("e"));
  }

  @Test
  void decideWhenLiteralStarAndRestRulesOverlapThenAnyMatchingRuleAllows() {
    Policy policy = Policy.parse(String.join("\n",
        "GET /a/b/c spiffe://example.org/orders",
        "GET /a/*/c spiffe://example.org/ledger",
        "GET /a/** spiffe://example.org/billing",
        "GET /** spiffe://other.org/*"), SOURCE);

    assertDecision(policy.decide("GET", "/a/b/c", caller(ORDERS)), Outcome.ALLOWED, 1, List.of());
    assertDecision(policy.decide("GET", "/a/b/c", caller(LEDGER)), Outcome.ALLOWED, 2, List.of());
    assertDecision(policy.decide("GET", "/a/b/c", caller(BILLING)), Outcome.ALLOWED, 3, List.of());
    assertDecision(policy.decide("GET", "/a/b/c", caller(FOREIGN)), Outcome.ALLOWED, 4, List.of());
    assertDecision(policy.decide("GET", "/a/x/c", caller(ORDERS)), Outcome.DENIED, null, List.of());
    assertDecision(policy.decide("GET", "/a/x/c", caller(LEDGER)), Outcome.ALLOWED, 2, List.of());
    assertDecision(policy.decide("GET", "/a", caller(BILLING)), Outcome.ALLOWED, 3, List.of());
    assertDecision(policy.decide("GET", "/b", caller(BILLING)), Outcome.DENIED, null, List.of());
    assertDecision(policy.decide("GET", "/", caller(FOREIGN)), Outcome.ALLOWED, 4, List.of());
  }

  @Test
  void decideWhenRootPathRuleThenOnlyRootMatches() {
    Policy policy = Policy.parse("GET / any\n", SOURCE);

    assertDecision(policy.decide("GET", "/", caller(ORDERS)), Outcome.ALLOWED, 1, List.of());
    assertDecision(policy.decide("GET", "/x", caller(ORDERS)), Outcome.DENIED, null, List.of());
  }

  @Test
  void decideWhenX509CallerWithoutScopesThenOnlyUnscopedRulesAllow() {
    Policy policy = Policy.parse(FEATURES, SOURCE);
    Caller x509 = new Caller(ORDERS, Set.of(), Caller.CredentialType.X509_SVID, null);

    assertDecision(policy.decide("GET", "/items/1/detail", x509), Outcome.ALLOWED, 5, List.of());
    assertDecision(policy.decide("GET", "/reports", x509), Outcome.INSUFFICIENT_SCOPE, 2, List.of("reports:read"));
  }

  @Test
  void decideOutcomesCarryAllowedFlag() {
    assertThat(Outcome.PUBLIC.isAllowed()).isTrue();
    assertThat(Outcome.ALLOWED.isAllowed()).isTrue();
    assertThat(Outcome.UNAUTHENTICATED.isAllowed()).isFalse();
    assertThat(Outcome.DENIED.isAllowed()).isFalse();
    assertThat(Outcome.INSUFFICIENT_SCOPE.isAllowed()).isFalse();
  }

  @Test
  void decideWhenNullMethodOrPathThenNullPointerException() {
    Policy policy = Policy.parse(EXAMPLE, SOURCE);

    assertThatNullPointerException().isThrownBy(() -> policy.decide(null, "/x", caller(ORDERS)));
    assertThatNullPointerException().isThrownBy(() -> policy.decide("GET", null, caller(ORDERS)));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Request paths that are not normalised match no rule, not even /** or a public rule
  // ---------------------------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "[{index}] \"{0}\"")
  @ValueSource(strings = {"/a/../b", "/health/../b", "/b/..", "/..", "//x", "//health", "/./x", "/./health",
      "/x/.", "/health/.", "/x//y", "//", "/x//", "", "x", "health", "b", "../b", "./health",
      "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z/"
          + "a/b/c/d/e/f/g/h/i/j/k/l/m/n"})
  void decideWhenPathNotNormalisedThenNoRuleMatches(String path) {
    Policy policy = Policy.parse("GET /** any\nGET /b any\n* /health public\nGET /x/** any\n", SOURCE);

    assertThat(policy.isPublic("GET", path)).isFalse();
    assertDecision(policy.decide("GET", path, caller(ORDERS)), Outcome.DENIED, null, List.of());
    assertDecision(policy.decide("GET", path, null), Outcome.UNAUTHENTICATED, null, List.of());
  }

  @Test
  void decideWhenPathHasSixtyFourSegmentsThenStillMatches() {
    Policy policy = Policy.parse("GET /** any\n", SOURCE);

    assertDecision(policy.decide("GET", "/s".repeat(64), caller(ORDERS)), Outcome.ALLOWED, 1, List.of());
    assertDecision(policy.decide("GET", "/s".repeat(65), caller(ORDERS)), Outcome.DENIED, null, List.of());
  }

  @ParameterizedTest(name = "[{index}] \"{0}\" has {1}")
  @CsvSource(delimiter = '|', value = {
      "/|0", "/a|1", "/a/|1", "/a/b|2", "/a/b/|2", "/.a/..b/...|3", "/a.|1",
      "''|-1", "a|-1", "a/b|-1", "//|-1", "/a//|-1", "/a//b|-1", "/.|-1", "/..|-1", "/a/.|-1", "/a/../b|-1",
      "/./|-1", "/a///|-1"})
  void segmentCountWhenPathThenSegmentsOrMinusOneForUncleanPaths(String path, int expected) {
    assertThat(Policy.segmentCount(path)).isEqualTo(expected);
  }

  @Test
  void segmentCountWhenSixtyFourSegmentsThenCountedAndSixtyFiveRefused() {
    assertThat(Policy.segmentCount("/s".repeat(64))).isEqualTo(64);
    assertThat(Policy.segmentCount("/s".repeat(64) + "/")).isEqualTo(64);
    assertThat(Policy.segmentCount("/s".repeat(65))).isEqualTo(-1);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // 100 000 rules decide exactly like the one rule that applies
  // ---------------------------------------------------------------------------------------------------------------

  static final int MANY = 100_000;

  static String serviceRule(int i) {
    return "GET,POST /svc" + i + "/items/* spiffe://example.org/svc" + i + " svc" + i + ":read";
  }

  static String sharedRules() {
    return "* /health public\nGET /shared/** any\nDELETE /*/items/* spiffe://example.org/*\n";
  }

  @Test
  void decideWhenHundredThousandRulesThenSameDecisionsAsSmallPolicy() {
    StringBuilder text = new StringBuilder(MANY * 80);
    for (int i = 0; i < MANY; i++) {
      text.append(serviceRule(i)).append('\n');
    }
    text.append(sharedRules());
    Policy large = Policy.parse(text.toString(), SOURCE);
    assertThat(large.ruleCount()).isEqualTo(MANY + 3);

    for (int i : new int[] {0, 1, 7, 4242, 50_000, 77_777, MANY - 1}) {
      Policy small = Policy.parse(serviceRule(i) + "\n" + sharedRules(), SOURCE);
      SpiffeId id = SpiffeId.parse("spiffe://example.org/svc" + i);
      SpiffeId neighbour = SpiffeId.parse("spiffe://example.org/svc" + (i + 1));
      String scope = "svc" + i + ":read";
      Object[][] requests = {
          {"GET", "/svc" + i + "/items/7", caller(id, scope)},
          {"POST", "/svc" + i + "/items/7", caller(id, scope)},
          {"GET", "/svc" + i + "/items/7", caller(id)},
          {"GET", "/svc" + i + "/items/7", caller(neighbour, "svc" + (i + 1) + ":read", scope)},
          {"GET", "/svc" + i + "/items", caller(id, scope)},
          {"GET", "/svc" + i + "/items/7/8", caller(id, scope)},
          {"PUT", "/svc" + i + "/items/7", caller(id, scope)},
          {"DELETE", "/svc" + i + "/items/7", caller(neighbour)},
          {"GET", "/health", null},
          {"GET", "/shared/a/b", caller(id)},
          {"GET", "/svc" + i + "/items/7", null},
          {"GET", "/svc" + (MANY + 1) + "/items/7", caller(id, scope)},
      };
      for (Object[] r : requests) {
        Decision expected = small.decide((String) r[0], (String) r[1], (Caller) r[2]);
        Decision actual = large.decide((String) r[0], (String) r[1], (Caller) r[2]);
        assertThat(actual.outcome()).as("%s %s %s", r[0], r[1], r[2]).isEqualTo(expected.outcome());
        assertThat(actual.missingScopes()).as("%s %s %s", r[0], r[1], r[2]).isEqualTo(expected.missingScopes());
        assertThat(actual.rule().map(PolicyRule::path)).as("%s %s %s", r[0], r[1], r[2])
            .isEqualTo(expected.rule().map(PolicyRule::path));
      }
      // ... and the decisions are the ones the rules say, at the lines they were written on
      assertDecision(large.decide("GET", "/svc" + i + "/items/7", caller(id, scope)), Outcome.ALLOWED, i + 1,
          List.of());
      assertDecision(large.decide("POST", "/svc" + i + "/items/x", caller(id)), Outcome.INSUFFICIENT_SCOPE, i + 1,
          List.of(scope));
      assertDecision(large.decide("GET", "/svc" + i + "/items/7", caller(neighbour)), Outcome.DENIED, null,
          List.of());
      assertDecision(large.decide("DELETE", "/svc" + i + "/items/7", caller(neighbour)), Outcome.ALLOWED,
          MANY + 3, List.of());
      assertDecision(large.decide("GET", "/health", null), Outcome.PUBLIC, MANY + 1, List.of());
      assertDecision(large.decide("GET", "/shared/x", caller(id)), Outcome.ALLOWED, MANY + 2, List.of());
    }
  }

  @Test
  void decideWhenHundredThousandRulesOnOnePathThenAnyOfThemAllows() {
    // The worst case for an index: every rule on the same path, told apart only by caller.
    StringBuilder text = new StringBuilder(MANY * 60);
    for (int i = 0; i < MANY; i++) {
      text.append("GET /same spiffe://example.org/svc").append(i).append('\n');
    }
    Policy policy = Policy.parse(text.toString(), SOURCE);

    assertDecision(policy.decide("GET", "/same", caller(SpiffeId.parse("spiffe://example.org/svc99999"))),
        Outcome.ALLOWED, MANY, List.of());
    assertDecision(policy.decide("GET", "/same", caller(SpiffeId.parse("spiffe://example.org/svc0"))),
        Outcome.ALLOWED, 1, List.of());
    assertDecision(policy.decide("GET", "/same", caller(ORDERS)), Outcome.DENIED, null, List.of());
  }

  // ---------------------------------------------------------------------------------------------------------------

  static void assertDecision(Decision decision, Outcome outcome, Integer line, List<String> missing) {
    assertThat(decision.outcome()).as("outcome of %s", decision).isEqualTo(outcome);
    assertThat(decision.isAllowed()).isEqualTo(outcome.isAllowed());
    if (line == null) {
      assertThat(decision.rule()).as("rule of %s", decision).isEmpty();
    } else {
      assertThat(decision.rule()).as("rule of %s", decision).isPresent();
      assertThat(decision.rule().get().line()).as("rule line of %s", decision).isEqualTo(line);
      assertThat(decision.rule().get().source()).isEqualTo(SOURCE);
    }
    assertThat(decision.missingScopes()).as("missing scopes of %s", decision).containsExactlyElementsOf(missing);
  }
}

package dev.lanyard.graph;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.policy.Policy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

class PolicyReviewTest {
  static Path resource(String name) throws Exception {
    return Path.of(Objects.requireNonNull(PolicyReviewTest.class.getResource(name)).toURI());
  }

  static GraphSnapshot graph(String name) throws Exception {
    return GraphSnapshot.parseJson(java.nio.file.Files.readString(resource(name), StandardCharsets.UTF_8));
  }

  @Test
  void reviewWhenPreparedPolicyAndGraphThenEveryFindingKindWithItsRuleCallerScopeAndCount() throws Exception {
    Policy policy = Policy.parse(resource("review-policy.txt"));
    List<Finding> findings = PolicyReview.review(policy, graph("review-graph.json"));

    assertThat(findings).extracting(f -> f.kind() + " " + f.rule().map(r -> r.line() + " " + r.path()).orElse("-")
            + " " + f.caller().orElse("-") + " " + f.scope().orElse("-") + " " + f.count())
        .containsExactly(
            "CALLER_UNSEEN 2 /charge spiffe://example.org/billing - 0",
            "RULE_UNUSED 4 /refund - - 0",
            "BROAD_ANY_CALLER 6 /admin/** any - 0",
            "BROAD_PATH 6 /admin/** - - 0",
            "BROAD_TRUST_DOMAIN_CALLER 8 /status spiffe://example.org/* - 0",
            "RULE_UNUSED 8 /status - - 0",
            "SCOPE_UNUSED - spiffe://example.org/orders payments:refund 0",
            "DENIED_MISSING_GRANT - spiffe://example.org/orders - 2",
            "DENIED_MISSING_GRANT - spiffe://example.org/scanner - 2",
            "DENIED_PROBING - spiffe://example.org/scanner - 5");
    assertThat(findings).allSatisfy(f -> assertThat(f.message()).isNotBlank());
    assertThat(findings.get(0).toJson()).isEqualTo("{\"kind\":\"CALLER_UNSEEN\",\"rule\":{\"source\":"
        + "\"review-policy.txt\",\"line\":2,\"methods\":[\"POST\"],\"path\":\"/charge\"},\"caller\":"
        + "\"spiffe://example.org/billing\",\"count\":0,\"message\":\"" + findings.get(0).message() + "\"}");
  }

  @Test
  void reviewWhenGraphRecordedFromAnotherSourceThenRulesMatchedByMethodsAndPath() throws Exception {
    Policy policy = Policy.parse(resource("review-policy.txt"));
    GraphSnapshot renamed = GraphSnapshot.parseJson(java.nio.file.Files.readString(resource("review-graph.json"))
        .replace("review-policy.txt", "lanyard.policy.rules[0]"));
    assertThat(PolicyReview.review(policy, renamed)).extracting(Finding::kind)
        .containsExactlyElementsOf(PolicyReview.review(policy, graph("review-graph.json")).stream()
            .map(Finding::kind).toList());
  }

  @Test
  void reviewWhenGraphEmptyThenEveryRuleUnusedAndBroadRulesFlagged() throws Exception {
    Policy policy = Policy.parse(resource("review-policy.txt"));
    GraphSnapshot empty = new GraphSnapshot(java.time.Instant.EPOCH, List.of(), List.of(), 0);
    assertThat(PolicyReview.review(policy, empty)).extracting(Finding::kind).containsExactly(
        Finding.Kind.RULE_UNUSED, Finding.Kind.RULE_UNUSED, Finding.Kind.BROAD_ANY_CALLER, Finding.Kind.BROAD_PATH,
        Finding.Kind.RULE_UNUSED, Finding.Kind.BROAD_TRUST_DOMAIN_CALLER, Finding.Kind.RULE_UNUSED);
  }
}

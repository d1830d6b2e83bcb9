package dev.lanyard.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lanyard.spiffe.SpiffeId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes policy parsing and deciding. Allowed outcomes: a policy, or {@link PolicyException} naming the source and a
 * line of the text; a parsed policy then decides requests made from its own rules for several callers without
 * throwing, and every decision is consistent with the rule it names. Anything else is a finding.
 */
class PolicyFuzzTest {
  private static final String SOURCE = "fuzz.policy";
  private static final List<Caller> CALLERS = List.of(
      Caller.of(SpiffeId.parse("spiffe://example.org/orders"), Set.of("payments:charge", "payments:read")),
      Caller.of(SpiffeId.parse("spiffe://example.org/ledger"), Set.of()),
      Caller.of(SpiffeId.parse("spiffe://other.org/orders"), Set.of("payments:charge")));

  /** The input, as UTF-8 text, is a policy file. */
  @FuzzTest
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void parseAndDecide(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    String[] lines = (text.startsWith("\uFEFF") ? text.substring(1) : text).split("\r?\n", -1);

    Policy policy;
    try {
      policy = Policy.parse(text, SOURCE);
    } catch (PolicyException rejected) {
      assertThat(rejected.source()).isEqualTo(SOURCE);
      assertThat(rejected.line()).isBetween(1, lines.length);
      assertThat(rejected.getMessage()).startsWith(SOURCE + ":" + rejected.line() + ": ");
      // One rule per entry reads the same as one rule per line: the same line is refused.
      try {
        Policy.parseRules(Arrays.asList(lines), "rules");
        throw new AssertionError("parseRules accepted what parse refused at line " + rejected.line());
      } catch (PolicyException again) {
        assertThat(again.source()).isEqualTo("rules[" + (rejected.line() - 1) + "]");
      }
      return;
    }
    Policy same = Policy.parseRules(Arrays.asList(lines), "rules");
    assertThat(same.ruleCount()).isEqualTo(policy.ruleCount());
    assertThat(policy.ruleCount()).isLessThanOrEqualTo(lines.length);

    for (String[] request : requests(lines)) {
      String method = request[0];
      String path = request[1];
      boolean isPublic = policy.isPublic(method, path);
      Decision anonymous = policy.decide(method, path, null);
      assertThat(anonymous.outcome()).isIn(Decision.Outcome.PUBLIC, Decision.Outcome.UNAUTHENTICATED);
      assertThat(anonymous.outcome() == Decision.Outcome.PUBLIC).isEqualTo(isPublic);
      for (Caller caller : CALLERS) {
        check(policy.decide(method, path, caller), caller, isPublic);
      }
    }
  }

  private static void check(Decision decision, Caller caller, boolean isPublic) {
    assertThat(decision.outcome() == Decision.Outcome.PUBLIC).isEqualTo(isPublic);
    switch (decision.outcome()) {
      case PUBLIC:
        assertThat(decision.rule()).hasValueSatisfying(rule -> assertThat(rule.isPublic()).isTrue());
        break;
      case ALLOWED:
        assertThat(decision.rule()).hasValueSatisfying(rule -> {
          assertThat(rule.allowsCaller(caller.id())).isTrue();
          assertThat(caller.scopes()).containsAll(rule.scopes());
        });
        break;
      case INSUFFICIENT_SCOPE:
        assertThat(decision.missingScopes()).isNotEmpty().noneMatch(caller.scopes()::contains);
        assertThat(decision.rule()).hasValueSatisfying(rule -> {
          assertThat(rule.allowsCaller(caller.id())).isTrue();
          assertThat(rule.scopes()).containsAll(decision.missingScopes());
        });
        break;
      case DENIED:
        assertThat(decision.isAllowed()).isFalse();
        break;
      default:
        throw new AssertionError("a verified caller got " + decision.outcome());
    }
  }

  /** Requests made from each line's method and path columns: wildcards filled in, with and without a tail. */
  private static List<String[]> requests(String[] lines) {
    List<String[]> requests = new ArrayList<>();
    requests.add(new String[] {"GET", "/"});
    for (String line : lines) {
      String[] columns = line.strip().split("\\s+");
      if (columns.length < 2 || requests.size() > 64) {
        continue;
      }
      String method = columns[0].equals("*") ? "DELETE" : columns[0].split(",", -1)[0];
      String path = columns[1].replace("/**", "/x/y").replace("/*", "/x");
      requests.add(new String[] {method, path});
      requests.add(new String[] {method, path + "/z"});
      requests.add(new String[] {"GET", path});
    }
    return requests;
  }
}

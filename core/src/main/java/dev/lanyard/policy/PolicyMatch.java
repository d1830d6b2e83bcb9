package dev.lanyard.policy;

import dev.lanyard.spiffe.SpiffeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The rules of a {@link Policy} that match one request's method and path, from {@link Policy#match}: answers whether
 * the request needs a credential ({@link #isPublic()}) and then decides for the caller ({@link #decide(Caller)})
 * without matching the path a second time.
 *
 * <p>Matches are precomputed per index position and method, so matching a request and deciding it allocate nothing
 * beyond an insufficient-scope result (which lists the missing scopes); requests whose path matches both a literal
 * and a {@code *} segment of the index get a match of their own.
 *
 * <p>Thread-safe: immutable.
 */
public final class PolicyMatch {
  private static final Decision UNAUTHENTICATED = Decision.of(Decision.Outcome.UNAUTHENTICATED, null);
  private static final Decision DENIED = Decision.of(Decision.Outcome.DENIED, null);

  /** Matches no rule: every caller is denied, a request without one is unauthenticated. */
  static final PolicyMatch NONE = new PolicyMatch(List.of());

  private final Candidate[] candidates;
  private final @Nullable Decision publicDecision;

  /** @param candidates the matching rules in the order {@link #decide} considers them */
  PolicyMatch(List<Candidate> candidates) {
    this.candidates = candidates.toArray(new Candidate[0]);
    PolicyRule publicRule = null;
    for (Candidate candidate : this.candidates) {
      PolicyRule rule = candidate.rule;
      if (rule.isPublic() && (publicRule == null || rule.line() < publicRule.line())) {
        publicRule = rule;
      }
    }
    this.publicDecision = publicRule == null ? null : Decision.of(Decision.Outcome.PUBLIC, publicRule);
  }

  /**
   * True when no rule matches the request's method and path: a caller is denied because nothing covers the request
   * (probing), not because the rules that cover it leave the caller out.
   */
  public boolean isEmpty() {
    return candidates.length == 0;
  }

  /** True when a {@code public} rule matches: the request needs no credential. */
  public boolean isPublic() {
    return publicDecision != null;
  }

  /**
   * Decides the request for {@code caller}: public when a {@code public} rule matches (the one on the lowest line),
   * otherwise unauthenticated without a caller, allowed by the first matching rule that names the caller and whose
   * scopes it holds, insufficient scope naming the caller's closest rule (fewest missing scopes, then lowest line),
   * or denied.
   *
   * @param caller the verified caller, or null when the request carries no (valid) credential
   */
  public Decision decide(@Nullable Caller caller) {
    if (publicDecision != null) {
      return publicDecision;
    }
    if (caller == null) {
      return UNAUTHENTICATED;
    }
    SpiffeId id = caller.id();
    Set<String> held = caller.scopes();
    Candidate closest = null;
    int closestMissing = 0;
    for (Candidate candidate : candidates) {
      PolicyRule rule = candidate.rule;
      if (!rule.allowsCaller(id)) {
        continue;
      }
      int missing = candidate.missingCount(held);
      if (missing == 0) {
        return candidate.allowed;
      }
      if (closest == null || missing < closestMissing
          || (missing == closestMissing && rule.line() < closest.rule.line())) {
        closest = candidate;
        closestMissing = missing;
      }
    }
    if (closest != null) {
      return Decision.insufficientScope(closest.rule, closest.missing(held));
    }
    return DENIED;
  }

  @Override
  public String toString() {
    return "PolicyMatch[" + candidates.length + " rules" + (publicDecision == null ? "" : ", public") + "]";
  }

  /** One indexed rule with what deciding needs of it, made once per rule when the policy is built. */
  static final class Candidate {
    final PolicyRule rule;
    final Decision allowed;
    private final String[] scopes;

    Candidate(PolicyRule rule) {
      this.rule = rule;
      this.allowed = Decision.of(Decision.Outcome.ALLOWED, rule);
      this.scopes = rule.scopes().toArray(new String[0]);
    }

    /** How many of the rule's scopes {@code held} lacks. */
    int missingCount(Set<String> held) {
      int missing = 0;
      for (String scope : scopes) {
        if (!held.contains(scope)) {
          missing++;
        }
      }
      return missing;
    }

    /** The rule's scopes {@code held} lacks, in rule order. */
    List<String> missing(Set<String> held) {
      List<String> missing = new ArrayList<>(scopes.length);
      for (String scope : scopes) {
        if (!held.contains(scope)) {
          missing.add(scope);
        }
      }
      return missing;
    }
  }
}

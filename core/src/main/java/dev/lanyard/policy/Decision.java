package dev.lanyard.policy;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What policy says about one request, and why. It carries no HTTP: adapters answer a refusal with
 * {@link Challenge#refused(Decision, String)}.
 *
 * <p>Thread-safe: immutable.
 */
public final class Decision {
  /** The outcome. */
  public enum Outcome {
    /** A {@code public} rule matches: no credential needed. */
    PUBLIC(true),
    /** The caller is allowed and holds every required scope. */
    ALLOWED(true),
    /** A rule matches but needs a verified caller, and there is none. */
    UNAUTHENTICATED(false),
    /** No rule matches the request, or none allows this caller (deny by default). */
    DENIED(false),
    /** A rule allows this caller but the credential lacks scopes. */
    INSUFFICIENT_SCOPE(false);

    private final boolean allowed;

    Outcome(boolean allowed) {
      this.allowed = allowed;
    }

    /** True when the request may proceed. */
    public boolean isAllowed() {
      return allowed;
    }
  }

  private final Outcome outcome;
  private final @Nullable PolicyRule rule;
  private final List<String> missingScopes;

  private Decision(Outcome outcome, @Nullable PolicyRule rule, List<String> missingScopes) {
    this.outcome = outcome;
    this.rule = rule;
    this.missingScopes = missingScopes;
  }

  static Decision of(Outcome outcome, @Nullable PolicyRule rule) {
    return new Decision(outcome, rule, List.of());
  }

  static Decision insufficientScope(PolicyRule rule, List<String> missing) {
    return new Decision(Outcome.INSUFFICIENT_SCOPE, Objects.requireNonNull(rule), List.copyOf(missing));
  }

  /** The outcome. */
  public Outcome outcome() {
    return outcome;
  }

  /** True when the request may proceed. */
  public boolean isAllowed() {
    return outcome.isAllowed();
  }

  /** The rule that decided (allowed, public, or the closest one for insufficient scope), if any matched. */
  public Optional<PolicyRule> rule() {
    return Optional.ofNullable(rule);
  }

  /** For {@link Outcome#INSUFFICIENT_SCOPE}: the scopes the credential lacks, in rule order. */
  public List<String> missingScopes() {
    return missingScopes;
  }

  @Override
  public String toString() {
    return "Decision[" + outcome + (rule == null ? "" : ", rule=" + rule.source() + ":" + rule.line())
        + (missingScopes.isEmpty() ? "" : ", missing=" + missingScopes) + "]";
  }
}

package dev.lanyard.policy;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What policy says about one request, and why.
 *
 * <p>Immutable.
 */
public final class Decision {
  /** The outcome. */
  public enum Outcome {
    /** A {@code public} rule matches: no credential needed. */
    PUBLIC(true, 200),
    /** The caller is allowed and holds every required scope. */
    ALLOWED(true, 200),
    /** A rule matches but needs a verified caller, and there is none (401). */
    UNAUTHENTICATED(false, 401),
    /** No rule matches the request, or none allows this caller (403, deny by default). */
    DENIED(false, 403),
    /** A rule allows this caller but the credential lacks scopes (403 insufficient_scope). */
    INSUFFICIENT_SCOPE(false, 403);

    private final boolean allowed;
    private final int httpStatus;

    Outcome(boolean allowed, int httpStatus) {
      this.allowed = allowed;
      this.httpStatus = httpStatus;
    }

    /** True when the request may proceed. */
    public boolean isAllowed() {
      return allowed;
    }

    /** The HTTP status an adapter answers a refused request with (200 when allowed). */
    public int httpStatus() {
      return httpStatus;
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

package dev.lanyard.graph;

import dev.lanyard.internal.Json;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One finding of a {@link PolicyReview} or an {@link InventoryReport}: a stable {@link Kind}, the rule, caller and
 * scope it concerns (where it concerns one), a count (calls, where one applies) and a plain-language message.
 *
 * <p>Thread-safe: immutable.
 */
public final class Finding {
  /** What was found; the names are stable codes. */
  public enum Kind {
    /** A rule no allowed call used in the observed window. */
    RULE_UNUSED,
    /** A caller presented a scope that no allowed call of it needed. */
    SCOPE_UNUSED,
    /** A rule names a caller that no allowed call through that rule came from. */
    CALLER_UNSEEN,
    /** A caller was denied by rules that cover the request: a grant or scope it lacks. */
    DENIED_MISSING_GRANT,
    /** A caller was denied on requests no rule covers: it probed unknown paths. */
    DENIED_PROBING,
    /** A caller was denied for another reason. */
    DENIED_OTHER,
    /** A rule lets in any verified caller ({@code any}). */
    BROAD_ANY_CALLER,
    /** A rule lets in every workload of a trust domain ({@code spiffe://td/*}). */
    BROAD_TRUST_DOMAIN_CALLER,
    /** A rule's path ends in {@code **}. */
    BROAD_PATH,
    /** An inventory identity without an owner. */
    NO_OWNER,
    /** An inventory identity whose maximum TTL is above the policy maximum. */
    TTL_ABOVE_POLICY,
    /** An identity seen in a graph but not listed in the inventory. */
    UNLISTED_ID,
    /** A deploy-only identity seen as a caller. */
    DEPLOY_ONLY_CALLER
  }

  private final Kind kind;
  private final @Nullable RuleRef rule;
  private final @Nullable String caller;
  private final @Nullable String scope;
  private final long count;
  private final String message;

  Finding(Kind kind, @Nullable RuleRef rule, @Nullable String caller, @Nullable String scope, long count,
      String message) {
    this.kind = Objects.requireNonNull(kind, "kind");
    this.rule = rule;
    this.caller = caller;
    this.scope = scope;
    this.count = count;
    this.message = Objects.requireNonNull(message, "message");
  }

  /** The kind. */
  public Kind kind() {
    return kind;
  }

  /** The rule concerned. */
  public Optional<RuleRef> rule() {
    return Optional.ofNullable(rule);
  }

  /** The caller or identity concerned (a SPIFFE ID, or {@code spiffe://td/*}, or {@code any}). */
  public Optional<String> caller() {
    return Optional.ofNullable(caller);
  }

  /** The scope concerned. */
  public Optional<String> scope() {
    return Optional.ofNullable(scope);
  }

  /** The calls concerned (denied calls, calls of a deploy-only caller), or 0. */
  public long count() {
    return count;
  }

  /** What it means, in plain language. */
  public String message() {
    return message;
  }

  /**
   * One JSON object of printable ASCII: {@code kind}, {@code rule} ({@code source}, {@code line}, {@code methods},
   * {@code path}), {@code caller}, {@code scope}, {@code count}, {@code message}; absent values left out.
   */
  public String toJson() {
    StringBuilder sb = new StringBuilder(128).append("{\"kind\":\"").append(kind.name()).append('"');
    if (rule != null) {
      sb.append(",\"rule\":{\"source\":");
      ascii(sb, rule.source());
      sb.append(",\"line\":").append(rule.line()).append(",\"methods\":[");
      for (int i = 0; i < rule.methods().size(); i++) {
        sb.append(i == 0 ? "" : ",");
        ascii(sb, rule.methods().get(i));
      }
      sb.append("],\"path\":");
      ascii(sb, rule.path());
      sb.append('}');
    }
    if (caller != null) {
      sb.append(",\"caller\":");
      ascii(sb, caller);
    }
    if (scope != null) {
      sb.append(",\"scope\":");
      ascii(sb, scope);
    }
    sb.append(",\"count\":").append(count).append(",\"message\":");
    ascii(sb, message);
    return sb.append('}').toString();
  }

  private static void ascii(StringBuilder sb, String s) {
    Json.appendAsciiString(sb, s, s.length());
  }

  @Override
  public String toString() {
    return kind + ": " + message;
  }
}

package dev.lanyard.audit;

import dev.lanyard.internal.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One request decision: the caller (verified, or as claimed when the credential was rejected), the method and path,
 * the decision, and why. Holds no token, key or certificate. {@link #toJson()} (and {@link #toString()}) write it as
 * one line of JSON that request data cannot break out of.
 *
 * <p>Immutable.
 */
public final class AuditEvent {
  /** Longest caller written by {@link #toJson()}: a SPIFFE ID's maximum length, so a valid one is never cut. */
  static final int MAX_CALLER_LENGTH = 2048;
  /** Longest path, method, reason, rule or token id written by {@link #toJson()}. */
  static final int MAX_FIELD_LENGTH = 512;

  /** What was decided. */
  public enum Decision {
    /** A public endpoint: no credential needed. */
    PUBLIC,
    /** Authenticated and authorized. */
    ALLOWED,
    /** No credential where one is needed (401). */
    UNAUTHENTICATED,
    /** The credential was rejected (401); {@link #reason()} says why. */
    REJECTED,
    /** Authenticated but not authorized: no rule allows the caller (403). */
    DENIED,
    /** Authorized but the credential lacks scopes (403). */
    INSUFFICIENT_SCOPE,
    /** The request was malformed (400), e.g. two Authorization headers. */
    BAD_REQUEST,
    /** Trust could not be established for an infrastructure reason (503), e.g. the bundle is unavailable. */
    UNAVAILABLE
  }

  private final Instant time;
  private final Decision decision;
  private final @Nullable String caller;
  private final boolean callerVerified;
  private final @Nullable String method;
  private final @Nullable String path;
  private final @Nullable String reason;
  private final @Nullable String tokenId;
  private final @Nullable String rule;

  private AuditEvent(Builder b) {
    this.time = Objects.requireNonNull(b.time, "time");
    this.decision = Objects.requireNonNull(b.decision, "decision");
    this.caller = b.caller;
    this.callerVerified = b.callerVerified;
    this.method = b.method;
    this.path = b.path;
    this.reason = b.reason;
    this.tokenId = b.tokenId;
    this.rule = b.rule;
  }

  /** A builder. */
  public static Builder newBuilder(Instant time, Decision decision) {
    return new Builder(time, decision);
  }

  /** When it was decided. */
  public Instant time() {
    return time;
  }

  /** The decision. */
  public Decision decision() {
    return decision;
  }

  /** The caller's SPIFFE ID: verified when {@link #callerVerified()}, else as claimed by a rejected credential. */
  public Optional<String> caller() {
    return Optional.ofNullable(caller);
  }

  /** True when {@link #caller()} was verified. */
  public boolean callerVerified() {
    return callerVerified;
  }

  /** The HTTP method. */
  public Optional<String> method() {
    return Optional.ofNullable(method);
  }

  /** The request path. */
  public Optional<String> path() {
    return Optional.ofNullable(path);
  }

  /** Why: a rejection reason ({@code EXPIRED}, {@code UNTRUSTED_CHAIN}, …) or a policy outcome detail. */
  public Optional<String> reason() {
    return Optional.ofNullable(reason);
  }

  /** The token id of the JWT-SVID presented, if any. */
  public Optional<String> tokenId() {
    return Optional.ofNullable(tokenId);
  }

  /** The policy rule that decided ({@code source:line}), if any. */
  public Optional<String> rule() {
    return Optional.ofNullable(rule);
  }

  /**
   * This event as one line of JSON: a single object of printable ASCII (no line break in any encoding), with the
   * members, in this order, {@code time} (ISO-8601), {@code decision}, {@code reason}, {@code caller},
   * {@code callerVerified} (always present), {@code method}, {@code path}, {@code rule}, {@code tokenId}; absent values
   * are left out. Strings are escaped per RFC 8259, and every character outside printable ASCII (control characters,
   * line and paragraph separators, non-ASCII, lone surrogates) as {@code \}{@code uXXXX}, so no request data can
   * forge a member or a line. A value longer than its cap (2048 characters for the caller,
   * 512 for every other string) is cut there (never inside a surrogate pair) and its member
   * name is listed in a final {@code truncated} array. The accessors return the values uncut.
   */
  public String toJson() {
    StringBuilder sb = new StringBuilder(160 + length(path) + length(caller) + length(reason) + length(rule)
        + length(tokenId));
    sb.append("{\"time\":\"").append(time).append("\",\"decision\":\"").append(decision.name()).append('"');
    List<String> truncated = null;
    truncated = member(sb, "reason", reason, MAX_FIELD_LENGTH, truncated);
    truncated = member(sb, "caller", caller, MAX_CALLER_LENGTH, truncated);
    sb.append(",\"callerVerified\":").append(callerVerified);
    truncated = member(sb, "method", method, MAX_FIELD_LENGTH, truncated);
    truncated = member(sb, "path", path, MAX_FIELD_LENGTH, truncated);
    truncated = member(sb, "rule", rule, MAX_FIELD_LENGTH, truncated);
    truncated = member(sb, "tokenId", tokenId, MAX_FIELD_LENGTH, truncated);
    if (truncated != null) {
      sb.append(",\"truncated\":[");
      for (int i = 0; i < truncated.size(); i++) {
        sb.append(i == 0 ? "\"" : ",\"").append(truncated.get(i)).append('"');
      }
      sb.append(']');
    }
    return sb.append('}').toString();
  }

  /** The same as {@link #toJson()}: one line of JSON, safe to log. */
  @Override
  public String toString() {
    return toJson();
  }

  private static int length(@Nullable String value) {
    return value == null ? 0 : Math.min(value.length(), MAX_CALLER_LENGTH);
  }

  /** Appends {@code ,"name":"value"} when there is a value; returns the truncated names, with this one if cut. */
  private static @Nullable List<String> member(StringBuilder sb, String name, @Nullable String value, int max,
      @Nullable List<String> truncated) {
    if (value == null) {
      return truncated;
    }
    int end = value.length();
    if (end > max) {
      end = Character.isHighSurrogate(value.charAt(max - 1)) && Character.isLowSurrogate(value.charAt(max))
          ? max - 1 : max;
      if (truncated == null) {
        truncated = new ArrayList<>(2);
      }
      truncated.add(name);
    }
    sb.append(",\"").append(name).append("\":");
    Json.appendAsciiString(sb, value, end);
    return truncated;
  }

  /** Builds an {@link AuditEvent}. */
  public static final class Builder {
    private final Instant time;
    private final Decision decision;
    private @Nullable String caller;
    private boolean callerVerified;
    private @Nullable String method;
    private @Nullable String path;
    private @Nullable String reason;
    private @Nullable String tokenId;
    private @Nullable String rule;

    private Builder(Instant time, Decision decision) {
      this.time = time;
      this.decision = decision;
    }

    /** The caller and whether it was verified. */
    public Builder caller(@Nullable String caller, boolean verified) {
      this.caller = caller;
      this.callerVerified = caller != null && verified;
      return this;
    }

    /** The request. */
    public Builder request(@Nullable String method, @Nullable String path) {
      this.method = method;
      this.path = path;
      return this;
    }

    /** The reason. */
    public Builder reason(@Nullable String reason) {
      this.reason = reason;
      return this;
    }

    /** The token id. */
    public Builder tokenId(@Nullable String tokenId) {
      this.tokenId = tokenId;
      return this;
    }

    /** The deciding rule. */
    public Builder rule(@Nullable String rule) {
      this.rule = rule;
      return this;
    }

    /** The event. */
    public AuditEvent build() {
      return new AuditEvent(this);
    }
  }
}

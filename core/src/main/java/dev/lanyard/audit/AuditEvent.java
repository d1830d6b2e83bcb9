package dev.lanyard.audit;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One request decision: the caller (verified, or as claimed when the credential was rejected), the method and path,
 * the decision, and why. Holds no token, key or certificate.
 */
public final class AuditEvent {
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
  private final String caller;
  private final boolean callerVerified;
  private final String method;
  private final String path;
  private final String reason;
  private final String tokenId;
  private final String rule;

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

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("decision=").append(decision);
    if (caller != null) {
      sb.append(callerVerified ? " caller=" : " claimedCaller=").append(caller);
    }
    if (method != null) {
      sb.append(" method=").append(method);
    }
    if (path != null) {
      sb.append(" path=").append(path);
    }
    if (reason != null) {
      sb.append(" reason=").append(reason);
    }
    if (tokenId != null) {
      sb.append(" jti=").append(tokenId);
    }
    if (rule != null) {
      sb.append(" rule=").append(rule);
    }
    return sb.toString();
  }

  /** Builds an {@link AuditEvent}. */
  public static final class Builder {
    private final Instant time;
    private final Decision decision;
    private String caller;
    private boolean callerVerified;
    private String method;
    private String path;
    private String reason;
    private String tokenId;
    private String rule;

    private Builder(Instant time, Decision decision) {
      this.time = time;
      this.decision = decision;
    }

    /** The caller and whether it was verified. */
    public Builder caller(String caller, boolean verified) {
      this.caller = caller;
      this.callerVerified = caller != null && verified;
      return this;
    }

    /** The request. */
    public Builder request(String method, String path) {
      this.method = method;
      this.path = path;
      return this;
    }

    /** The reason. */
    public Builder reason(String reason) {
      this.reason = reason;
      return this;
    }

    /** The token id. */
    public Builder tokenId(String tokenId) {
      this.tokenId = tokenId;
      return this;
    }

    /** The deciding rule. */
    public Builder rule(String rule) {
      this.rule = rule;
      return this;
    }

    /** The event. */
    public AuditEvent build() {
      return new AuditEvent(this);
    }
  }
}

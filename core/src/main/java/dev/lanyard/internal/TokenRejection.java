package dev.lanyard.internal;

import java.util.Objects;

/**
 * A compact JWS or its claims broke a rule of {@link CompactJws} or {@link JwtClaims}. The {@link Fault} names the
 * rule with the name of the public reason the verifiers answer with ({@code JwtSvidRejectedException.Reason}, which
 * this package cannot name: it sits below {@code jwt}); each verifier turns it into its own rejection. Like that
 * rejection it records no stack trace and never holds the token.
 *
 * <p>Thread-safe: immutable.
 */
public final class TokenRejection extends Exception {
  private static final long serialVersionUID = 1L;

  /** The broken rule, named as the public reason of the same name. */
  public enum Fault {
    MALFORMED,
    ALGORITHM_NOT_ALLOWED,
    HEADER_NOT_ALLOWED,
    TYPE_NOT_ALLOWED,
    UNKNOWN_KEY,
    MISSING_CLAIM,
    INVALID_CLAIM,
    EXPIRED,
    NOT_YET_VALID,
    LIFETIME_TOO_LONG
  }

  private final Fault fault;
  private final String detail;

  TokenRejection(Fault fault, String message) {
    super(message, null, false, false);
    this.fault = Objects.requireNonNull(fault, "fault");
    this.detail = Objects.requireNonNull(message, "message");
  }

  /** What broke the rule, for logs; never the token. */
  public String detail() {
    return detail;
  }

  /** The broken rule. */
  public Fault fault() {
    return fault;
  }
}

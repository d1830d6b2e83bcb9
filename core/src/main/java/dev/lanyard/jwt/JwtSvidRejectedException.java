package dev.lanyard.jwt;

import java.util.Objects;

/**
 * A JWT-SVID was rejected. {@link #reason()} says why in a machine-readable way; the message adds detail for logs
 * and never contains the token. No stack trace is recorded: a rejection is an expected outcome, and attackers can
 * cause many. How a rejection is answered (HTTP 401 with an RFC 6750 challenge) is the adapters' business; see
 * {@code dev.lanyard.policy.Challenge#invalidToken(String)}.
 *
 * <p>Thread-safe: immutable.
 */
public final class JwtSvidRejectedException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why a JWT-SVID was rejected. Every reason is the presenter's fault, never an infrastructure failure. */
  public enum Reason {
    /** Not a compact JWS of three canonical base64url parts with JSON objects, too large or too deeply nested. */
    MALFORMED("The token is malformed"),
    /** {@code alg} is missing, {@code none}, HMAC, EdDSA, unknown or not allowed by this verifier. */
    ALGORITHM_NOT_ALLOWED("The token's algorithm is not allowed"),
    /** A header other than {@code alg}, {@code kid}, {@code typ} (e.g. {@code jwk}, {@code jku}, {@code crit}). */
    HEADER_NOT_ALLOWED("The token has a header that is not allowed"),
    /** {@code typ} is present and neither {@code JWT} nor {@code JOSE}. */
    TYPE_NOT_ALLOWED("The token's type is not allowed"),
    /** No {@code kid}, or the bundle of the subject's trust domain has no usable key with it. */
    UNKNOWN_KEY("The token's signing key is not known"),
    /** The key named by {@code kid} does not fit {@code alg} (key type, curve, or the key's pinned algorithm). */
    KEY_MISMATCH("The token's signing key does not fit its algorithm"),
    /** The signature does not verify. */
    BAD_SIGNATURE("The token's signature is invalid"),
    /** A required claim ({@code sub}, {@code aud}, {@code exp}) is missing. */
    MISSING_CLAIM("The token lacks a required claim"),
    /** A claim has the wrong type or form (a string {@code exp}, a bad scope token, …). */
    INVALID_CLAIM("The token has an invalid claim"),
    /** {@code sub} is not a valid SPIFFE ID. */
    INVALID_SUBJECT("The token's subject is not a SPIFFE ID"),
    /** The subject's trust domain is not one this verifier trusts. */
    UNTRUSTED_TRUST_DOMAIN("The token's trust domain is not trusted"),
    /** {@code aud} does not contain this verifier's audience. */
    AUDIENCE_MISMATCH("The token is not meant for this audience"),
    /** {@code exp} has passed (beyond the allowed clock skew). */
    EXPIRED("The token has expired"),
    /** {@code nbf} or {@code iat} lies in the future (beyond the allowed clock skew). */
    NOT_YET_VALID("The token is not valid yet"),
    /** The token lives longer than this verifier's maximum token lifetime. */
    LIFETIME_TOO_LONG("The token's lifetime is too long"),
    /** The token, its subject or its signing key has been revoked. */
    REVOKED("The token has been revoked"),
    /**
     * {@code iss} does not name an issuer on the verifier's allow-list (OIDC tokens such as Kubernetes
     * service-account tokens); nothing was fetched for it.
     */
    UNTRUSTED_ISSUER("The token's issuer is not trusted");

    private final String description;

    Reason(String description) {
      this.description = description;
    }

    /**
     * A fixed, safe description for a remote caller (e.g. an RFC 6750 {@code error_description}); it never
     * includes anything from the token.
     */
    public String description() {
      return description;
    }
  }

  private final Reason reason;
  private final String detail;

  /** A rejection for {@code reason} with a detail message that must not contain the token. */
  public JwtSvidRejectedException(Reason reason, String message) {
    super(Objects.requireNonNull(reason, "reason") + ": " + Objects.requireNonNull(message, "message"),
        null, false, false);
    this.reason = reason;
    this.detail = message;
  }

  /** The detail message without the reason prefix (never contains the token). */
  public String detail() {
    return detail;
  }

  /** Why the token was rejected. */
  public Reason reason() {
    return reason;
  }
}

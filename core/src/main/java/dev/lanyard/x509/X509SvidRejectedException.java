package dev.lanyard.x509;

import java.util.Objects;

/**
 * An X.509-SVID (chain) was rejected. {@link #reason()} says why; the message adds detail for logs and never contains
 * key material. No stack trace is recorded. How a rejection is answered over HTTP is the adapters' business.
 *
 * <p>Thread-safe: immutable.
 */
public final class X509SvidRejectedException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why an X.509-SVID chain was rejected. */
  public enum Reason {
    /** No certificate, or certificates that cannot be parsed. */
    MALFORMED("The certificate chain is malformed"),
    /** More certificates than the verifier allows, or path building beyond its budget. */
    CHAIN_TOO_LONG("The certificate chain is too long"),
    /** The leaf is a CA (basic constraints CA:TRUE). */
    NOT_A_LEAF("The certificate is not a leaf"),
    /** The leaf has no URI SAN, or none with the spiffe scheme. */
    MISSING_SPIFFE_ID("The certificate has no SPIFFE ID"),
    /** The leaf has more than one URI SAN. */
    MULTIPLE_URI_SANS("The certificate has more than one URI SAN"),
    /** The URI SAN is not a valid SPIFFE ID of a workload (e.g. no path). */
    INVALID_SPIFFE_ID("The certificate's SPIFFE ID is invalid"),
    /** The SPIFFE ID's trust domain is not trusted, or its bundle has no X.509 roots. */
    UNTRUSTED_TRUST_DOMAIN("The certificate's trust domain is not trusted"),
    /** Key usage missing, not critical, without digitalSignature, or with keyCertSign/cRLSign on a leaf. */
    BAD_KEY_USAGE("The certificate's key usage is not allowed"),
    /** An extended key usage without both serverAuth and clientAuth. */
    BAD_EXTENDED_KEY_USAGE("The certificate's extended key usage is not allowed"),
    /** A certificate of the chain has expired. */
    EXPIRED("The certificate has expired"),
    /** A certificate of the chain is not valid yet. */
    NOT_YET_VALID("The certificate is not valid yet"),
    /** No path to a root of the bundle, or a signature that does not verify. */
    UNTRUSTED_CHAIN("The certificate chain is not trusted"),
    /** An issuing certificate is not a CA, or may not sign certificates. */
    NOT_A_CA("An issuing certificate is not a CA"),
    /** A path length constraint is exceeded. */
    PATH_LENGTH_EXCEEDED("A path length constraint is exceeded"),
    /** A name violates a name constraint (including the trust anchor's). */
    NAME_CONSTRAINT_VIOLATION("A name constraint is violated"),
    /** A certificate (including the trust anchor) has a critical extension that is not understood. */
    UNKNOWN_CRITICAL_EXTENSION("A certificate has an unknown critical extension"),
    /** The chain is valid but the peer's SPIFFE ID is not authorized. */
    NOT_AUTHORIZED("The peer is not authorized"),
    /**
     * The chain is valid but its SPIFFE ID was revoked for credentials issued before an instant, and this leaf's
     * {@code notBefore} is earlier (see {@link dev.lanyard.x509.X509SvidVerifier.Builder#revocations}).
     */
    REVOKED("The certificate has been revoked");

    private final String description;

    Reason(String description) {
      this.description = description;
    }

    /** A fixed, safe description for a remote caller. */
    public String description() {
      return description;
    }
  }

  private final Reason reason;
  private final String detail;

  /** A rejection for {@code reason} with a detail message. */
  public X509SvidRejectedException(Reason reason, String message) {
    super(Objects.requireNonNull(reason, "reason") + ": " + Objects.requireNonNull(message, "message"), null, false,
        false);
    this.reason = reason;
    this.detail = message;
  }

  /** Why the chain was rejected. */
  public Reason reason() {
    return reason;
  }

  /** The detail message without the reason prefix. */
  public String detail() {
    return detail;
  }
}

package dev.lanyard.servlet;

import dev.lanyard.jwt.JwtSvidRejectedException;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.jwt.VerifiedJwtSvid;
import dev.lanyard.oidc.OidcTokenVerifier;
import dev.lanyard.oidc.VerifiedOidcToken;
import dev.lanyard.policy.Caller;
import dev.lanyard.tls.PeerIdentity;
import dev.lanyard.trust.BundleUnavailableException;
import dev.lanyard.x509.VerifiedX509Svid;
import dev.lanyard.x509.X509SvidRejectedException;
import dev.lanyard.x509.X509SvidVerifier;
import java.security.cert.X509Certificate;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Verifies the credentials a request presented and names the caller: a JWT-SVID, an X.509-SVID, or both, in which case
 * the token's subject must be the certificate's SPIFFE ID. A bearer token whose {@code iss} names an allowed OIDC issuer
 * (a Kubernetes service-account token, when an {@link OidcTokenVerifier} is configured) goes to that verifier and names
 * the caller by the SPIFFE ID its service account maps to; every other token is verified as a JWT-SVID.
 *
 * <p>Thread-safe: holds only thread-safe verifiers.
 */
final class Authenticator {
  private final JwtSvidVerifier jwtVerifier;
  private final X509SvidVerifier x509Verifier;
  private final @Nullable OidcTokenVerifier oidcVerifier;

  Authenticator(JwtSvidVerifier jwtVerifier, X509SvidVerifier x509Verifier) {
    this(jwtVerifier, x509Verifier, null);
  }

  Authenticator(JwtSvidVerifier jwtVerifier, X509SvidVerifier x509Verifier,
      @Nullable OidcTokenVerifier oidcVerifier) {
    this.jwtVerifier = jwtVerifier;
    this.x509Verifier = x509Verifier;
    this.oidcVerifier = oidcVerifier;
  }

  /**
   * The verified caller. At least one of {@code token} and {@code certificates} is present.
   *
   * @throws JwtSvidRejectedException when the token is refused (checked first)
   * @throws X509SvidRejectedException when the certificate chain is refused
   * @throws SubjectMismatchException when token and certificate name different SPIFFE IDs
   * @throws BundleUnavailableException when the trust bundle is unavailable beyond its bound
   */
  Caller authenticate(@Nullable String token, X509Certificate @Nullable [] certificates)
      throws JwtSvidRejectedException, X509SvidRejectedException, SubjectMismatchException {
    if (token != null && oidcVerifier != null && oidcVerifier.isFromAllowedIssuer(token)) {
      VerifiedOidcToken oidc = oidcVerifier.verify(token);
      if (certificates != null && !PeerIdentity.of(certificates, x509Verifier).spiffeId().equals(oidc.spiffeId())) {
        throw new SubjectMismatchException(oidc.spiffeId().toString());
      }
      return new Caller(oidc.spiffeId(), Set.of(), Caller.CredentialType.OIDC_TOKEN, oidc.tokenId().orElse(null));
    }
    VerifiedJwtSvid jwt = token == null ? null : jwtVerifier.verify(token);
    VerifiedX509Svid x509 = certificates == null ? null : PeerIdentity.of(certificates, x509Verifier);
    if (jwt != null && x509 != null) {
      if (!jwt.subject().equals(x509.spiffeId())) {
        throw new SubjectMismatchException(jwt.subject().toString());
      }
      return new Caller(jwt.subject(), jwt.scopes(), Caller.CredentialType.JWT_SVID_AND_X509_SVID,
          jwt.tokenId().orElse(null));
    }
    if (jwt != null) {
      return new Caller(jwt.subject(), jwt.scopes(), Caller.CredentialType.JWT_SVID, jwt.tokenId().orElse(null));
    }
    if (x509 == null) {
      throw new IllegalArgumentException("no credential to authenticate");
    }
    return new Caller(x509.spiffeId(), Set.of(), Caller.CredentialType.X509_SVID, null);
  }

  /** Two credentials naming different SPIFFE IDs. */
  static final class SubjectMismatchException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String tokenSubject;

    SubjectMismatchException(String tokenSubject) {
      super("subject mismatch", null, false, false);
      this.tokenSubject = tokenSubject;
    }

    /** The token's subject (a SPIFFE ID, not a secret). */
    String tokenSubject() {
      return tokenSubject;
    }
  }
}

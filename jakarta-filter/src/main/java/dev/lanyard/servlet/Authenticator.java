package dev.lanyard.servlet;

import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.jwt.JwtSvidRejectedException;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.jwt.VerifiedJwtSvid;
import dev.lanyard.oidc.OidcTokenVerifier;
import dev.lanyard.oidc.VerifiedOidcToken;
import dev.lanyard.policy.Caller;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.tls.PeerIdentity;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.BundleUnavailableException;
import dev.lanyard.trust.FederatedBundleSource;
import dev.lanyard.trust.RevocationList;
import dev.lanyard.x509.VerifiedX509Svid;
import dev.lanyard.x509.X509SvidRejectedException;
import dev.lanyard.x509.X509SvidVerifier;
import dev.lanyard.spiffe.SpiffeId;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
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
   * The authenticator of a filter: JWT-SVIDs for {@code audience} and X.509-SVIDs, both of {@code own} trust domain and,
   * when {@code bundleSource} is a {@link FederatedBundleSource}, of the trust domains it federates with (each verified
   * only against its own bundle); Kubernetes service-account tokens too when {@code oidc} is given.
   *
   * @param revocations the revocations JWT-SVIDs and X.509-SVIDs are checked against, or null for none
   * @param oidc the verifier of service-account tokens, or null for none
   * @throws IllegalStateException when a federated bundle source is for another trust domain than {@code own}
   */
  static Authenticator of(TrustDomain own, String audience, BundleSource bundleSource, Duration maxTokenLifetime,
      Duration clockSkew, Clock clock, @Nullable RevocationList revocations, @Nullable OidcTokenVerifier oidc) {
    TrustDomain[] federated = federatedTrustDomains(own, bundleSource);
    JwtSvidVerifier.Builder jwt = JwtSvidVerifier.newBuilder().bundleSource(bundleSource).audience(audience)
        .trustDomains(own, federated).maxTokenLifetime(maxTokenLifetime).clockSkew(clockSkew).clock(clock);
    if (revocations != null) {
      jwt.revocations(revocations);
    }
    X509SvidVerifier.Builder x509 = X509SvidVerifier.newBuilder().bundleSource(bundleSource)
        .trustDomains(own, federated).clock(clock);
    if (revocations != null) {
      x509.revocations(revocations);
    }
    return new Authenticator(jwt.build(), x509.build(), oidc);
  }

  /** The trust domains a federated bundle source adds to the own one; none for any other source. */
  private static TrustDomain[] federatedTrustDomains(TrustDomain own, BundleSource bundleSource) {
    if (!(bundleSource instanceof FederatedBundleSource)) {
      return new TrustDomain[0];
    }
    FederatedBundleSource federation = (FederatedBundleSource) bundleSource;
    if (!federation.ownTrustDomain().equals(own)) {
      throw new IllegalStateException("the federated bundle source is for trust domain "
          + federation.ownTrustDomain() + ", not the filter's " + own);
    }
    return federation.federatedTrustDomains().toArray(new TrustDomain[0]);
  }

  /**
   * The verified caller and the id of the key that signed its token. At least one of {@code token} and
   * {@code certificates} is present.
   *
   * @throws JwtSvidRejectedException when the token is refused (checked first)
   * @throws X509SvidRejectedException when the certificate chain is refused
   * @throws SubjectMismatchException when token and certificate name different SPIFFE IDs
   * @throws BundleUnavailableException when the trust bundle is unavailable beyond its bound
   */
  Authenticated authenticate(@Nullable String token, X509Certificate @Nullable [] certificates)
      throws JwtSvidRejectedException, X509SvidRejectedException, SubjectMismatchException {
    if (token != null && oidcVerifier != null && oidcVerifier.isFromAllowedIssuer(token)) {
      VerifiedOidcToken oidc = oidcVerifier.verify(token);
      if (certificates != null && !PeerIdentity.of(certificates, x509Verifier).spiffeId().equals(oidc.spiffeId())) {
        throw new SubjectMismatchException(oidc.spiffeId().toString(), oidc.keyId(), oidc.tokenId().orElse(null));
      }
      return new Authenticated(new Caller(oidc.spiffeId(), Set.of(), Caller.CredentialType.OIDC_TOKEN,
          oidc.tokenId().orElse(null)), oidc.keyId());
    }
    VerifiedJwtSvid jwt = token == null ? null : jwtVerifier.verify(token);
    VerifiedX509Svid x509 = certificates == null ? null : PeerIdentity.of(certificates, x509Verifier);
    if (jwt != null && x509 != null) {
      if (!jwt.subject().equals(x509.spiffeId())) {
        throw new SubjectMismatchException(jwt.subject().toString(), jwt.keyId(), jwt.tokenId().orElse(null));
      }
      return new Authenticated(new Caller(jwt.subject(), jwt.scopes(), Caller.CredentialType.JWT_SVID_AND_X509_SVID,
          jwt.tokenId().orElse(null)), jwt.keyId());
    }
    if (jwt != null) {
      return new Authenticated(new Caller(jwt.subject(), jwt.scopes(), Caller.CredentialType.JWT_SVID,
          jwt.tokenId().orElse(null)), jwt.keyId());
    }
    if (x509 == null) {
      throw new IllegalArgumentException("no credential to authenticate");
    }
    return new Authenticated(new Caller(x509.spiffeId(), Set.of(), Caller.CredentialType.X509_SVID, null), null);
  }

  /**
   * What a refused token claims, read without trusting it, for the audit event: its {@code sub} when that is a
   * SPIFFE ID, and its {@code kid}. Null when the token cannot be read as a JWT-SVID at all.
   */
  static @Nullable Claimed claimedByToken(String token) {
    try {
      JwtSvid claimed = JwtSvid.decodeUnverified(token);
      return new Claimed(claimed.subject().toString(), claimed.keyId());
    } catch (JwtSvidRejectedException | RuntimeException unreadable) {
      return null;
    }
  }

  /**
   * The SPIFFE ID a refused certificate chain claims, read without trusting it: the leaf's one URI SAN when it is a
   * SPIFFE ID, else null.
   */
  static @Nullable String claimedByCertificate(X509Certificate[] chain) {
    try {
      Collection<List<?>> names = chain[0].getSubjectAlternativeNames();
      String uri = null;
      if (names != null) {
        for (List<?> name : names) {
          if (name.size() == 2 && Integer.valueOf(6).equals(name.get(0)) && name.get(1) instanceof String) {
            if (uri != null) {
              return null;
            }
            uri = (String) name.get(1);
          }
        }
      }
      return uri == null ? null : SpiffeId.parse(uri).toString();
    } catch (CertificateParsingException | RuntimeException unreadable) {
      return null;
    }
  }

  /** A verified caller and the id of the key that signed its token (null for a certificate alone). */
  static final class Authenticated {
    final Caller caller;
    final @Nullable String keyId;

    Authenticated(Caller caller, @Nullable String keyId) {
      this.caller = caller;
      this.keyId = keyId;
    }
  }

  /** What a refused token claims: a SPIFFE ID (syntax checked, nothing else) and a key id, both unverified. */
  static final class Claimed {
    final String subject;
    final String keyId;

    Claimed(String subject, String keyId) {
      this.subject = subject;
      this.keyId = keyId;
    }
  }

  /** Two credentials naming different SPIFFE IDs. */
  static final class SubjectMismatchException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String tokenSubject;
    private final String keyId;
    private final @Nullable String tokenId;

    SubjectMismatchException(String tokenSubject, String keyId, @Nullable String tokenId) {
      super("subject mismatch", null, false, false);
      this.tokenSubject = tokenSubject;
      this.keyId = keyId;
      this.tokenId = tokenId;
    }

    /** The id of the key that signed the (verified) token. */
    String keyId() {
      return keyId;
    }

    /** The (verified) token's id, if it has one. */
    @Nullable String tokenId() {
      return tokenId;
    }

    /** The token's subject (a SPIFFE ID, not a secret). */
    String tokenSubject() {
      return tokenSubject;
    }
  }
}

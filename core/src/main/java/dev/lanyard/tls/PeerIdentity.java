package dev.lanyard.tls;

import dev.lanyard.x509.PeerAuthorizer;
import dev.lanyard.x509.VerifiedX509Svid;
import dev.lanyard.x509.X509SvidRejectedException;
import dev.lanyard.x509.X509SvidVerifier;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Objects;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The verified SPIFFE identity of a TLS peer: of an {@link SSLSession}, or of the client certificate chain a servlet
 * container hands over ({@code jakarta.servlet.request.X509Certificate}). The chain is verified here, whoever
 * accepted the handshake.
 *
 * <p>Thread-safe: static functions without state; the verifier given must be thread-safe (Lanyard's are).
 */
public final class PeerIdentity {
  private PeerIdentity() {}

  /**
   * Verifies the peer of {@code session}.
   *
   * @throws X509SvidRejectedException when the peer presented no certificate or its chain is not a valid X.509-SVID
   */
  public static VerifiedX509Svid of(SSLSession session, X509SvidVerifier verifier) throws X509SvidRejectedException {
    Objects.requireNonNull(session, "session");
    Certificate[] certificates;
    try {
      certificates = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      throw new X509SvidRejectedException(X509SvidRejectedException.Reason.MALFORMED, "the peer sent no certificate");
    }
    X509Certificate[] chain = new X509Certificate[certificates.length];
    for (int i = 0; i < certificates.length; i++) {
      if (!(certificates[i] instanceof X509Certificate)) {
        throw new X509SvidRejectedException(X509SvidRejectedException.Reason.MALFORMED,
            "the peer sent a certificate that is not X.509");
      }
      chain[i] = (X509Certificate) certificates[i];
    }
    return of(chain, verifier);
  }

  /**
   * Verifies a client certificate chain as handed over by a servlet container.
   *
   * @throws X509SvidRejectedException when there is no chain or it is not a valid X.509-SVID
   */
  public static VerifiedX509Svid of(X509Certificate[] chain, X509SvidVerifier verifier)
      throws X509SvidRejectedException {
    Objects.requireNonNull(verifier, "verifier");
    return SpiffeTrustManager.check(verifier, PeerAuthorizer.any(), chain);
  }
}

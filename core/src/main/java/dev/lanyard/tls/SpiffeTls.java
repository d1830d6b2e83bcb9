package dev.lanyard.tls;

import dev.lanyard.credentials.X509SvidSource;
import dev.lanyard.x509.PeerAuthorizer;
import dev.lanyard.x509.X509SvidVerifier;
import java.security.GeneralSecurityException;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * {@code SSLContext}s for mutual TLS with SPIFFE identities.
 *
 * <pre>{@code
 * SSLContext server = SpiffeTls.context(svids, verifier, PeerAuthorizer.memberOf(td));
 * SSLParameters params = SpiffeTls.serverParameters(server);   // client authentication required
 * }</pre>
 *
 * <p>The same context serves as client or server. TLS 1.3 and 1.2 only. Host names are not verified: peers are
 * authorized by SPIFFE ID.
 *
 * <p>Thread-safe: static factories; the key and trust managers they make are thread-safe, as JSSE requires.
 */
public final class SpiffeTls {
  private SpiffeTls() {}

  /** A key manager that always presents the current SVID of {@code source}. */
  public static X509ExtendedKeyManager keyManager(X509SvidSource source) {
    return new SpiffeKeyManager(source);
  }

  /** A trust manager that verifies peers with {@code verifier} and authorizes them with {@code authorizer}. */
  public static X509ExtendedTrustManager trustManager(X509SvidVerifier verifier, PeerAuthorizer authorizer) {
    return new SpiffeTrustManager(verifier, authorizer);
  }

  /**
   * A trust manager that verifies peers with {@code verifier}, authorizes clients with {@code clients}, and authorizes
   * each server with the authorizer {@code servers} chooses for the host and port the connection is for.
   */
  public static X509ExtendedTrustManager trustManager(X509SvidVerifier verifier, PeerAuthorizer clients,
      ServerAuthorizer servers) {
    return new SpiffeTrustManager(verifier, clients, servers);
  }

  /** A TLS context presenting the current SVID and accepting authorized SPIFFE peers. */
  public static SSLContext context(X509SvidSource source, X509SvidVerifier verifier, PeerAuthorizer authorizer) {
    Objects.requireNonNull(source, "source");
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {keyManager(source)}, new TrustManager[] {trustManager(verifier, authorizer)},
          null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot create a TLS context", e);
    }
  }

  /** Server parameters for {@code context}: client authentication required, TLS 1.3 and 1.2. */
  public static SSLParameters serverParameters(SSLContext context) {
    SSLParameters parameters = context.getDefaultSSLParameters();
    parameters.setNeedClientAuth(true);
    parameters.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
    return parameters;
  }

  /** Client parameters for {@code context}: TLS 1.3 and 1.2, no host-name verification (SPIFFE ID instead). */
  public static SSLParameters clientParameters(SSLContext context) {
    SSLParameters parameters = context.getDefaultSSLParameters();
    parameters.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
    parameters.setEndpointIdentificationAlgorithm(null);
    return parameters;
  }
}

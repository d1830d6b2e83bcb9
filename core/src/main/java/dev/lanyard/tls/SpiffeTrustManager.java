package dev.lanyard.tls;

import dev.lanyard.trust.BundleUnavailableException;
import dev.lanyard.x509.PeerAuthorizer;
import dev.lanyard.x509.VerifiedX509Svid;
import dev.lanyard.x509.X509SvidRejectedException;
import dev.lanyard.x509.X509SvidVerifier;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;
import org.jspecify.annotations.Nullable;

/**
 * A trust manager that accepts a peer when its chain verifies as an X.509-SVID against the current bundle and the
 * authorizer accepts its SPIFFE ID. It replaces host-name verification: SPIFFE peers are named by SPIFFE ID. Clients
 * are authorized by one {@link PeerAuthorizer}; servers by the one the {@link ServerAuthorizer} chooses for the host
 * and port the connection is for.
 *
 * <p>Thread-safe, as JSSE requires: it holds only final references to a thread-safe verifier and authorizers.
 */
final class SpiffeTrustManager extends X509ExtendedTrustManager {
  private static final X509Certificate[] NO_ISSUERS = new X509Certificate[0];

  private final X509SvidVerifier verifier;
  private final PeerAuthorizer clients;
  private final ServerAuthorizer servers;

  SpiffeTrustManager(X509SvidVerifier verifier, PeerAuthorizer authorizer) {
    this(verifier, authorizer, ServerAuthorizer.always(authorizer));
  }

  SpiffeTrustManager(X509SvidVerifier verifier, PeerAuthorizer clients, ServerAuthorizer servers) {
    this.verifier = Objects.requireNonNull(verifier, "verifier");
    this.clients = Objects.requireNonNull(clients, "clients");
    this.servers = Objects.requireNonNull(servers, "servers");
  }

  /** Verifies and authorizes a peer chain, for handshakes and for {@link PeerIdentity}. */
  static VerifiedX509Svid check(X509SvidVerifier verifier, PeerAuthorizer authorizer,
      X509Certificate @Nullable [] chain)
      throws X509SvidRejectedException {
    if (chain == null || chain.length == 0) {
      throw new X509SvidRejectedException(X509SvidRejectedException.Reason.MALFORMED, "the peer sent no certificate");
    }
    VerifiedX509Svid peer = verifier.verify(Arrays.asList(chain));
    if (!authorizer.isAuthorized(peer.spiffeId())) {
      throw new X509SvidRejectedException(X509SvidRejectedException.Reason.NOT_AUTHORIZED,
          peer.spiffeId() + " is not authorized");
    }
    return peer;
  }

  private void check(@Nullable PeerAuthorizer authorizer, X509Certificate @Nullable [] chain)
      throws CertificateException {
    try {
      check(verifier, authorizer == null ? peer -> false : authorizer, chain);
    } catch (X509SvidRejectedException e) {
      throw new PeerRejectedException(e);
    } catch (BundleUnavailableException e) {
      throw new CertificateException("trust bundle unavailable: " + e.getMessage());
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate @Nullable [] chain, String authType) throws CertificateException {
    check(clients, chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate @Nullable [] chain, String authType) throws CertificateException {
    check(servers.forServer(null, -1), chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate @Nullable [] chain, String authType, @Nullable Socket socket)
      throws CertificateException {
    check(clients, chain);
    notResumable(socket);
  }

  @Override
  public void checkServerTrusted(X509Certificate @Nullable [] chain, String authType, @Nullable Socket socket)
      throws CertificateException {
    SSLSession session = socket instanceof SSLSocket ? ((SSLSocket) socket).getHandshakeSession() : null;
    check(session == null ? servers.forServer(null, -1) : servers.forServer(session.getPeerHost(),
        session.getPeerPort()), chain);
    notResumable(socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate @Nullable [] chain, String authType, @Nullable SSLEngine engine)
      throws CertificateException {
    check(clients, chain);
    notResumable(engine == null ? null : engine.getHandshakeSession());
  }

  @Override
  public void checkServerTrusted(X509Certificate @Nullable [] chain, String authType, @Nullable SSLEngine engine)
      throws CertificateException {
    check(engine == null ? servers.forServer(null, -1) : servers.forServer(engine.getPeerHost(),
        engine.getPeerPort()), chain);
    notResumable(engine == null ? null : engine.getHandshakeSession());
  }

  private static void notResumable(@Nullable Socket socket) {
    if (socket instanceof SSLSocket) {
      notResumable(((SSLSocket) socket).getHandshakeSession());
    }
  }

  /**
   * A resumed session skips certificate verification, so a peer whose SVID rotated, or whose CA was revoked, would
   * go unchecked for as long as the session cache keeps it. SVIDs are short-lived: every connection made with
   * Lanyard's managers does a full handshake. (The current connection keeps its session.)
   */
  private static void notResumable(@Nullable SSLSession session) {
    if (session != null) {
      session.invalidate();
    }
  }

  /** None listed: the peer chooses its SVID, and this manager decides by SPIFFE ID. */
  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return NO_ISSUERS;
  }
}

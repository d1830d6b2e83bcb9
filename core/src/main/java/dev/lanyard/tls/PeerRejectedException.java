package dev.lanyard.tls;

import dev.lanyard.x509.X509SvidRejectedException;
import java.security.cert.CertificateException;

/**
 * A TLS peer was refused by Lanyard's trust manager; {@link #reason()} says why. Reaches applications as the cause
 * of the handshake failure.
 */
public final class PeerRejectedException extends CertificateException {
  private static final long serialVersionUID = 1L;

  private final transient X509SvidRejectedException.Reason reason;

  PeerRejectedException(X509SvidRejectedException cause) {
    super(cause.getMessage(), cause);
    this.reason = cause.reason();
  }

  /** Why the peer was refused. */
  public X509SvidRejectedException.Reason reason() {
    return reason;
  }
}

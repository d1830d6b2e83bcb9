package dev.lanyard.authority;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * The upstream CA an intermediate CA is signed by: its key and its chain (its own certificate first).
 *
 * <p>Thread-safe: immutable.
 */
final class UpstreamCa {
  final PrivateKey key;
  final List<X509Certificate> chain;

  UpstreamCa(PrivateKey key, List<X509Certificate> chain) {
    this.key = key;
    this.chain = List.copyOf(chain);
  }

  /** The upstream CA's own certificate. */
  X509Certificate certificate() {
    return chain.get(0);
  }

  /** When the upstream CA expires: no intermediate it signs outlives this. */
  Instant notAfter() {
    return certificate().getNotAfter().toInstant();
  }
}

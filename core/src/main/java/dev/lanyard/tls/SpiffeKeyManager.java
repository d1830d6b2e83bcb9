package dev.lanyard.tls;

import dev.lanyard.credentials.X509SvidSource;
import dev.lanyard.x509.X509Svid;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager that presents the workload's current X.509-SVID, as client and as server.
 *
 * <p>The alias names the SVID by serial number, and the two SVIDs most recently served are remembered, so that the
 * chain and the key JSSE asks for separately always belong together even when a rotation happens mid-handshake.
 */
final class SpiffeKeyManager extends X509ExtendedKeyManager {
  private static final String PREFIX = "lanyard-svid-";

  private final X509SvidSource source;
  private volatile X509Svid latest;
  private volatile X509Svid previous;

  SpiffeKeyManager(X509SvidSource source) {
    this.source = Objects.requireNonNull(source, "source");
  }

  private String currentAlias(String[] keyTypes) {
    X509Svid svid = source.current();
    if (svid != latest) {
      previous = latest;
      latest = svid;
    }
    if (keyTypes != null && !matches(svid, keyTypes)) {
      return null;
    }
    return PREFIX + svid.serial();
  }

  private static boolean matches(X509Svid svid, String[] keyTypes) {
    String algorithm = svid.leaf().getPublicKey().getAlgorithm();
    for (String keyType : keyTypes) {
      if (keyType != null && (keyType.equals(algorithm) || keyType.startsWith(algorithm + "_")
          || ("RSASSA-PSS".equals(keyType) && "RSA".equals(algorithm)))) {
        return true;
      }
    }
    return false;
  }

  private X509Svid svid(String alias) {
    if (alias == null) {
      return null;
    }
    for (X509Svid candidate : new X509Svid[] {latest, previous}) {
      if (candidate != null && alias.equals(PREFIX + candidate.serial())) {
        return candidate;
      }
    }
    X509Svid current = source.current();
    return alias.equals(PREFIX + current.serial()) ? current : null;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    String alias = currentAlias(new String[] {keyType});
    return alias == null ? null : new String[] {alias};
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return currentAlias(keyTypes);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    return currentAlias(keyTypes);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    String alias = currentAlias(new String[] {keyType});
    return alias == null ? null : new String[] {alias};
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return currentAlias(new String[] {keyType});
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return currentAlias(new String[] {keyType});
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    X509Svid svid = svid(alias);
    return svid == null ? null : svid.chain().toArray(new X509Certificate[0]);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    X509Svid svid = svid(alias);
    return svid == null ? null : svid.privateKey();
  }

  @Override
  public String toString() {
    return "SpiffeKeyManager[" + latest + "]";
  }
}

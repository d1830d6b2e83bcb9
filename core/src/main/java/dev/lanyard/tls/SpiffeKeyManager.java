package dev.lanyard.tls;

import dev.lanyard.credentials.X509SvidSource;
import dev.lanyard.x509.X509Svid;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.jspecify.annotations.Nullable;

/**
 * A key manager that presents the workload's current X.509-SVID, as client and as server.
 *
 * <p>The alias names the SVID by serial number, and the SVIDs most recently served are remembered, so that the chain
 * and the key JSSE asks for separately always belong together even when rotations happen mid-handshake.
 *
 * <p>Thread-safe, as JSSE requires: the SVIDs served recently are in a concurrent map, and the current SVID comes from
 * the (thread-safe) source.
 */
final class SpiffeKeyManager extends X509ExtendedKeyManager {
  private static final String PREFIX = "lanyard-svid-";

  /**
   * SVIDs served recently, by alias, so that a handshake that chose an alias before one or more rotations still finds
   * its key: each is kept for two minutes after it was last chosen (far longer than any handshake), pruned once more
   * than a few are held, and never more than {@link #MAX_REMEMBERED} in all.
   */
  private static final long RETENTION_NANOS = 120_000_000_000L;
  private static final int PRUNE_ABOVE = 32;
  private static final int MAX_REMEMBERED = 4096;

  private static final class Served {
    final X509Svid svid;
    volatile long lastChosen;

    Served(X509Svid svid, long now) {
      this.svid = svid;
      this.lastChosen = now;
    }
  }

  private final X509SvidSource source;
  private final ConcurrentHashMap<String, Served> served = new ConcurrentHashMap<>();

  SpiffeKeyManager(X509SvidSource source) {
    this.source = Objects.requireNonNull(source, "source");
  }

  private @Nullable String currentAlias(@Nullable String @Nullable [] keyTypes) {
    X509Svid svid = source.current();
    if (keyTypes != null && !matches(svid, keyTypes)) {
      return null;
    }
    String alias = PREFIX + svid.serial();
    long now = System.nanoTime();
    Served existing = served.get(alias);
    if (existing != null) {
      existing.lastChosen = now;
    } else if (served.putIfAbsent(alias, new Served(svid, now)) == null && served.size() > PRUNE_ABOVE) {
      prune(now);
    }
    return alias;
  }

  private void prune(long now) {
    served.values().removeIf(entry -> now - entry.lastChosen > RETENTION_NANOS);
    if (served.size() > MAX_REMEMBERED) {
      List<Map.Entry<String, Served>> entries = new ArrayList<>(served.entrySet());
      entries.sort(Comparator.comparingLong(e -> e.getValue().lastChosen));
      for (int i = 0; i < entries.size() - MAX_REMEMBERED; i++) {
        served.remove(entries.get(i).getKey(), entries.get(i).getValue());
      }
    }
  }

  private static boolean matches(X509Svid svid, @Nullable String[] keyTypes) {
    String algorithm = svid.leaf().getPublicKey().getAlgorithm();
    for (String keyType : keyTypes) {
      if (keyType != null && (keyType.equals(algorithm) || keyType.startsWith(algorithm + "_")
          || ("RSASSA-PSS".equals(keyType) && "RSA".equals(algorithm)))) {
        return true;
      }
    }
    return false;
  }

  private @Nullable X509Svid svid(@Nullable String alias) {
    if (alias == null) {
      return null;
    }
    Served entry = served.get(alias);
    if (entry != null) {
      return entry.svid;
    }
    X509Svid current = source.current();
    return alias.equals(PREFIX + current.serial()) ? current : null;
  }

  @Override
  public String @Nullable [] getClientAliases(String keyType, Principal @Nullable [] issuers) {
    String alias = currentAlias(new String[] {keyType});
    return alias == null ? null : new String[] {alias};
  }

  @Override
  public @Nullable String chooseClientAlias(@Nullable String @Nullable [] keyTypes, Principal @Nullable [] issuers,
      @Nullable Socket socket) {
    return currentAlias(keyTypes);
  }

  @Override
  public @Nullable String chooseEngineClientAlias(@Nullable String @Nullable [] keyTypes,
      Principal @Nullable [] issuers, @Nullable SSLEngine engine) {
    return currentAlias(keyTypes);
  }

  @Override
  public String @Nullable [] getServerAliases(String keyType, Principal @Nullable [] issuers) {
    String alias = currentAlias(new String[] {keyType});
    return alias == null ? null : new String[] {alias};
  }

  @Override
  public @Nullable String chooseServerAlias(String keyType, Principal @Nullable [] issuers, @Nullable Socket socket) {
    return currentAlias(new String[] {keyType});
  }

  @Override
  public @Nullable String chooseEngineServerAlias(String keyType, Principal @Nullable [] issuers,
      @Nullable SSLEngine engine) {
    return currentAlias(new String[] {keyType});
  }

  @Override
  public X509Certificate @Nullable [] getCertificateChain(@Nullable String alias) {
    X509Svid svid = svid(alias);
    return svid == null ? null : svid.chain().toArray(new X509Certificate[0]);
  }

  @Override
  public @Nullable PrivateKey getPrivateKey(@Nullable String alias) {
    X509Svid svid = svid(alias);
    return svid == null ? null : svid.privateKey();
  }

  @Override
  public String toString() {
    return "SpiffeKeyManager[" + source + "]";
  }
}

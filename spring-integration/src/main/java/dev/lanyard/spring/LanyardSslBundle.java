package dev.lanyard.spring;

import dev.lanyard.credentials.X509SvidSource;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.tls.ServerAuthorizer;
import dev.lanyard.tls.SpiffeTls;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.FederatedBundleSource;
import dev.lanyard.trust.BundleUnavailableException;
import dev.lanyard.x509.PeerAuthorizer;
import dev.lanyard.x509.X509Svid;
import dev.lanyard.x509.X509SvidVerifier;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.KeyManagerFactorySpi;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.TrustManagerFactorySpi;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.ssl.SslBundleRegistrar;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundleKey;
import org.springframework.boot.ssl.SslBundleRegistry;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.SslManagerBundle;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.boot.ssl.SslStoreBundle;

/**
 * Registers the SSL bundle {@value #NAME}: the service's own X.509-SVID and its trust domain's X.509 roots, for
 * {@code server.ssl.bundle=lanyard} and for clients. It is replaced ({@link SslBundleRegistry#updateBundle}) every time
 * the SVID rotates, so that the web server and new client connections present the new one, and every time the X.509
 * roots of the own or a federated trust domain change (a CA prepared, activated or removed, a federated bundle
 * changed; checked every {@link #ROOTS_CHECK_INTERVAL}), so that the web server trusts callers holding SVIDs from a
 * new CA before its own SVID renews, and stops trusting a removed root.
 *
 * <p>The bundle carries both forms Spring Boot uses: key and trust stores (in memory, built from the current SVID and
 * roots; Tomcat and other servers read these and validate client certificates by PKIX against the roots, after which
 * Lanyard verifies the chain again as an X.509-SVID), and key and trust managers from {@link SpiffeTls} (clients built
 * from the bundle: the current SVID is always presented and the server is verified as an X.509-SVID of the trust
 * domain, against the bundle current at each handshake, and authorized by SPIFFE ID instead of host name, per
 * connection: a server at a target's host and port must present that target's server ID, see
 * {@link LanyardSettings#serverAuthorizer()}). TLS 1.3 and 1.2 only.
 *
 * <p>Thread-safe: updates of the bundle are serialised; the managers it hands out are thread-safe.
 */
final class LanyardSslBundle implements SslBundleRegistrar, AutoCloseable {
  /** The bundle's name. */
  static final String NAME = "lanyard";
  private static final String ALIAS = "lanyard";
  /** How often the trust domains' X.509 roots are compared with those in the bundle. */
  static final Duration ROOTS_CHECK_INTERVAL = Duration.ofSeconds(1);
  private static final Logger LOG = LoggerFactory.getLogger(LanyardSslBundle.class);
  private static final Provider PROVIDER = new Provider("Lanyard", "1.0", "Lanyard's fixed key and trust managers") {
    private static final long serialVersionUID = 1L;
  };

  private final LanyardIdentity identity;
  private final TrustDomain trustDomain;
  private final BundleSource bundles;
  private final X509SvidVerifier verifier;
  /** Which client certificates a handshake accepts: the own trust domain's and the federated ones'. */
  private final PeerAuthorizer clients;
  /** The own trust domain and the federated ones. */
  private final Set<TrustDomain> trustDomains;
  private final ServerAuthorizer servers;
  private final String password;
  private volatile @Nullable AutoCloseable listener;
  private volatile @Nullable ScheduledExecutorService rootsWatcher;
  /** Serialises the bundle's updates, so that an older SVID or set of roots never replaces a newer one. */
  private final Object updates = new Object();
  /** The roots in the bundle last registered; guarded by {@link #updates}. */
  private List<X509Certificate> publishedRoots = List.of();

  LanyardSslBundle(LanyardIdentity identity, TrustDomain trustDomain, BundleSource bundles, ServerAuthorizer servers) {
    this.identity = identity;
    this.servers = servers;
    this.trustDomain = trustDomain;
    this.bundles = bundles;
    // Federated trust domains (lanyard.federation.*) are accepted as peers too, each against its own bundle; the
    // policy and the server authorizer decide what they may do.
    TrustDomain[] federated = bundles instanceof FederatedBundleSource
        ? ((FederatedBundleSource) bundles).federatedTrustDomains().toArray(new TrustDomain[0]) : new TrustDomain[0];
    this.verifier = X509SvidVerifier.newBuilder().bundleSource(bundles).trustDomains(trustDomain, federated).build();
    Set<TrustDomain> peers = new LinkedHashSet<>();
    peers.add(trustDomain);
    peers.addAll(Arrays.asList(federated));
    this.trustDomains = Set.copyOf(peers);
    this.clients = federated.length == 0 ? PeerAuthorizer.memberOf(trustDomain)
        : PeerAuthorizer.matching(id -> peers.contains(id.trustDomain()));
    byte[] random = new byte[16];
    new SecureRandom().nextBytes(random);
    this.password = HexFormat.of().formatHex(random);
  }

  @Override
  public void registerBundles(SslBundleRegistry registry) {
    synchronized (updates) {
      registry.registerBundle(NAME, bundle(identity.x509Svids().current()));
    }
    if (registry instanceof SslBundles registered) {
      // Clients made from the bundle present the current SVID and check peers against the current bundle without a
      // reload (and SvidBoundConnections renews the connections of those Spring Boot builds); without a handler,
      // Spring Boot warns at each update that the bundle may be in use by something that cannot reload it.
      registered.addBundleUpdateHandler(NAME, updated -> LOG.debug("SSL bundle '{}' replaced", NAME));
    }
    listener = identity.x509Svids().addListener(svid -> {
      synchronized (updates) {
        registry.updateBundle(NAME, bundle(identity.x509Svids().current()));
      }
      LOG.info("SSL bundle '{}' updated with X.509-SVID serial {} (expires {})", NAME, svid.serial(),
          svid.expiresAt());
    });
    ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "lanyard-ssl-bundle-roots");
      thread.setDaemon(true);
      return thread;
    });
    rootsWatcher = watcher;
    long interval = ROOTS_CHECK_INTERVAL.toMillis();
    ScheduledFuture<?> unused = watcher.scheduleWithFixedDelay(() -> updateIfRootsChanged(registry), interval,
        interval, TimeUnit.MILLISECONDS);
  }

  /**
   * Replaces the bundle when the trust domains' X.509 roots differ from those it holds. A trust domain whose bundle
   * is unavailable right now leaves the bundle as it is (it is checked again next time).
   */
  void updateIfRootsChanged(SslBundleRegistry registry) {
    try {
      List<X509Certificate> roots = roots(false);
      if (roots == null) {
        return;
      }
      synchronized (updates) {
        if (roots.equals(publishedRoots)) {
          return;
        }
        X509Svid svid = identity.x509Svids().current();
        registry.updateBundle(NAME, bundle(svid, roots));
        LOG.info("SSL bundle '{}' updated with new X.509 roots ({} roots of {} trust domain(s)), X.509-SVID serial {}",
            NAME, roots.size(), trustDomains.size(), svid.serial());
      }
    } catch (RuntimeException e) {
      // Keep checking: a failure here must not stop the bundle from following later changes.
      LOG.warn("SSL bundle '{}': cannot apply changed X.509 roots, keeping the current ones: {}", NAME, e.toString());
    }
  }

  /** A bundle of {@code svid} and the current roots. */
  SslBundle bundle(X509Svid svid) {
    List<X509Certificate> roots = roots(true);
    return bundle(svid, roots == null ? List.of() : roots);
  }

  /** A bundle of {@code svid} and {@code roots}; call holding {@link #updates} when it is to be registered. */
  private SslBundle bundle(X509Svid svid, List<X509Certificate> roots) {
    SslStoreBundle stores = SslStoreBundle.of(keyStore(svid), password, trustStore(roots));
    SslManagerBundle managers = SslManagerBundle.of(
        new FixedKeyManagerFactory(SpiffeTls.keyManager(identity.x509Svids()), identity.x509Svids()),
        new FixedTrustManagerFactory(SpiffeTls.trustManager(verifier, clients,
            servers)));
    SslOptions options = SslOptions.of(null, new String[] {"TLSv1.3", "TLSv1.2"});
    publishedRoots = roots;
    return SslBundle.of(stores, SslBundleKey.of(password, ALIAS), options, SslBundle.DEFAULT_PROTOCOL, managers);
  }

  /**
   * The X.509-SVID source whose current SVID {@code bundle}'s key manager presents, when {@code bundle} is one that
   * this class made; empty for any other bundle.
   */
  static Optional<X509SvidSource> svidSource(@Nullable SslBundle bundle) {
    if (bundle == null) {
      return Optional.empty();
    }
    SslManagerBundle managers = bundle.getManagers();
    return managers.getKeyManagerFactory() instanceof FixedKeyManagerFactory own ? Optional.of(own.source)
        : Optional.empty();
  }

  private KeyStore keyStore(X509Svid svid) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry(ALIAS, svid.privateKey(), password.toCharArray(),
          svid.chain().toArray(new X509Certificate[0]));
      return store;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build the key store of SSL bundle '" + NAME + "': " + e, e);
    }
  }

  /**
   * The roots of the own trust domain and of every federated one (Tomcat checks client certificates against the
   * stores; the inbound verifier then checks each against its own trust domain's bundle). A trust domain whose bundle
   * is unavailable contributes none when {@code partial}, with a warning; otherwise the answer is null.
   */
  private @Nullable List<X509Certificate> roots(boolean partial) {
    List<X509Certificate> roots = new ArrayList<>();
    for (TrustDomain td : trustDomains) {
      try {
        bundles.bundleFor(td).ifPresent(b -> roots.addAll(b.x509Authorities()));
      } catch (BundleUnavailableException e) {
        if (!partial) {
          LOG.debug("SSL bundle '{}': the trust bundle of {} is unavailable, roots left as they are: {}", NAME, td,
              e.getMessage());
          return null;
        }
        LOG.warn("SSL bundle '{}': the trust bundle of {} is unavailable, no roots for it for now: {}", NAME, td,
            e.getMessage());
      }
    }
    return List.copyOf(roots);
  }

  private KeyStore trustStore(List<X509Certificate> roots) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (int i = 0; i < roots.size(); i++) {
        store.setCertificateEntry("root-" + i, roots.get(i));
      }
      return store;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build the trust store of SSL bundle '" + NAME + "': " + e, e);
    }
  }

  /** Stops following rotations and root changes. */
  @Override
  public void close() throws Exception {
    ScheduledExecutorService watcher = rootsWatcher;
    if (watcher != null) {
      watcher.shutdownNow();
    }
    AutoCloseable l = listener;
    if (l != null) {
      l.close();
    }
  }

  @Override
  public String toString() {
    return "LanyardSslBundle[" + identity.spiffeId() + "]";
  }

  /** A key manager factory handing out one fixed key manager, which presents the current SVID of {@code source}. */
  private static final class FixedKeyManagerFactory extends KeyManagerFactory {
    final X509SvidSource source;

    FixedKeyManagerFactory(KeyManager keyManager, X509SvidSource source) {
      super(new KeyManagerFactorySpi() {
        @Override
        protected void engineInit(KeyStore keyStore, char[] password) {}

        @Override
        protected void engineInit(ManagerFactoryParameters parameters) {}

        @Override
        protected KeyManager[] engineGetKeyManagers() {
          return new KeyManager[] {keyManager};
        }
      }, PROVIDER, "Lanyard");
      this.source = source;
    }
  }

  /** A trust manager factory handing out one fixed trust manager. */
  private static final class FixedTrustManagerFactory extends TrustManagerFactory {
    FixedTrustManagerFactory(TrustManager trustManager) {
      super(new TrustManagerFactorySpi() {
        @Override
        protected void engineInit(KeyStore keyStore) {}

        @Override
        protected void engineInit(ManagerFactoryParameters parameters) {}

        @Override
        protected TrustManager[] engineGetTrustManagers() {
          return new TrustManager[] {trustManager};
        }
      }, PROVIDER, "Lanyard");
    }
  }
}

package dev.lanyard.spring;

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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
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
import org.springframework.boot.ssl.SslManagerBundle;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.boot.ssl.SslStoreBundle;

/**
 * Registers the SSL bundle {@value #NAME}: the service's own X.509-SVID and its trust domain's X.509 roots, for
 * {@code server.ssl.bundle=lanyard} and for clients. It is replaced ({@link SslBundleRegistry#updateBundle}) every time
 * the SVID rotates, so that the web server and new client connections present the new one.
 *
 * <p>The bundle carries both forms Spring Boot uses: key and trust stores (in memory, built from the current SVID and
 * roots; Tomcat and other servers read these and validate client certificates by PKIX against the roots, after which
 * Lanyard verifies the chain again as an X.509-SVID), and key and trust managers from {@link SpiffeTls} (clients built
 * from the bundle: the current SVID is always presented and the server is verified as an X.509-SVID of the trust
 * domain and authorized by SPIFFE ID instead of host name, per connection: a server at a target's host and port must
 * present that target's server ID, see {@link LanyardSettings#serverAuthorizer()}). TLS 1.3 and 1.2 only.
 */
final class LanyardSslBundle implements SslBundleRegistrar, AutoCloseable {
  /** The bundle's name. */
  static final String NAME = "lanyard";
  private static final String ALIAS = "lanyard";
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
    registry.registerBundle(NAME, bundle(identity.x509Svids().current()));
    listener = identity.x509Svids().addListener(svid -> {
      registry.updateBundle(NAME, bundle(svid));
      LOG.info("SSL bundle '{}' updated with X.509-SVID serial {} (expires {})", NAME, svid.serial(),
          svid.expiresAt());
    });
  }

  /** A bundle of {@code svid} and the current roots. */
  SslBundle bundle(X509Svid svid) {
    SslStoreBundle stores = SslStoreBundle.of(keyStore(svid), password, trustStore());
    SslManagerBundle managers = SslManagerBundle.of(
        new FixedKeyManagerFactory(SpiffeTls.keyManager(identity.x509Svids())),
        new FixedTrustManagerFactory(SpiffeTls.trustManager(verifier, clients,
            servers)));
    SslOptions options = SslOptions.of(null, new String[] {"TLSv1.3", "TLSv1.2"});
    return SslBundle.of(stores, SslBundleKey.of(password, ALIAS), options, SslBundle.DEFAULT_PROTOCOL, managers);
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
   * stores; the inbound verifier then checks each against its own trust domain's bundle). Built with each new SVID,
   * so a federated root added later is trusted from the next rotation on.
   */
  private KeyStore trustStore() {
    List<X509Certificate> roots = new ArrayList<>();
    for (TrustDomain td : trustDomains) {
      try {
        bundles.bundleFor(td).ifPresent(b -> roots.addAll(b.x509Authorities()));
      } catch (BundleUnavailableException e) {
        LOG.warn("SSL bundle '{}': the trust bundle of {} is unavailable, no roots for it for now: {}", NAME, td,
            e.getMessage());
      }
    }
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

  /** Stops following rotations. */
  @Override
  public void close() throws Exception {
    AutoCloseable l = listener;
    if (l != null) {
      l.close();
    }
  }

  @Override
  public String toString() {
    return "LanyardSslBundle[" + identity.spiffeId() + "]";
  }

  /** A key manager factory handing out one fixed key manager. */
  private static final class FixedKeyManagerFactory extends KeyManagerFactory {
    FixedKeyManagerFactory(KeyManager keyManager) {
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

package dev.lanyard.credentials;

import dev.lanyard.internal.Certificates;
import dev.lanyard.internal.WatchedFile;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.TrustBundle;
import dev.lanyard.x509.X509Svid;
import dev.lanyard.x509.X509SvidRejectedException;
import dev.lanyard.x509.X509SvidVerifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link X509SvidSource} reading the workload's X.509-SVID from PEM files kept current by a sidecar: the
 * certificate chain (leaf first), its private key and the trust domain's X.509 roots, as spiffe-helper writes them
 * ({@code svid.pem}, {@code svid_key.pem}, {@code svid_bundle.pem}) or cert-manager's csi-driver-spiffe
 * ({@code tls.crt}, {@code tls.key}, {@code ca.crt}).
 *
 * <p>The key may be PKCS#8 ({@code PRIVATE KEY}), SEC1 ({@code EC PRIVATE KEY}) or PKCS#1 ({@code RSA PRIVATE KEY}),
 * EC P-256 or RSA, unencrypted. The bundle is PEM certificates or a SPIFFE bundle (JSON). The files are checked for
 * changes once per check interval (1 s by default) by a background thread and on access; a new version replaces the
 * current SVID only when the three files together are a valid SVID: the leaf meets the X509-SVID profile, the key
 * is the leaf's key, the chain verifies against the bundle now (so an expired SVID is refused), and the SPIFFE ID is
 * the one first loaded. Anything else (a half-written or truncated file, a certificate written before its key) keeps
 * the current SVID, logs a WARN with the reason (never key material) and is retried on the next change of any of the
 * files. The files must be a valid SVID when the source is built.
 *
 * <p>Thread-safe: the current SVID is a volatile field read without locking; reloads are serialized by an internal
 * lock, and listeners are kept in a copy-on-write list.
 */
public final class FileSvidSource implements X509SvidSource, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FileSvidSource.class);
  private static final long MAX_FILE_SIZE = 1024 * 1024;
  private static final byte[] KEY_CHECK = "lanyard: does this key belong to this certificate".getBytes(
      StandardCharsets.US_ASCII);

  private final Path certificate;
  private final Path key;
  private final Path bundle;
  private final Clock clock;
  private volatile @Nullable SpiffeId expected;
  private final WatchedFile<Loaded> watched;
  private final ScheduledExecutorService poller;
  private final CopyOnWriteArrayList<Consumer<X509Svid>> listeners = new CopyOnWriteArrayList<>();
  private final Object publishing = new Object();
  private final BundleSource bundleSource;
  private volatile Loaded published;

  /** An SVID and the bundle it was verified against, read together. */
  private static final class Loaded {
    final X509Svid svid;
    final TrustBundle bundle;

    Loaded(X509Svid svid, TrustBundle bundle) {
      this.svid = svid;
      this.bundle = bundle;
    }

    @Override
    public String toString() {
      return svid + " with " + bundle.x509Authorities().size() + " X.509 root(s)";
    }
  }

  private FileSvidSource(Builder b) {
    this.certificate = Objects.requireNonNull(b.certificate);
    this.key = Objects.requireNonNull(b.key);
    this.bundle = Objects.requireNonNull(b.bundle);
    this.clock = b.clock;
    this.expected = b.spiffeId;
    this.watched = new WatchedFile<>(List.of(certificate, key, bundle), b.checkInterval, clock, this::load,
        "X.509-SVID files", "SVID", LOG);
    this.published = watched.current();
    this.bundleSource = new FilesBundleSource();
    LOG.info("X.509-SVID from files {}, {}, {}: {}, serial {}, expires {}; checked for changes every {}", certificate,
        key, bundle, published.svid.spiffeId(), published.svid.serial(), published.svid.expiresAt(),
        b.checkInterval);
    this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "lanyard-svid-files");
      t.setDaemon(true);
      return t;
    });
    long period = Math.max(10, b.checkInterval.toMillis());
    poller.scheduleWithFixedDelay(this::poll, period, period, TimeUnit.MILLISECONDS);
  }

  /** A builder; the certificate, key and bundle files are required. */
  public static Builder newBuilder() {
    return new Builder();
  }

  @Override
  public X509Svid current() {
    Loaded loaded = watched.current();
    if (loaded != published) {
      publish();
    }
    return loaded.svid;
  }

  /** The SPIFFE ID of the SVID (the same for every version the source accepts). */
  public SpiffeId spiffeId() {
    return published.svid.spiffeId();
  }

  /**
   * The X.509 roots of the bundle file, as the bundle of the SVID's trust domain (kept current with the files; no JWT
   * keys unless the bundle file is a SPIFFE bundle that holds some).
   */
  public BundleSource bundleSource() {
    return bundleSource;
  }

  @Override
  public AutoCloseable addListener(Consumer<X509Svid> listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** Reads the files again now if any of them changed, and tells listeners of a new SVID. */
  public void reloadIfChanged() {
    watched.reloadIfChanged();
    publish();
  }

  /** Stops the background checks. */
  @Override
  public void close() {
    poller.shutdownNow();
  }

  private void poll() {
    try {
      reloadIfChanged();
    } catch (RuntimeException e) {
      LOG.warn("checking the X.509-SVID files failed: {}", e.toString());
    }
  }

  private void publish() {
    Loaded fresh;
    synchronized (publishing) {
      fresh = watched.current();
      if (fresh == published) {
        return;
      }
      published = fresh;
    }
    for (Consumer<X509Svid> listener : listeners) {
      try {
        listener.accept(fresh.svid);
      } catch (RuntimeException e) {
        LOG.warn("an X.509-SVID rotation listener failed: {}", e.toString());
      }
    }
  }

  /** Reads and checks the three files together; every failure is an IllegalArgumentException saying why. */
  private Loaded load() {
    List<X509Certificate> chain;
    try {
      chain = Certificates.parsePem(read(certificate, "certificate"));
    } catch (CertificateException | IllegalArgumentException e) {
      throw new IllegalArgumentException("certificate file " + certificate + " is not PEM certificates: "
          + e.getMessage());
    }
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("certificate file " + certificate + " holds no certificate");
    }
    PrivateKey privateKey;
    try {
      privateKey = Certificates.parseAnyPrivateKeyPem(read(key, "key"));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      // The messages of our own parser never quote the file; a base64 error names a character at most.
      throw new IllegalArgumentException("key file " + key + " is not a PEM private key: " + e.getMessage());
    }
    X509Svid svid;
    try {
      svid = X509Svid.of(chain, privateKey);
    } catch (X509SvidRejectedException e) {
      throw new IllegalArgumentException("certificate file " + certificate + " is not an X.509-SVID ("
          + e.reason() + "): " + e.getMessage());
    }
    if (expected != null && !expected.equals(svid.spiffeId())) {
      throw new IllegalArgumentException("certificate file " + certificate + " is an SVID of " + svid.spiffeId()
          + ", not of " + expected);
    }
    if (!keyMatches(privateKey, svid.leaf().getPublicKey())) {
      throw new IllegalArgumentException("key file " + key + " does not hold the key of the certificate in "
          + certificate + " (serial " + svid.serial() + ")");
    }
    TrustDomain trustDomain = svid.spiffeId().trustDomain();
    TrustBundle roots = readBundle(trustDomain);
    try {
      X509SvidVerifier.newBuilder().bundleSource(BundleSource.of(roots)).clock(clock).trustDomains(trustDomain)
          .build().verify(chain);
    } catch (X509SvidRejectedException e) {
      throw new IllegalArgumentException("the SVID in " + certificate + " (serial " + svid.serial() + ", expires "
          + svid.expiresAt() + ") does not verify against the bundle " + bundle + " (" + e.reason() + "): "
          + e.getMessage());
    }
    if (expected == null) {
      // The first SVID read decides whose SVIDs this source serves.
      expected = svid.spiffeId();
    }
    return new Loaded(svid, roots);
  }

  private TrustBundle readBundle(TrustDomain trustDomain) {
    String text = read(bundle, "bundle");
    if (text.stripLeading().startsWith("{")) {
      try {
        return TrustBundle.parse(trustDomain, text);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("bundle file " + bundle + " is not a SPIFFE bundle: " + e.getMessage());
      }
    }
    List<X509Certificate> certificates;
    try {
      certificates = Certificates.parsePem(text);
    } catch (CertificateException | IllegalArgumentException e) {
      throw new IllegalArgumentException("bundle file " + bundle + " is not PEM certificates: " + e.getMessage());
    }
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException("bundle file " + bundle + " holds no certificate");
    }
    TrustBundle.Builder builder = TrustBundle.newBuilder(trustDomain);
    for (X509Certificate root : certificates) {
      builder.addX509Authority(root);
    }
    return builder.build();
  }

  private static boolean keyMatches(PrivateKey privateKey, PublicKey publicKey) {
    if (!privateKey.getAlgorithm().equals(publicKey.getAlgorithm())) {
      return false;
    }
    String algorithm = "EC".equals(privateKey.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(privateKey);
      signer.update(KEY_CHECK);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(KEY_CHECK);
      return verifier.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private static String read(Path file, String what) {
    try {
      if (Files.size(file) > MAX_FILE_SIZE) {
        throw new IllegalArgumentException(what + " file " + file + " is larger than " + MAX_FILE_SIZE + " bytes");
      }
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + what + " file " + file + ": " + e.getClass().getSimpleName());
    }
  }

  /** The trust bundle of the SVID's trust domain, from the bundle file. */
  private final class FilesBundleSource implements BundleSource {
    @Override
    public Optional<TrustBundle> bundleFor(TrustDomain trustDomain) {
      Loaded loaded = watched.current();
      return loaded.bundle.trustDomain().equals(trustDomain) ? Optional.of(loaded.bundle) : Optional.empty();
    }

    @Override
    public String toString() {
      return "FileSvidSource.bundleSource[" + bundle + "]";
    }
  }

  /** Metadata only. */
  @Override
  public String toString() {
    return "FileSvidSource[" + certificate + ", " + published.svid + "]";
  }

  /** Builds a {@link FileSvidSource}. Each option can be set once. Not thread-safe. */
  public static final class Builder {
    private @Nullable Path certificate;
    private @Nullable Path key;
    private @Nullable Path bundle;
    private @Nullable SpiffeId spiffeId;
    private Duration checkInterval = Duration.ofSeconds(1);
    private boolean checkIntervalSet;
    private Clock clock = Clock.systemUTC();
    private boolean clockSet;

    private Builder() {}

    /** The PEM certificate chain, leaf first (spiffe-helper {@code svid.pem}, csi-driver-spiffe {@code tls.crt}). */
    public Builder certificate(Path certificate) {
      this.certificate = once(this.certificate, certificate, "certificate");
      return this;
    }

    /** The PEM private key of the leaf ({@code svid_key.pem}, {@code tls.key}). */
    public Builder key(Path key) {
      this.key = once(this.key, key, "key");
      return this;
    }

    /** The trust domain's X.509 roots, PEM or SPIFFE bundle ({@code svid_bundle.pem}, {@code ca.crt}). */
    public Builder bundle(Path bundle) {
      this.bundle = once(this.bundle, bundle, "bundle");
      return this;
    }

    /** Accept only SVIDs of this SPIFFE ID (by default, the SPIFFE ID of the first SVID read). */
    public Builder spiffeId(SpiffeId spiffeId) {
      this.spiffeId = once(this.spiffeId, spiffeId, "spiffeId");
      return this;
    }

    /** How often the files are checked for changes (default 1 s; at least 10 ms). */
    public Builder checkInterval(Duration checkInterval) {
      Objects.requireNonNull(checkInterval, "checkInterval");
      if (checkIntervalSet) {
        throw new IllegalStateException("checkInterval was already set");
      }
      if (checkInterval.compareTo(Duration.ofMillis(10)) < 0) {
        throw new IllegalArgumentException("checkInterval must be at least 10 ms");
      }
      this.checkInterval = checkInterval;
      this.checkIntervalSet = true;
      return this;
    }

    /** The clock SVIDs are checked at (system UTC by default). */
    public Builder clock(Clock clock) {
      Objects.requireNonNull(clock, "clock");
      if (clockSet) {
        throw new IllegalStateException("clock was already set");
      }
      this.clock = clock;
      this.clockSet = true;
      return this;
    }

    /**
     * Reads the files and starts watching them.
     *
     * @throws IllegalStateException when a file is not set
     * @throws IllegalArgumentException naming the file and the reason when the files are not a valid SVID now
     */
    public FileSvidSource build() {
      if (certificate == null || key == null || bundle == null) {
        throw new IllegalStateException("the certificate, key and bundle files are required");
      }
      return new FileSvidSource(this);
    }

    private static <T> T once(@Nullable T current, T value, String name) {
      Objects.requireNonNull(value, name);
      if (current != null) {
        throw new IllegalStateException(name + " was already set");
      }
      return value;
    }
  }
}

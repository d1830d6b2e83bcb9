package dev.lanyard.spring;

import static dev.lanyard.spring.LanyardSettings.FILES_BUNDLE;
import static dev.lanyard.spring.LanyardSettings.FILES_CERTIFICATE;
import static dev.lanyard.spring.LanyardSettings.FILES_JWT_BUNDLE;
import static dev.lanyard.spring.LanyardSettings.FILES_JWT_TOKEN;
import static dev.lanyard.spring.LanyardSettings.FILES_KEY;
import static dev.lanyard.spring.LanyardSettings.SPIFFE_ID;
import static dev.lanyard.spring.LanyardSettings.invalid;

import dev.lanyard.credentials.FileJwtSvidSource;
import dev.lanyard.credentials.FileSvidSource;
import dev.lanyard.credentials.JwtSvidSource;
import dev.lanyard.credentials.X509SvidSource;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.FileBundleSource;
import dev.lanyard.trust.TrustBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The service's identity from files a sidecar keeps current ({@code lanyard.identity.source=files}): the X.509-SVID,
 * key and bundle of {@code lanyard.files.certificate}, {@code .key} and {@code .bundle}, the JWT-SVID of
 * {@code lanyard.files.jwt-token} and the JWT keys of {@code lanyard.files.jwt-bundle} (both optional).
 *
 * <p>Thread-safe: the file sources are, and the merged bundle is swapped as one immutable holder.
 */
final class FilesLanyardIdentity implements LanyardIdentity, AutoCloseable {
  private final FileSvidSource x509Svids;
  private final JwtSvidSource jwtSvids;
  private final BundleSource bundles;

  private FilesLanyardIdentity(FileSvidSource x509Svids, JwtSvidSource jwtSvids, BundleSource bundles) {
    this.x509Svids = x509Svids;
    this.jwtSvids = jwtSvids;
    this.bundles = bundles;
  }

  /**
   * Reads the files.
   *
   * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException naming the
   *     property of a file that is missing, unreadable or invalid, or {@code lanyard.spiffe-id} when the files hold
   *     another workload's SVID
   */
  static LanyardIdentity open(LanyardSettings settings) {
    LanyardProperties.Files p = settings.files();
    Path certificate = requiredFile(FILES_CERTIFICATE, p.getCertificate());
    Path key = requiredFile(FILES_KEY, p.getKey());
    Path bundle = requiredFile(FILES_BUNDLE, p.getBundle());
    Path jwtToken = optionalFile(FILES_JWT_TOKEN, p.getJwtToken());
    Path jwtBundle = optionalFile(FILES_JWT_BUNDLE, p.getJwtBundle());
    FileSvidSource x509;
    try {
      x509 = FileSvidSource.newBuilder().certificate(certificate).key(key).bundle(bundle).build();
    } catch (IllegalArgumentException e) {
      String message = String.valueOf(e.getMessage());
      String property = message.startsWith("key file") || message.startsWith("cannot read key") ? FILES_KEY
          : message.startsWith("bundle file") || message.startsWith("cannot read bundle") ? FILES_BUNDLE
          : FILES_CERTIFICATE;
      throw invalid(property, property.equals(FILES_KEY) ? key : property.equals(FILES_BUNDLE) ? bundle : certificate,
          message);
    }
    try {
      if (!x509.spiffeId().equals(settings.spiffeId())) {
        throw invalid(SPIFFE_ID, settings.spiffeId(), "the X.509-SVID in " + FILES_CERTIFICATE + " (" + certificate
            + ") is of " + x509.spiffeId());
      }
      JwtSvidSource jwt = new NoJwtSvids(x509.spiffeId());
      if (jwtToken != null) {
        try {
          jwt = FileJwtSvidSource.newBuilder().token(jwtToken).spiffeId(x509.spiffeId()).build();
        } catch (IllegalArgumentException e) {
          throw invalid(FILES_JWT_TOKEN, jwtToken, e.getMessage());
        }
      }
      BundleSource bundles = x509.bundleSource();
      if (jwtBundle != null) {
        try {
          bundles = new MergedBundles(x509.bundleSource(),
              FileBundleSource.of(x509.spiffeId().trustDomain(), jwtBundle));
        } catch (RuntimeException e) {
          throw invalid(FILES_JWT_BUNDLE, jwtBundle, e.getMessage());
        }
      }
      return new FilesLanyardIdentity(x509, jwt, bundles);
    } catch (RuntimeException e) {
      x509.close();
      throw e;
    }
  }

  private static Path requiredFile(String property, @Nullable String value) {
    if (value == null || value.isBlank()) {
      throw invalid(property, value, "is required when " + LanyardSettings.IDENTITY_SOURCE + "=files");
    }
    return readable(property, value);
  }

  private static @Nullable Path optionalFile(String property, @Nullable String value) {
    return value == null || value.isBlank() ? null : readable(property, value);
  }

  private static Path readable(String property, String value) {
    Path path = Path.of(value.startsWith("file:") ? value.substring("file:".length()) : value);
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw invalid(property, value, "is not a readable file");
    }
    return path;
  }

  @Override
  public SpiffeId spiffeId() {
    return x509Svids.spiffeId();
  }

  @Override
  public JwtSvidSource jwtSvids() {
    return jwtSvids;
  }

  @Override
  public X509SvidSource x509Svids() {
    return x509Svids;
  }

  @Override
  public BundleSource bundles() {
    return bundles;
  }

  /** Stops watching the files. */
  @Override
  public void close() {
    x509Svids.close();
  }

  @Override
  public String toString() {
    return "FilesLanyardIdentity[" + x509Svids + "]";
  }

  /** Without {@code lanyard.files.jwt-token}: no JWT-SVID to present, said plainly. */
  private static final class NoJwtSvids implements JwtSvidSource {
    private final SpiffeId spiffeId;

    NoJwtSvids(SpiffeId spiffeId) {
      this.spiffeId = spiffeId;
    }

    @Override
    public SpiffeId spiffeId() {
      return spiffeId;
    }

    @Override
    public JwtSvid fetch(Collection<String> audiences, Collection<String> scopes) {
      throw new IllegalStateException("no JWT-SVID to present: " + FILES_JWT_TOKEN + " is not set");
    }
  }

  /**
   * The X.509 roots of the SVID files and the JWT keys of the JWT bundle file as one bundle, rebuilt only when one of
   * them changes (verifiers treat a new instance as a new bundle).
   */
  private static final class MergedBundles implements BundleSource {
    private final BundleSource x509;
    private final BundleSource jwt;
    private volatile @Nullable Merged merged;

    private static final class Merged {
      final TrustBundle x509;
      final TrustBundle jwt;
      final TrustBundle both;

      Merged(TrustBundle x509, TrustBundle jwt, TrustBundle both) {
        this.x509 = x509;
        this.jwt = jwt;
        this.both = both;
      }
    }

    MergedBundles(BundleSource x509, BundleSource jwt) {
      this.x509 = x509;
      this.jwt = jwt;
    }

    @Override
    public Optional<TrustBundle> bundleFor(TrustDomain trustDomain) {
      Optional<TrustBundle> roots = x509.bundleFor(trustDomain);
      Optional<TrustBundle> keys = jwt.bundleFor(trustDomain);
      if (roots.isEmpty() || keys.isEmpty()) {
        return roots.isPresent() ? roots : keys;
      }
      Merged current = merged;
      if (current == null || current.x509 != roots.get() || current.jwt != keys.get()) {
        TrustBundle.Builder builder = TrustBundle.newBuilder(trustDomain).addJwtKeys(keys.get().jwtKeys());
        roots.get().x509Authorities().forEach(builder::addX509Authority);
        keys.get().sequence().ifPresent(builder::sequence);
        keys.get().refreshHint().ifPresent(builder::refreshHint);
        current = new Merged(roots.get(), keys.get(), builder.build());
        merged = current;
      }
      return Optional.of(current.both);
    }
  }
}

package dev.lanyard.cli;

import dev.lanyard.internal.BundleDocuments;
import dev.lanyard.internal.Certificates;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleFormatException;
import dev.lanyard.trust.SkippedKey;
import dev.lanyard.trust.TrustBundle;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Loads a trust bundle for the CLI from a file or an https URL: a SPIFFE bundle, or for X.509 also PEM roots; every
 * failure is a {@link CliException}. A URL fetch must complete (connect, TLS, headers, body) within its timeout; a
 * cleartext {@code http} URL needs {@code --allow-insecure-http-bundle}.
 */
final class Bundles {
  private static final String PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----";

  private Bundles() {}

  /**
   * How a bundle URL may be fetched: whether cleartext http is allowed, the deadline, the staleness bound, where
   * warnings go.
   */
  static final class Remote {
    /** The largest {@code --bundle-max-staleness}, as in the filter and the starter. */
    static final Duration MAX_STALENESS = Duration.ofDays(7);

    final boolean allowInsecureHttp;
    final Duration timeout;
    final Duration maxStaleness;
    final PrintWriter err;

    Remote(boolean allowInsecureHttp, Duration timeout, Duration maxStaleness, PrintWriter err) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new CliException("--bundle-timeout must be more than 0");
      }
      if (maxStaleness.isNegative() || maxStaleness.isZero() || maxStaleness.compareTo(MAX_STALENESS) > 0) {
        throw new CliException("--bundle-max-staleness must be more than 0 and at most 7d");
      }
      this.allowInsecureHttp = allowInsecureHttp;
      this.timeout = timeout;
      this.maxStaleness = maxStaleness;
      this.err = err;
    }
  }

  static TrustBundle load(TrustDomain trustDomain, String location, Remote remote) {
    String text = isUrl(location) ? fetch(location, remote) : read(Path.of(location));
    try {
      return TrustBundle.parse(trustDomain, text);
    } catch (BundleFormatException e) {
      throw new CliException("bundle " + location + " is not a SPIFFE bundle: " + e.getMessage());
    }
  }

  /**
   * Loads the X.509 roots of {@code trustDomain}: a SPIFFE bundle (JSON, its x509-svid entries) or PEM certificates,
   * told apart by content. A bundle without X.509 roots is a configuration error.
   */
  static TrustBundle loadX509(TrustDomain trustDomain, String location, Remote remote) {
    String text = (isUrl(location) ? fetch(location, remote) : read(Path.of(location))).strip();
    if (text.isEmpty()) {
      throw new CliException("bundle " + location + " is empty");
    }
    TrustBundle bundle;
    if (text.startsWith("{")) {
      try {
        bundle = TrustBundle.parse(trustDomain, text);
      } catch (BundleFormatException e) {
        throw new CliException("bundle " + location + " is not a SPIFFE bundle: " + e.getMessage());
      }
    } else if (text.contains(PEM_CERTIFICATE)) {
      List<X509Certificate> roots;
      try {
        roots = Certificates.parsePem(text);
      } catch (CertificateException | IllegalArgumentException e) {
        throw new CliException("bundle " + location + " holds a PEM certificate that cannot be parsed");
      }
      TrustBundle.Builder builder = TrustBundle.newBuilder(trustDomain);
      roots.forEach(builder::addX509Authority);
      bundle = builder.build();
    } else {
      throw new CliException("bundle " + location + " is neither PEM certificates nor a SPIFFE bundle (JSON)");
    }
    if (bundle.x509Authorities().isEmpty()) {
      throw new CliException("bundle " + location + " holds no X.509 roots");
    }
    return bundle;
  }

  /** Warns on stderr, one line each, of the bundle's keys that were skipped as unusable. */
  static void warnSkipped(TrustBundle bundle, PrintWriter err) {
    for (SkippedKey skipped : bundle.skippedKeys()) {
      err.println("lanyard: warning: bundle " + skipped);
    }
  }

  private static String read(Path file) {
    try {
      if (Files.size(file) > TrustBundle.MAX_DOCUMENT_LENGTH) {
        throw new CliException("bundle " + file + " is larger than " + TrustBundle.MAX_DOCUMENT_LENGTH + " bytes");
      }
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new CliException("cannot read bundle " + file + ": no such file");
    } catch (IOException e) {
      throw new CliException("cannot read bundle " + file + ": " + e.getMessage());
    }
  }

  private static boolean isUrl(String location) {
    return location.startsWith("https://") || location.startsWith("http://");
  }

  private static String fetch(String url, Remote remote) {
    if (url.startsWith("http://")) {
      if (!remote.allowInsecureHttp) {
        throw new CliException("bundle URL " + url + " is cleartext http: use https (--allow-insecure-http-bundle "
            + "allows http, for tests only)");
      }
      remote.err.println("lanyard: warning: INSECURE: fetching bundle " + url + " over cleartext http "
          + "(--allow-insecure-http-bundle)");
    }
    HttpClient client = HttpClient.newBuilder().connectTimeout(remote.timeout)
        .followRedirects(HttpClient.Redirect.NEVER).build();
    try {
      return BundleDocuments.fetch(client, URI.create(url), remote.timeout, TrustBundle.MAX_DOCUMENT_LENGTH);
    } catch (BundleDocuments.FetchException e) {
      throw new CliException(Objects.requireNonNullElse(e.getMessage(), "bundle " + url + " is unavailable"));
    } catch (IllegalArgumentException e) {
      throw new CliException("bundle URL " + url + " is invalid");
    }
  }


}

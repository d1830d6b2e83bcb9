package dev.lanyard.servlet;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.internal.Durations;
import dev.lanyard.internal.TrustDocuments;
import dev.lanyard.internal.WatchedFile;
import dev.lanyard.servlet.internal.ServletExchanges;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.BundleUnavailableException;
import dev.lanyard.trust.FileBundleSource;
import dev.lanyard.trust.TrustBundle;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves trust the way SPIRE does: the trust bundle of one trust domain as a SPIFFE bundle (the {@code https_web}
 * profile of the SPIFFE federation spec, with {@code spiffe_sequence} and {@code spiffe_refresh_hint}), OpenID Connect
 * discovery at {@value #DISCOVERY_PATH} and the JWT keys as a JWKS at its {@code jwks_uri} (as SPIRE's OIDC discovery
 * provider serves them), so that Lanyard's {@code HttpBundleSource}, SPIRE federation and OIDC clients can all fetch
 * it. Never any private key material.
 *
 * <p>Every request gets the <em>current</em> bundle: a rotation shows in the next response, without restart. Answers:
 * <table>
 *   <caption>Responses</caption>
 *   <tr><th>request</th><th>status</th><th>headers</th></tr>
 *   <tr><td>{@code GET} or {@code HEAD} of a served path</td><td>200</td><td>{@code Content-Type: application/json},
 *       {@code Cache-Control: public, max-age=<refresh hint in seconds>}, {@code ETag},
 *       {@code Access-Control-Allow-Origin: *}</td></tr>
 *   <tr><td>... with an {@code If-None-Match} naming the current {@code ETag}</td><td>304</td><td></td></tr>
 *   <tr><td>any other method on a served path</td><td>405</td><td>{@code Allow: GET, HEAD}</td></tr>
 *   <tr><td>any other path</td><td>404</td><td></td></tr>
 *   <tr><td>the bundle cannot be had (a bundle source beyond its staleness bound)</td><td>503</td><td></td></tr>
 * </table>
 * Paths are matched exactly against the path within the application (servlet path plus path info); the query string
 * plays no part. Map the servlet to the paths it serves ({@link #paths()}); they are public documents, so let them
 * through any authentication in front (for {@link LanyardFilter}: a {@code public} policy rule, e.g.
 * {@code GET,HEAD /.well-known/** public}).
 *
 * <p>The refresh hint served (in {@code spiffe_refresh_hint} and {@code Cache-Control}) is the configured one, else
 * the bundle's own, else 5 minutes (SPIRE's default). The discovery document's {@code issuer} is the configured
 * issuer, else the URL the request was made to ({@code scheme://host[:port]} plus the context path, from the
 * {@code Host} header: set the issuer in production); its {@code jwks_uri} is that issuer (or URL) plus the JWKS path,
 * and {@code id_token_signing_alg_values_supported} lists the {@code alg}s of the served keys.
 *
 * <p>Init-params (for {@code web.xml}): exactly one of {@value #AUTHORITY_DIR} (the directory of a persisted
 * authority, as {@code lanyard authority init} makes; opened at start and opened again within a second of its
 * {@code authority.json} changing) and {@value #BUNDLE_FILE} (a SPIFFE bundle file, re-read when it changes; needs
 * {@value #TRUST_DOMAIN}); optional {@value #REFRESH_HINT} (e.g. {@code 5m}; at least 1s, at most 7d),
 * {@value #ISSUER}, {@value #BUNDLE_PATH} (default {@value #DEFAULT_BUNDLE_PATH}) and {@value #JWKS_PATH} (default
 * {@value #DEFAULT_JWKS_PATH}). A bad or missing init-param stops the servlet from starting, naming it. One INFO line
 * at start names what is served and where.
 *
 * <p>Thread-safe: configured once (by {@link #init} or its builder), then shared by all request threads.
 */
public final class BundleEndpointServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  /** Init-param: the directory of a persisted authority whose bundle is served. */
  public static final String AUTHORITY_DIR = "authority-dir";
  /** Init-param: a SPIFFE bundle file whose bundle is served (with {@value #TRUST_DOMAIN}). */
  public static final String BUNDLE_FILE = "bundle-file";
  /** Init-param: the trust domain of {@value #BUNDLE_FILE}. */
  public static final String TRUST_DOMAIN = "trust-domain";
  /** Init-param: the refresh hint to serve instead of the bundle's own. */
  public static final String REFRESH_HINT = "refresh-hint";
  /** Init-param: the OIDC issuer of the discovery document. */
  public static final String ISSUER = "issuer";
  /** Init-param: the path of the SPIFFE bundle. */
  public static final String BUNDLE_PATH = "bundle-path";
  /** Init-param: the path of the JWKS. */
  public static final String JWKS_PATH = "jwks-path";
  /** The path of the OIDC discovery document. */
  public static final String DISCOVERY_PATH = TrustDocuments.DISCOVERY_PATH;
  /** The default path of the SPIFFE bundle. */
  public static final String DEFAULT_BUNDLE_PATH = TrustDocuments.DEFAULT_BUNDLE_PATH;
  /** The default path of the JWKS. */
  public static final String DEFAULT_JWKS_PATH = TrustDocuments.DEFAULT_JWKS_PATH;

  static final Duration MAX_REFRESH_HINT = Duration.ofDays(7);
  private static final Logger LOG = LoggerFactory.getLogger(BundleEndpointServlet.class);

  /** The configured machinery: documents and a description for the start-up line. */
  private static final class Endpoint {
    final TrustDocuments<TrustBundle> documents;
    final String description;

    Endpoint(TrustDocuments<TrustBundle> documents, String description) {
      this.documents = documents;
      this.description = description;
    }
  }

  private transient volatile @Nullable Endpoint endpoint;

  /** For {@code web.xml}: configured from init-params in {@link #init(ServletConfig)}. */
  public BundleEndpointServlet() {}

  private BundleEndpointServlet(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  /** A builder for embedded containers and frameworks, taking core objects. */
  public static Builder newBuilder() {
    return new Builder();
  }

  @Override
  public void init() throws ServletException {
    Endpoint e = endpoint;
    if (e == null) {
      try {
        e = fromInitParams(getServletConfig());
      } catch (IllegalArgumentException | IllegalStateException problem) {
        throw new ServletException("Lanyard bundle endpoint '" + getServletName() + "': " + problem.getMessage());
      }
      endpoint = e;
    }
    LOG.info("Lanyard bundle endpoint serving {} at {} (SPIFFE bundle, OIDC discovery, JWKS; public documents)",
        e.description, e.documents.paths());
  }

  /** The exact paths (within the application) this servlet answers: the bundle, discovery and the JWKS. */
  public List<String> paths() {
    return configured().documents.paths();
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws ServletException, IOException {
    TrustDocuments.Response answer = configured().documents.answer(request.getMethod(),
        ServletExchanges.pathOf(request), baseUrl(request), request.getHeader("If-None-Match"));
    response.setStatus(answer.status());
    for (Map.Entry<String, String> header : answer.headers().entrySet()) {
      response.setHeader(header.getKey(), header.getValue());
    }
    if (answer.contentLength() >= 0) {
      response.setContentLengthLong(answer.contentLength());
    }
    byte[] body = answer.body();
    if (body.length > 0) {
      response.getOutputStream().write(body);
    }
  }

  private Endpoint configured() {
    Endpoint e = endpoint;
    if (e == null) {
      throw new IllegalStateException("the Lanyard bundle endpoint was not initialised");
    }
    return e;
  }

  /** {@code scheme://host[:port]} plus the context path, as the request reached the application. */
  private static String baseUrl(HttpServletRequest request) {
    String scheme = request.getScheme();
    int port = request.getServerPort();
    boolean defaultPort = port <= 0 || ("https".equals(scheme) && port == 443) || ("http".equals(scheme)
        && port == 80);
    String host = request.getServerName();
    if (host != null && host.indexOf(':') >= 0 && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    return scheme + "://" + host + (defaultPort ? "" : ":" + port) + request.getContextPath();
  }

  private static Endpoint fromInitParams(ServletConfig config) {
    String authorityDir = param(config, AUTHORITY_DIR);
    String bundleFile = param(config, BUNDLE_FILE);
    Builder builder = newBuilder();
    if ((authorityDir == null) == (bundleFile == null)) {
      throw new IllegalArgumentException("init-param '" + AUTHORITY_DIR + "' or '" + BUNDLE_FILE + "' is required"
          + (authorityDir != null ? ", not both" : ""));
    }
    String trustDomain = param(config, TRUST_DOMAIN);
    if (authorityDir != null) {
      if (trustDomain != null) {
        throw new IllegalArgumentException("init-param '" + TRUST_DOMAIN + "' goes with '" + BUNDLE_FILE
            + "' (an authority directory names its own trust domain)");
      }
      Path dir = Path.of(authorityDir);
      WatchedFile<EmbeddedAuthority> watched;
      try {
        watched = new WatchedFile<>(dir.resolve("authority.json"), Duration.ofSeconds(1), Clock.systemUTC(),
            file -> EmbeddedAuthority.open(dir), "authority directory", "authority", LOG);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("init-param '" + AUTHORITY_DIR + "': " + e.getMessage());
      }
      builder.source(watched.current().trustDomain(), () -> watched.current().bundle(),
          "the authority in " + dir);
    } else {
      if (trustDomain == null) {
        throw new IllegalArgumentException("init-param '" + TRUST_DOMAIN + "' is required with '" + BUNDLE_FILE
            + "'");
      }
      TrustDomain td;
      try {
        td = TrustDomain.of(trustDomain);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("init-param '" + TRUST_DOMAIN + "': " + e.getMessage());
      }
      Path file = Path.of(bundleFile);
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("init-param '" + BUNDLE_FILE + "': " + file + " is not a readable file");
      }
      try {
        builder.bundleSource(td, FileBundleSource.of(td, file));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("init-param '" + BUNDLE_FILE + "': " + e.getMessage());
      }
      builder.description = "the bundle file " + file + " of " + td;
    }
    String hint = param(config, REFRESH_HINT);
    if (hint != null) {
      try {
        builder.refreshHint(Durations.parse(hint));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("init-param '" + REFRESH_HINT + "': " + e.getMessage());
      }
    }
    String issuer = param(config, ISSUER);
    if (issuer != null) {
      try {
        builder.issuer(issuer);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("init-param '" + ISSUER + "': " + e.getMessage());
      }
    }
    String bundlePath = param(config, BUNDLE_PATH);
    if (bundlePath != null) {
      try {
        builder.bundlePath(bundlePath);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("init-param '" + BUNDLE_PATH + "': " + e.getMessage());
      }
    }
    String jwksPath = param(config, JWKS_PATH);
    if (jwksPath != null) {
      try {
        builder.jwksPath(jwksPath);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("init-param '" + JWKS_PATH + "': " + e.getMessage());
      }
    }
    try {
      return builder.endpoint();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("init-params '" + BUNDLE_PATH + "' and '" + JWKS_PATH + "': "
          + e.getMessage());
    }
  }

  private static @Nullable String param(ServletConfig config, String name) {
    String value = config.getInitParameter(name);
    return value == null || value.isBlank() ? null : value.strip();
  }

  /**
   * The documents of one version of {@code bundle}: the SPIFFE bundle with the refresh hint served (the override,
   * else its own, else the default) and the JWKS.
   */
  static TrustDocuments.Documents documents(TrustBundle bundle, @Nullable Duration override) {
    Duration hint = override != null ? override : bundle.refreshHint().orElse(TrustDocuments.DEFAULT_REFRESH_HINT);
    TrustBundle served = bundle;
    if (!bundle.refreshHint().equals(Optional.of(hint))) {
      TrustBundle.Builder copy = TrustBundle.newBuilder(bundle.trustDomain()).addJwtKeys(bundle.jwtKeys())
          .refreshHint(hint);
      bundle.x509Authorities().forEach(copy::addX509Authority);
      bundle.sequence().ifPresent(copy::sequence);
      served = copy.build();
    }
    return new TrustDocuments.Documents(served.toJson(), served.toJwksJson(), hint);
  }

  /**
   * Builds a {@link BundleEndpointServlet} from core objects. Required: what to serve ({@link #authority} or
   * {@link #bundleSource}); the rest has defaults.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    private @Nullable TrustDomain trustDomain;
    private @Nullable Supplier<TrustBundle> bundles;
    private String description = "";
    private @Nullable Duration refreshHint;
    private @Nullable String issuer;
    private @Nullable String bundlePath;
    private @Nullable String jwksPath;

    private Builder() {}

    /** Serves the current bundle of {@code authority} (its bundle source, so rotations show at once). */
    public Builder authority(EmbeddedAuthority authority) {
      Objects.requireNonNull(authority, "authority");
      BundleSource source = authority.bundleSource();
      return source(authority.trustDomain(), () -> current(source, authority.trustDomain()),
          "the authority of " + authority.trustDomain());
    }

    /**
     * Serves the current bundle of {@code trustDomain} from {@code source} (asked on every request, so it must be
     * fast, as every {@link BundleSource} is). A source that has no bundle for the domain, or throws
     * {@link BundleUnavailableException}, gets 503 answers.
     */
    public Builder bundleSource(TrustDomain trustDomain, BundleSource source) {
      Objects.requireNonNull(trustDomain, "trustDomain");
      Objects.requireNonNull(source, "source");
      return source(trustDomain, () -> current(source, trustDomain), "the bundle of " + trustDomain);
    }

    private Builder source(TrustDomain td, Supplier<TrustBundle> current, String what) {
      if (bundles != null) {
        throw new IllegalStateException("what to serve was already set");
      }
      this.trustDomain = td;
      this.bundles = current;
      this.description = what;
      return this;
    }

    private static TrustBundle current(BundleSource source, TrustDomain td) {
      return source.bundleFor(td).orElseThrow(() -> new BundleUnavailableException("no bundle of " + td));
    }

    /** The refresh hint to serve instead of the bundle's own (at least 1 s, at most 7 days, whole seconds). */
    public Builder refreshHint(Duration refreshHint) {
      Objects.requireNonNull(refreshHint, "refreshHint");
      if (this.refreshHint != null) {
        throw new IllegalStateException("the refresh hint was already set");
      }
      if (refreshHint.compareTo(Duration.ofSeconds(1)) < 0 || refreshHint.compareTo(MAX_REFRESH_HINT) > 0
          || refreshHint.getNano() != 0) {
        throw new IllegalArgumentException("the refresh hint must be whole seconds from 1s to 7d, not "
            + refreshHint);
      }
      this.refreshHint = refreshHint;
      return this;
    }

    /**
     * The OIDC issuer of the discovery document (an https URL without query or fragment: the {@code iss} the tokens
     * carry, if they carry one). Without it, the URL each request was made to.
     */
    public Builder issuer(String issuer) {
      Objects.requireNonNull(issuer, "issuer");
      if (this.issuer != null) {
        throw new IllegalStateException("the issuer was already set");
      }
      this.issuer = TrustDocuments.checkIssuer(issuer.strip());
      return this;
    }

    /** The path of the SPIFFE bundle (default {@value BundleEndpointServlet#DEFAULT_BUNDLE_PATH}). */
    public Builder bundlePath(String path) {
      if (this.bundlePath != null) {
        throw new IllegalStateException("the bundle path was already set");
      }
      this.bundlePath = TrustDocuments.checkPath(path);
      return this;
    }

    /** The path of the JWKS (default {@value BundleEndpointServlet#DEFAULT_JWKS_PATH}). */
    public Builder jwksPath(String path) {
      if (this.jwksPath != null) {
        throw new IllegalStateException("the JWKS path was already set");
      }
      this.jwksPath = TrustDocuments.checkPath(path);
      return this;
    }

    /**
     * The servlet.
     *
     * @throws IllegalStateException when nothing to serve was set
     * @throws IllegalArgumentException when two paths are the same
     */
    public BundleEndpointServlet build() {
      return new BundleEndpointServlet(endpoint());
    }

    Endpoint endpoint() {
      Supplier<TrustBundle> current = bundles;
      if (current == null || trustDomain == null) {
        throw new IllegalStateException("what to serve is required: authority(...) or bundleSource(...)");
      }
      Duration override = refreshHint;
      TrustDocuments<TrustBundle> documents = new TrustDocuments<>(current, bundle -> documents(bundle, override),
          List.of(bundlePath != null ? bundlePath : DEFAULT_BUNDLE_PATH),
          jwksPath != null ? jwksPath : DEFAULT_JWKS_PATH, issuer);
      return new Endpoint(documents, description + (override == null ? "" : ", refresh hint " + override));
    }
  }
}

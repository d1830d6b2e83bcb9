package dev.lanyard.spring;

import dev.lanyard.servlet.BundleEndpointServlet;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * {@code lanyard.bundle-endpoint.*} checked: whether the bundle endpoint is served, at which paths (which are then
 * public: Lanyard lets {@code GET} and {@code HEAD} of exactly these paths through without a credential, in the
 * Spring Security chain and the plain filter alike), with which issuer and refresh hint. A bad value is an
 * {@link InvalidConfigurationPropertyValueException} naming the property, so that the application does not start.
 *
 * <p>Thread-safe: immutable.
 */
final class BundleEndpointSettings {
  static final String ENABLED = "lanyard.bundle-endpoint.enabled";
  static final String PATH = "lanyard.bundle-endpoint.path";
  static final String JWKS_PATH = "lanyard.bundle-endpoint.jwks-path";
  static final String ISSUER = "lanyard.bundle-endpoint.issuer";
  static final String REFRESH_HINT = "lanyard.bundle-endpoint.refresh-hint";

  private final boolean enabled;
  private final String path;
  private final String jwksPath;
  private final @Nullable String issuer;
  private final @Nullable Duration refreshHint;

  private BundleEndpointSettings(boolean enabled, String path, String jwksPath, @Nullable String issuer,
      @Nullable Duration refreshHint) {
    this.enabled = enabled;
    this.path = path;
    this.jwksPath = jwksPath;
    this.issuer = issuer;
    this.refreshHint = refreshHint;
  }

  /**
   * Checks {@code lanyard.bundle-endpoint.*} (only when enabled: a disabled endpoint's settings are ignored).
   *
   * @throws InvalidConfigurationPropertyValueException naming the first bad property and why
   */
  static BundleEndpointSettings of(LanyardProperties.BundleEndpoint p) {
    if (!p.isEnabled()) {
      return new BundleEndpointSettings(false, BundleEndpointServlet.DEFAULT_BUNDLE_PATH,
          BundleEndpointServlet.DEFAULT_JWKS_PATH, null, null);
    }
    BundleEndpointServlet.Builder check = BundleEndpointServlet.newBuilder();
    String path = LanyardSettings.stripped(p.getPath());
    try {
      check.bundlePath(path);
    } catch (IllegalArgumentException e) {
      throw LanyardSettings.invalid(PATH, p.getPath(), e.getMessage());
    }
    String jwksPath = LanyardSettings.stripped(p.getJwksPath());
    try {
      check.jwksPath(jwksPath);
    } catch (IllegalArgumentException e) {
      throw LanyardSettings.invalid(JWKS_PATH, p.getJwksPath(), e.getMessage());
    }
    if (path.equals(BundleEndpointServlet.DISCOVERY_PATH)) {
      throw LanyardSettings.invalid(PATH, path, "is the path of OIDC discovery");
    }
    if (jwksPath.equals(BundleEndpointServlet.DISCOVERY_PATH) || jwksPath.equals(path)) {
      throw LanyardSettings.invalid(JWKS_PATH, jwksPath, "is the path of " + (jwksPath.equals(path) ? PATH
          : "OIDC discovery"));
    }
    String issuer = LanyardSettings.blank(p.getIssuer()) ? null : LanyardSettings.stripped(p.getIssuer());
    if (issuer != null) {
      try {
        check.issuer(issuer);
      } catch (IllegalArgumentException e) {
        throw LanyardSettings.invalid(ISSUER, issuer, e.getMessage());
      }
    }
    Duration hint = p.getRefreshHint();
    if (hint != null) {
      try {
        check.refreshHint(hint);
      } catch (IllegalArgumentException e) {
        throw LanyardSettings.invalid(REFRESH_HINT, hint, e.getMessage());
      }
    }
    return new BundleEndpointSettings(true, path, jwksPath, issuer, hint);
  }

  boolean enabled() {
    return enabled;
  }

  /** The paths served, when enabled: the bundle, OIDC discovery and the JWKS. Empty when disabled. */
  Set<String> publicPaths() {
    if (!enabled) {
      return Set.of();
    }
    Set<String> paths = new LinkedHashSet<>();
    paths.add(path);
    paths.add(BundleEndpointServlet.DISCOVERY_PATH);
    paths.add(jwksPath);
    return Set.copyOf(paths);
  }

  /** The servlet serving the current bundle of {@code trustDomain} from {@code bundles}. */
  BundleEndpointServlet servlet(TrustDomain trustDomain, BundleSource bundles) {
    BundleEndpointServlet.Builder builder = BundleEndpointServlet.newBuilder().bundleSource(trustDomain, bundles)
        .bundlePath(path).jwksPath(jwksPath);
    if (issuer != null) {
      builder.issuer(issuer);
    }
    if (refreshHint != null) {
      builder.refreshHint(refreshHint);
    }
    return builder.build();
  }

  @Override
  public String toString() {
    return "BundleEndpointSettings[" + (enabled ? publicPaths() : "disabled") + "]";
  }
}

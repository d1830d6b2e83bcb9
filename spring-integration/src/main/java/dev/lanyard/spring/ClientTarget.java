package dev.lanyard.spring;

import dev.lanyard.internal.RequestPaths;
import dev.lanyard.spiffe.SpiffeId;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A service this one calls ({@code lanyard.client.targets.<name>}): where it is, and what token it gets. A request
 * URL matches when scheme, host and port are the same and its path is the target's path or lies under it (segment by
 * segment: {@code /api} covers {@code /api} and {@code /api/x}, not {@code /apix}). A path not in normal form
 * ({@link RequestPaths}: dot segments, encoded dots or slashes, {@code ;} parameters, {@code //}, bad encoding; the
 * grammar inbound requests are held to) never matches, so a token cannot be steered to another path by path tricks.
 * Over TLS with the SSL bundle {@code lanyard}, the server at the target's host and port must present the target's
 * {@linkplain #serverId() server ID}.
 */
final class ClientTarget {
  private final String name;
  private final String scheme;
  private final String host;
  private final int port;
  private final String path;
  private final String urlProperty;
  private final String audience;
  private final List<String> scopes;
  private final @Nullable SpiffeId serverId;

  private ClientTarget(String name, String scheme, String host, int port, String path, String urlProperty,
      String audience, List<String> scopes, @Nullable SpiffeId serverId) {
    this.name = name;
    this.scheme = scheme;
    this.host = host;
    this.port = port;
    this.path = path;
    this.urlProperty = urlProperty;
    this.audience = audience;
    this.scopes = scopes;
    this.serverId = serverId;
  }

  /**
   * A target from its checked base URL (http or https, with a host) and the property that URL is written in, and the
   * SPIFFE ID its server must present over TLS ({@code null} when none is known: then no server at its address is
   * accepted).
   */
  static ClientTarget of(String name, URI url, String urlProperty, String audience, List<String> scopes,
      @Nullable SpiffeId serverId) {
    String scheme = url.getScheme().toLowerCase(Locale.ROOT);
    String path = url.getRawPath() == null ? "" : url.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    return new ClientTarget(name, scheme, url.getHost().toLowerCase(Locale.ROOT), port(scheme, url.getPort()), path,
        urlProperty, audience, List.copyOf(scopes), serverId);
  }

  String name() {
    return name;
  }

  String audience() {
    return audience;
  }

  /**
   * The property the target's URL is written in: {@code lanyard.client.targets.<name>.url}, or the base URL of the
   * HTTP service group it takes, {@code spring.http.serviceclient.<group>.base-url}.
   */
  String urlProperty() {
    return urlProperty;
  }

  List<String> scopes() {
    return scopes;
  }

  /** The SPIFFE ID the target's server must present over TLS, if known. */
  Optional<SpiffeId> serverId() {
    return Optional.ofNullable(serverId);
  }

  /** True for an https target: one whose server the SSL bundle authorizes. */
  boolean isHttps() {
    return scheme.equals("https");
  }

  /** The target's host, lower case. */
  String host() {
    return host;
  }

  /** The target's port, the scheme's default when the URL has none. */
  int port() {
    return port;
  }

  /** The target's base URL, normalised: scheme, lower-case host, port and path. */
  String url() {
    return scheme + "://" + host + ":" + port + path;
  }

  /** The target's scheme, {@code http} or {@code https}. */
  String scheme() {
    return scheme;
  }

  /** How specific the target is: longer paths win when several match. */
  int specificity() {
    return path.length();
  }

  /** True when a request to {@code uri} goes to this target. */
  boolean matches(URI uri) {
    if (uri == null || uri.getScheme() == null || uri.getHost() == null) {
      return false;
    }
    String requestScheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (!requestScheme.equals(scheme) || !uri.getHost().toLowerCase(Locale.ROOT).equals(host)
        || port(requestScheme, uri.getPort()) != port) {
      return false;
    }
    String requestPath = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (!RequestPaths.isNormal(requestPath)) {
      return false;
    }
    return path.isEmpty() || requestPath.equals(path) || requestPath.startsWith(path + "/");
  }

  private static int port(String scheme, int port) {
    if (port >= 0) {
      return port;
    }
    return scheme.equals("https") ? 443 : 80;
  }

  @Override
  public String toString() {
    return "ClientTarget[" + name + ", " + scheme + "://" + host + ":" + port + path + ", audience=" + audience
        + ", serverId=" + serverId + "]";
  }
}

package dev.lanyard.spring;

import dev.lanyard.credentials.JwtSvidSource;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;

/**
 * Attaches {@code Authorization: Bearer <JWT-SVID>} to requests for a configured target, with a token for that
 * target's audience and scopes from the service's (caching) token source. A request that matches no target, or that
 * already carries an {@code Authorization} header, is sent unchanged: tokens never go anywhere else.
 *
 * <p>Why a request got no token is logged at DEBUG (logger {@code dev.lanyard.spring.LanyardClientInterceptor}); a
 * request to a server that looks like a target but is not one (the same port under another host name that is also
 * loopback or resolves to the same address, e.g. {@code localhost} for a target at {@code 127.0.0.1}; or the target's
 * host and port with the other scheme) is logged at WARN, once per scheme, host and port. Never a token.
 *
 * <p>Thread-safe: the targets are immutable; the set of origins already warned about is concurrent and bounded.
 */
final class LanyardClientInterceptor implements ClientHttpRequestInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(LanyardClientInterceptor.class);
  /** How many distinct origins without a target are checked for a resemblance; later ones only get DEBUG. */
  static final int MAX_CHECKED_ORIGINS = 1024;

  private final List<ClientTarget> targets;
  private final JwtSvidSource tokens;
  private final Set<String> checkedOrigins = ConcurrentHashMap.newKeySet();

  LanyardClientInterceptor(List<ClientTarget> targets, JwtSvidSource tokens) {
    this.targets = List.copyOf(targets);
    this.tokens = tokens;
  }

  @Override
  public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
      throws IOException {
    URI uri = request.getURI();
    ClientTarget target = targetFor(uri);
    if (target == null) {
      explainNoTarget(request.getMethod().name(), uri);
    } else if (request.getHeaders().containsHeader(HttpHeaders.AUTHORIZATION)) {
      LOG.debug("no token for {} {}: the request already carries an Authorization header (target '{}')",
          request.getMethod().name(), withoutQuery(uri), target.name());
    } else {
      request.getHeaders().setBearerAuth(tokens.fetch(List.of(target.audience()), target.scopes()).token());
    }
    return execution.execute(request, body);
  }

  /** The most specific target the URI belongs to, or null. */
  @Nullable ClientTarget targetFor(URI uri) {
    ClientTarget best = null;
    for (ClientTarget target : targets) {
      if (target.matches(uri) && (best == null || target.specificity() > best.specificity())) {
        best = target;
      }
    }
    return best;
  }

  /** DEBUG: why {@code uri} got no token; WARN once per origin when it looks like a target's server. */
  private void explainNoTarget(String method, URI uri) {
    if (uri.getScheme() == null || uri.getHost() == null) {
      LOG.debug("no token for {} {}: not an absolute http(s) URL", method, withoutQuery(uri));
      return;
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
    if (LOG.isDebugEnabled()) {
      LOG.debug("no token for {} {}: {}", method, withoutQuery(uri), whyNot(scheme, host, port, uri));
    }
    String origin = scheme + "://" + host + ":" + port;
    if (!LOG.isWarnEnabled() || checkedOrigins.size() >= MAX_CHECKED_ORIGINS || !checkedOrigins.add(origin)) {
      return;
    }
    for (ClientTarget target : targets) {
      String resemblance = resemblance(target, scheme, host, port);
      if (resemblance != null) {
        LOG.warn("a request to {} got no token: it is not target '{}' ({}), but {}. If it is the same server, write "
            + "{} with the host name and scheme the client uses (logged once per origin)", origin,
            target.name(), target.url(), resemblance, target.urlProperty());
        return;
      }
    }
  }

  private String whyNot(String scheme, String host, int port, URI uri) {
    if (targets.isEmpty()) {
      return "no " + LanyardSettings.TARGETS + " are configured";
    }
    for (ClientTarget target : targets) {
      if (target.scheme().equals(scheme) && target.host().equals(host) && target.port() == port) {
        return "the path is not under target '" + target.name() + "' (" + target.url() + ") or not in normal form";
      }
    }
    StringBuilder known = new StringBuilder();
    for (ClientTarget target : targets) {
      known.append(known.length() == 0 ? "" : ", ").append(target.name()).append(" -> ").append(target.url());
    }
    return "no target for " + scheme + "://" + host + ":" + port + " (targets: " + known + ")";
  }

  /** How a request origin resembles {@code target}'s server without being it, or null when it does not. */
  private static @Nullable String resemblance(ClientTarget target, String scheme, String host, int port) {
    if (target.port() != port) {
      return null;
    }
    if (target.host().equals(host)) {
      return target.scheme().equals(scheme) ? null : "the same host and port over " + scheme;
    }
    if (isLoopback(host) && isLoopback(target.host())) {
      return "both " + host + " and " + target.host() + " are this machine (loopback) on port " + port;
    }
    Set<InetAddress> requested = addresses(host);
    requested.retainAll(addresses(target.host()));
    return requested.isEmpty() ? null : host + " and " + target.host() + " resolve to the same address "
        + requested.iterator().next().getHostAddress() + " on port " + port;
  }

  private static boolean isLoopback(String host) {
    return host.equals("localhost") || host.endsWith(".localhost") || host.startsWith("127.")
        || host.equals("[::1]") || host.equals("::1");
  }

  private static Set<InetAddress> addresses(String host) {
    try {
      return new HashSet<>(Arrays.asList(InetAddress.getAllByName(host)));
    } catch (UnknownHostException | SecurityException e) {
      return new HashSet<>();
    }
  }

  /** The URI without user info, query and fragment, which may carry data that has no place in a log. */
  private static String withoutQuery(URI uri) {
    if (uri.getScheme() == null || uri.getHost() == null) {
      return uri.getRawPath() == null ? "(no path)" : uri.getRawPath();
    }
    return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "")
        + (uri.getRawPath() == null ? "" : uri.getRawPath());
  }

  @Override
  public String toString() {
    return "LanyardClientInterceptor" + targets;
  }
}

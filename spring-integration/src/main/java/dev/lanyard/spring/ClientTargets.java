package dev.lanyard.spring;

import static dev.lanyard.spring.LanyardSettings.TARGETS;
import static dev.lanyard.spring.LanyardSettings.TRUST_DOMAIN;
import static dev.lanyard.spring.LanyardSettings.blank;
import static dev.lanyard.spring.LanyardSettings.invalid;
import static dev.lanyard.spring.LanyardSettings.stripped;

import dev.lanyard.internal.RequestPaths;
import dev.lanyard.internal.ScopeTokens;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.tls.ServerAuthorizer;
import dev.lanyard.x509.PeerAuthorizer;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The outbound half of the properties: {@code lanyard.client.targets.*} checked and turned into {@link ClientTarget}s,
 * and the {@link ServerAuthorizer} that {@code lanyard.client.server-authorization} asks for. Every problem is an
 * {@code InvalidConfigurationPropertyValueException} naming the property.
 *
 * <p>Thread-safe: stateless.
 */
final class ClientTargets {
  private ClientTargets() {}

  /** The targets, in the order of the properties. */
  static List<ClientTarget> targets(@Nullable Map<String, LanyardProperties.Target> targets,
      TrustDomain trustDomain) {
    List<ClientTarget> out = new ArrayList<>();
    if (targets == null) {
      return out;
    }
    targets.forEach((name, t) -> {
      String prefix = TARGETS + "." + name;
      if (t == null || blank(t.getUrl())) {
        throw invalid(prefix + ".url", null, "is required: the target's base URL");
      }
      URI uri;
      try {
        uri = new URI(stripped(t.getUrl()));
      } catch (URISyntaxException e) {
        throw invalid(prefix + ".url", t.getUrl(), "not a URL: " + e.getMessage());
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw invalid(prefix + ".url", t.getUrl(), "must be an http or https URL");
      }
      if (uri.getHost() == null) {
        throw invalid(prefix + ".url", t.getUrl(), "has no host");
      }
      if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
        throw invalid(prefix + ".url", t.getUrl(), "must not have user info, a query or a fragment");
      }
      if (uri.getRawPath() != null && !RequestPaths.isNormal(uri.getRawPath())) {
        throw invalid(prefix + ".url", t.getUrl(), "the path is not in normal form (no '.' or '..' segments, '//', "
            + "';', encoded dots or slashes, or bad percent-encoding): no request would ever match it");
      }
      if (blank(t.getAudience())) {
        throw invalid(prefix + ".audience", null, "is required: the audience of tokens for " + name
            + ", usually its SPIFFE ID");
      }
      List<String> scopes = t.getScopes() == null ? List.of() : t.getScopes();
      for (int i = 0; i < scopes.size(); i++) {
        if (!ScopeTokens.isValid(scopes.get(i))) {
          throw invalid(prefix + ".scopes[" + i + "]", scopes.get(i), "not a scope token (printable ASCII, no "
              + "space, '\"' or '\\')");
        }
      }
      String audience = stripped(t.getAudience());
      out.add(ClientTarget.of(name, uri, audience, scopes, serverId(prefix, t.getServerId(), audience, trustDomain)));
    });
    return List.copyOf(out);
  }

  /**
   * The explicit {@code server-id}, checked; or else the audience when that is a workload SPIFFE ID of the trust
   * domain; or else none.
   */
  private static @Nullable SpiffeId serverId(String prefix, @Nullable String value, String audience,
      TrustDomain trustDomain) {
    if (blank(value)) {
      try {
        SpiffeId id = SpiffeId.parse(audience);
        return id.isMemberOf(trustDomain) && !id.isTrustDomainId() ? id : null;
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    String property = prefix + ".server-id";
    SpiffeId id;
    try {
      id = SpiffeId.parse(stripped(value));
    } catch (IllegalArgumentException e) {
      throw invalid(property, value, "not a SPIFFE ID: " + e.getMessage());
    }
    if (id.isTrustDomainId()) {
      throw invalid(property, value, "names a trust domain, not a workload: give the SPIFFE ID the server presents");
    }
    if (!id.isMemberOf(trustDomain)) {
      throw invalid(property, value, "is not in trust domain '" + trustDomain + "', the only one the SSL bundle '"
          + LanyardSslBundle.NAME + "' trusts (" + TRUST_DOMAIN + ")");
    }
    return id;
  }

  /**
   * Which servers clients using the SSL bundle {@code lanyard} accept: with {@code target}, a server at the host and
   * port of an https target must present its server ID (none when the target has none), any other server a SPIFFE ID
   * of the trust domain; with {@code trust-domain}, any workload of the trust domain everywhere.
   */
  static ServerAuthorizer serverAuthorizer(List<ClientTarget> targets, TrustDomain trustDomain,
      LanyardProperties.ServerAuthorization choice) {
    PeerAuthorizer anyWorkload = PeerAuthorizer.memberOf(trustDomain);
    if (choice == LanyardProperties.ServerAuthorization.TRUST_DOMAIN) {
      return ServerAuthorizer.always(anyWorkload);
    }
    ServerAuthorizer.Builder builder = ServerAuthorizer.newBuilder(anyWorkload);
    Map<String, ClientTarget> byServer = new HashMap<>();
    for (ClientTarget target : targets) {
      if (!target.isHttps()) {
        continue;
      }
      String server = target.host() + ":" + target.port();
      ClientTarget other = byServer.putIfAbsent(server, target);
      if (other == null) {
        builder.server(target.host(), target.port(), target.serverId().map(PeerAuthorizer::exactly)
            .orElse(peer -> false));
      } else if (!other.serverId().equals(target.serverId())) {
        throw invalid(TARGETS + "." + target.name() + ".server-id", target.serverId().orElse(null),
            "targets '" + other.name() + "' and '" + target.name() + "' share " + server + " but name different "
            + "servers (" + other.serverId().map(Object::toString).orElse("none") + "): one TLS server presents one "
            + "SPIFFE ID; set the same server-id on both");
      }
    }
    return builder.build();
  }
}

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
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.core.env.Environment;

/**
 * The outbound half of the properties: {@code lanyard.client.targets.*} checked and turned into {@link ClientTarget}s
 * (a target's URL its own {@code url}, or the base URL of a Spring HTTP service group,
 * {@code spring.http.serviceclient.<group>.base-url}, written once for the group's client and its token), and the
 * {@link ServerAuthorizer} that {@code lanyard.client.server-authorization} asks for. Every problem is an
 * {@code InvalidConfigurationPropertyValueException} naming the property.
 *
 * <p>Thread-safe: immutable.
 */
final class ClientTargets {
  private final List<ClientTarget> targets;
  private final LanyardProperties.ServerAuthorization serverAuthorization;
  private final ServerAuthorizer serverAuthorizer;

  private ClientTargets(LanyardProperties.Client p, TrustDomain trustDomain, ServiceGroupUrls groups) {
    this.targets = targets(p.getTargets(), trustDomain, groups);
    this.serverAuthorization = p.getServerAuthorization() == null
        ? LanyardProperties.ServerAuthorization.TARGET : p.getServerAuthorization();
    this.serverAuthorizer = serverAuthorizer(targets, trustDomain, serverAuthorization);
  }

  /**
   * Checks {@code lanyard.client.*}; a target without a URL takes the base URL of an HTTP service group from
   * {@code groups}.
   */
  static ClientTargets of(LanyardProperties.Client properties, TrustDomain trustDomain, ServiceGroupUrls groups) {
    return new ClientTargets(properties, trustDomain, groups);
  }

  /** The targets, in the order of the properties. */
  List<ClientTarget> targets() {
    return targets;
  }

  /** {@code lanyard.client.server-authorization}. */
  LanyardProperties.ServerAuthorization serverAuthorization() {
    return serverAuthorization;
  }

  /**
   * Which servers clients using the SSL bundle {@code lanyard} accept; see
   * {@link #serverAuthorizer(List, TrustDomain, LanyardProperties.ServerAuthorization)}.
   */
  ServerAuthorizer serverAuthorizer() {
    return serverAuthorizer;
  }

  /** The property holding the base URLs of Spring's HTTP service groups, by group. */
  static final String SERVICE_CLIENT = "spring.http.serviceclient";

  /** The base URL of a Spring HTTP service group, {@code spring.http.serviceclient.<group>.base-url}. */
  @FunctionalInterface
  interface ServiceGroupUrls {
    /** No HTTP service group has a base URL. */
    ServiceGroupUrls NONE = group -> null;

    /** The group's base URL as written, or null when it has none (or the name cannot be a property's). */
    @Nullable String baseUrl(String group);
  }

  /**
   * The base URLs of the HTTP service groups as the environment gives them (relaxed names: {@code base-url},
   * {@code baseUrl}, {@code SPRING_HTTP_SERVICECLIENT_<GROUP>_BASEURL}).
   */
  static ServiceGroupUrls serviceGroupUrls(Environment environment) {
    Binder binder = Binder.get(environment);
    return group -> {
      String property = serviceGroupProperty(group);
      return ConfigurationPropertyName.isValid(property) ? binder.bind(property, String.class).orElse(null) : null;
    };
  }

  /** The property of a service group's base URL. */
  static String serviceGroupProperty(String group) {
    return SERVICE_CLIENT + "." + group + ".base-url";
  }

  /**
   * The targets, in the order of the properties. A target without {@code url} takes the base URL of the HTTP service
   * group {@code service-group}, by default the group of its own name.
   */
  static List<ClientTarget> targets(@Nullable Map<String, LanyardProperties.Target> targets,
      TrustDomain trustDomain, ServiceGroupUrls groups) {
    List<ClientTarget> out = new ArrayList<>();
    if (targets == null) {
      return out;
    }
    targets.forEach((name, t) -> {
      String prefix = TARGETS + "." + name;
      if (t == null) {
        throw invalid(prefix + ".url", null, "is required: the target's base URL");
      }
      String urlProperty = prefix + ".url";
      String url = t.getUrl();
      if (!blank(t.getServiceGroup())) {
        String group = stripped(t.getServiceGroup());
        if (!blank(url)) {
          throw invalid(prefix + ".service-group", group, "not together with " + urlProperty + ": the target's URL "
              + "is either its own or the HTTP service group's base URL");
        }
        urlProperty = serviceGroupProperty(group);
        url = groups.baseUrl(group);
        if (blank(url)) {
          throw invalid(prefix + ".service-group", group, "the HTTP service group has no base URL: set "
              + urlProperty);
        }
      } else if (blank(url)) {
        url = groups.baseUrl(name);
        if (blank(url)) {
          throw invalid(urlProperty, null, "is required: the target's base URL (or set "
              + serviceGroupProperty(name) + ", the base URL of the HTTP service group of the same name)");
        }
        urlProperty = serviceGroupProperty(name);
      }
      URI uri = url(urlProperty, stripped(url));
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
      out.add(ClientTarget.of(name, uri, urlProperty, audience, scopes,
          serverId(prefix, t.getServerId(), audience, trustDomain)));
    });
    return List.copyOf(out);
  }

  /** A target's base URL, checked: http(s) with a host, a path in normal form, nothing else. */
  private static URI url(String property, String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw invalid(property, url, "not a URL: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw invalid(property, url, "must be an http or https URL");
    }
    if (uri.getHost() == null) {
      throw invalid(property, url, "has no host");
    }
    if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw invalid(property, url, "must not have user info, a query or a fragment");
    }
    if (uri.getRawPath() != null && !RequestPaths.isNormal(uri.getRawPath())) {
      throw invalid(property, url, "the path is not in normal form (no '.' or '..' segments, '//', "
          + "';', encoded dots or slashes, or bad percent-encoding): no request would ever match it");
    }
    return uri;
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

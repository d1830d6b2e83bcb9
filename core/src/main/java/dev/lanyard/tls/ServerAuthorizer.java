package dev.lanyard.tls;

import dev.lanyard.x509.PeerAuthorizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Chooses, for each connection a client makes, which server SPIFFE IDs it accepts, by the host and port the
 * connection is for. A client that sends a credential for one service (a bearer token, say) must not complete the
 * handshake with another workload of the trust domain that happens to answer at that service's address.
 *
 * <pre>{@code
 * ServerAuthorizer servers = ServerAuthorizer.newBuilder(PeerAuthorizer.memberOf(td))
 *     .server("payments.internal", 8443, PeerAuthorizer.exactly(payments))
 *     .build();
 * X509ExtendedTrustManager trust = SpiffeTls.trustManager(verifier, PeerAuthorizer.memberOf(td), servers);
 * }</pre>
 *
 * <p>Lanyard's trust manager names the server by the host and port its {@code SSLEngine} or {@code SSLSocket} was
 * created for (what the HTTP client connects to, as written in the URL). When the connection does not say, the host
 * is {@code null} and the port {@code -1}.
 *
 * <p>Thread-safe: implementations must be, since every handshake asks; those built here are immutable. Its {@link
 * Builder} is not thread-safe.
 */
@FunctionalInterface
public interface ServerAuthorizer {
  /**
   * The authorizer for the server at {@code host} and {@code port}.
   *
   * @param host the host the client connects to, as the connection names it, or {@code null} when unknown
   * @param port the port, or {@code -1} when unknown
   */
  PeerAuthorizer forServer(@Nullable String host, int port);

  /** The same authorizer for every server, wherever it is. */
  static ServerAuthorizer always(PeerAuthorizer authorizer) {
    Objects.requireNonNull(authorizer, "authorizer");
    return (host, port) -> authorizer;
  }

  /**
   * A builder of per-server authorizers: named servers get their own authorizer, every other server gets
   * {@code otherwise}. A connection whose host is unknown accepts only a server that {@code otherwise} and every named
   * server's authorizer accept (it could be for any of them).
   */
  static Builder newBuilder(PeerAuthorizer otherwise) {
    return new Builder(otherwise);
  }

  /** The host as Lanyard compares it: lower case ({@link Locale#ROOT}), without IPv6 brackets. */
  private static String normalizeHost(String host) {
    String h = host.strip().toLowerCase(Locale.ROOT);
    if (h.length() > 1 && h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h;
  }

  /** Builds a {@link ServerAuthorizer}; reusable after {@link #build()}. */
  final class Builder {
    private final PeerAuthorizer otherwise;
    private final Map<String, PeerAuthorizer> servers = new LinkedHashMap<>();

    private Builder(PeerAuthorizer otherwise) {
      this.otherwise = Objects.requireNonNull(otherwise, "otherwise");
    }

    /**
     * The authorizer for the server at {@code host:port}. Host names compare ignoring case.
     *
     * @throws IllegalArgumentException when the host is blank or the port is not 1 to 65535
     * @throws IllegalStateException when this server already has an authorizer
     */
    public Builder server(String host, int port, PeerAuthorizer authorizer) {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(authorizer, "authorizer");
      String h = normalizeHost(host);
      if (h.isEmpty()) {
        throw new IllegalArgumentException("the host is blank");
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("the port must be 1 to 65535, not " + port);
      }
      String key = key(h, port);
      if (servers.containsKey(key)) {
        throw new IllegalStateException("the server " + key + " already has an authorizer");
      }
      servers.put(key, authorizer);
      return this;
    }

    public ServerAuthorizer build() {
      Map<String, PeerAuthorizer> byServer = Map.copyOf(servers);
      List<PeerAuthorizer> all = new ArrayList<>(servers.values());
      all.add(otherwise);
      List<PeerAuthorizer> every = List.copyOf(all);
      PeerAuthorizer unknown = peer -> every.stream().allMatch(a -> a.isAuthorized(peer));
      PeerAuthorizer fallback = otherwise;
      return (host, port) -> {
        if (host == null || port < 1) {
          return unknown;
        }
        return byServer.getOrDefault(key(normalizeHost(host), port), fallback);
      };
    }

    private static String key(String host, int port) {
      return host + ":" + port;
    }
  }
}

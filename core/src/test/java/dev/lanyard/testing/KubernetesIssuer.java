package dev.lanyard.testing;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.internal.Base64Url;
import dev.lanyard.internal.JwsSigning;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.x509.X509Svid;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A local issuer shaped like the Kubernetes API server's: OIDC discovery and a JWKS of RS256 keys served over HTTPS on
 * loopback (a test certificate for {@code localhost}), and service-account tokens signed with its current key and a
 * Kubernetes-shaped payload. Counts requests per path. Public for the adapters' tests.
 */
public final class KubernetesIssuer implements AutoCloseable {
  private static final EmbeddedAuthority TLS_AUTHORITY =
      EmbeddedAuthority.newBuilder(TrustDomain.of("tls.test")).build();
  private static final X509Svid SERVER = TLS_AUTHORITY.issueX509Svid(SpiffeId.parse("spiffe://tls.test/k8s-api"),
      Duration.ofHours(1), List.of("localhost"));

  private final HttpServer server;
  private final String scheme;
  private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
  private volatile KeyPair key = JwsSigning.generateKeyPair(JwtAlgorithm.RS256);
  private volatile String kid = "k8s-key-1";
  private volatile String discoveryIssuer;

  private KubernetesIssuer(HttpServer server, String scheme) {
    this.server = server;
    this.scheme = scheme;
    this.discoveryIssuer = issuer();
    server.createContext("/.well-known/openid-configuration", ex -> respond(ex, "{\"issuer\":\"" + discoveryIssuer
        + "\",\"jwks_uri\":\"" + issuer() + "/openid/v1/jwks\",\"response_types_supported\":[\"id_token\"],"
        + "\"subject_types_supported\":[\"public\"],\"id_token_signing_alg_values_supported\":[\"RS256\"]}"));
    server.createContext("/openid/v1/jwks", ex -> respond(ex, jwks()));
    server.start();
  }

  /** An HTTPS issuer (clients need {@link #clientContext()}). */
  public static KubernetesIssuer https() throws Exception {
    HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    https.setHttpsConfigurator(new HttpsConfigurator(serverContext()));
    return new KubernetesIssuer(https, "https");
  }

  /** A cleartext issuer (for adapters' tests with the insecure opt-in). */
  public static KubernetesIssuer http() throws IOException {
    return new KubernetesIssuer(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0),
        "http");
  }

  /** The issuer URL, e.g. {@code https://localhost:1234}. */
  public String issuer() {
    return scheme + "://localhost:" + server.getAddress().getPort();
  }

  /** Makes discovery name another issuer. */
  public void discoveryNames(String issuer) {
    this.discoveryIssuer = issuer;
  }

  /** Replaces the signing key (a rotation: the JWKS then holds only the new key). */
  public void rotate(String newKid) {
    key = JwsSigning.generateKeyPair(JwtAlgorithm.RS256);
    kid = newKid;
  }

  /** Requests served on {@code path}. */
  public int requests(String path) {
    return requests.getOrDefault(path, new AtomicInteger()).get();
  }

  /** Requests served in all. */
  public int requests() {
    return requests.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  /** A projected pod token of {@code namespace}/{@code serviceAccount}, issued at {@code iat}, valid {@code ttl}. */
  public String podToken(String namespace, String serviceAccount, String audience, Instant iat, Duration ttl) {
    return token("{\"alg\":\"RS256\",\"kid\":\"" + kid + "\"}", "{\"aud\":[\"" + audience + "\"],\"exp\":"
        + iat.plus(ttl).getEpochSecond() + ",\"iat\":" + iat.getEpochSecond() + ",\"iss\":\"" + issuer() + "\","
        + "\"jti\":\"7e1c9a5d-0b7e-4b7a-9d3c-1c2f3e4d5a6b\",\"kubernetes.io\":{\"namespace\":\"" + namespace + "\","
        + "\"node\":{\"name\":\"node-1\",\"uid\":\"n1\"},\"pod\":{\"name\":\"" + serviceAccount + "-5d8f\",\"uid\":"
        + "\"p1\"},\"serviceaccount\":{\"name\":\"" + serviceAccount + "\",\"uid\":\"s1\"}},\"nbf\":"
        + iat.getEpochSecond() + ",\"sub\":\"system:serviceaccount:" + namespace + ":" + serviceAccount + "\"}");
  }

  /** A token of {@code header} and {@code payload}, signed RS256 with the current key. */
  public String token(String header, String payload) {
    String input = Base64Url.encode(header.getBytes(StandardCharsets.UTF_8)) + "."
        + Base64Url.encode(payload.getBytes(StandardCharsets.UTF_8));
    byte[] signature = JwsSigning.sign(JwtAlgorithm.RS256, key.getPrivate(), input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + Base64Url.encode(signature);
  }

  private String jwks() {
    RSAKey jwk = new RSAKey.Builder((RSAPublicKey) key.getPublic()).keyID(kid).keyUse(KeyUse.SIGNATURE)
        .algorithm(JWSAlgorithm.RS256).build();
    return "{\"keys\":[" + jwk.toJSONString() + "]}";
  }

  private void respond(HttpExchange exchange, String body) throws IOException {
    requests.computeIfAbsent(exchange.getRequestURI().getPath(), p -> new AtomicInteger()).incrementAndGet();
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** Trusts the issuer's test certificate. */
  public static SSLContext clientContext() throws Exception {
    KeyStore roots = KeyStore.getInstance("PKCS12");
    roots.load(null, null);
    roots.setCertificateEntry("root", TLS_AUTHORITY.bundle().x509Authorities().get(0));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(roots);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }

  private static SSLContext serverContext() throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("server", SERVER.privateKey(), new char[0], SERVER.chain().toArray(new Certificate[0]));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, new char[0]);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), null, null);
    return context;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}

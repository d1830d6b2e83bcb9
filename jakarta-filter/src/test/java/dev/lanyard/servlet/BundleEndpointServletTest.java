package dev.lanyard.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.SignedJWT;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.Await;
import dev.lanyard.trust.HttpBundleSource;
import dev.lanyard.trust.JwtKey;
import dev.lanyard.trust.TrustBundle;
import dev.lanyard.x509.X509Svid;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BundleEndpointServlet} in a real embedded Tomcat 11 behind HTTPS (a test certificate for {@code localhost}
 * issued by a separate authority), fetched by real clients: Lanyard's own {@link HttpBundleSource}, nimbus for OIDC
 * discovery and the JWKS, and the JDK's HTTP client for headers and refusals. One servlet is built programmatically
 * on a live authority, one from init-params on an authority directory.
 */
class BundleEndpointServletTest {
  static final TrustDomain TD = TrustDomain.of("example.org");
  static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  static final String AUDIENCE = "spiffe://example.org/payments";
  static final String PASSWORD = "changeit";
  static final EmbeddedAuthority TLS_AUTHORITY = EmbeddedAuthority.newBuilder(TrustDomain.of("tls.test")).build();

  @TempDir
  static Path dir;
  static EmbeddedAuthority authority;
  static Tomcat tomcat;
  static Connector connector;
  static Context context;
  static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    authority = EmbeddedAuthority.newBuilder(TD).build();
    X509Svid server = TLS_AUTHORITY.issueX509Svid(SpiffeId.parse("spiffe://tls.test/bundle-endpoint"),
        Duration.ofHours(1), List.of("localhost"));
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("server", server.privateKey(), PASSWORD.toCharArray(), server.chain().toArray(new Certificate[0]));
    Path keystore = dir.resolve("server.p12");
    try (OutputStream out = Files.newOutputStream(keystore)) {
      keys.store(out, PASSWORD.toCharArray());
    }
    EmbeddedAuthority.newBuilder(TD).directory(dir.resolve("authority")).build();

    tomcat = new Tomcat();
    tomcat.setBaseDir(dir.resolve("tomcat").toString());
    connector = new Connector("HTTP/1.1");
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    connector.setScheme("https");
    connector.setSecure(true);
    connector.setProperty("SSLEnabled", "true");
    SSLHostConfig ssl = new SSLHostConfig();
    SSLHostConfigCertificate certificate = new SSLHostConfigCertificate(ssl, SSLHostConfigCertificate.Type.EC);
    certificate.setCertificateKeystoreFile(keystore.toString());
    certificate.setCertificateKeystorePassword(PASSWORD);
    certificate.setCertificateKeystoreType("PKCS12");
    certificate.setCertificateKeyAlias("server");
    ssl.addCertificate(certificate);
    connector.addSslHostConfig(ssl);
    tomcat.setConnector(connector);
    context = tomcat.addContext("", Files.createDirectories(dir.resolve("webapp")).toString());

    BundleEndpointServlet live = BundleEndpointServlet.newBuilder().authority(authority).build();
    Tomcat.addServlet(context, "live", live);
    for (String path : live.paths()) {
      context.addServletMappingDecoded(path, "live");
    }
    Wrapper fromDir = Tomcat.addServlet(context, "dir", BundleEndpointServlet.class.getName());
    fromDir.addInitParameter(BundleEndpointServlet.AUTHORITY_DIR, dir.resolve("authority").toString());
    fromDir.addInitParameter(BundleEndpointServlet.BUNDLE_PATH, "/dir/bundle");
    fromDir.addInitParameter(BundleEndpointServlet.JWKS_PATH, "/dir/keys");
    fromDir.addInitParameter(BundleEndpointServlet.REFRESH_HINT, "2s");
    fromDir.setLoadOnStartup(1);
    context.addServletMappingDecoded("/dir/bundle", "dir");
    context.addServletMappingDecoded("/dir/keys", "dir");
    tomcat.start();
    assertThat(context.getState()).isEqualTo(LifecycleState.STARTED);
    http = HttpClient.newBuilder().sslContext(clientContext()).version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stop() throws Exception {
    if (tomcat != null) {
      tomcat.stop();
      tomcat.destroy();
    }
  }

  static SSLContext clientContext() throws Exception {
    KeyStore roots = KeyStore.getInstance("PKCS12");
    roots.load(null, null);
    roots.setCertificateEntry("root", TLS_AUTHORITY.bundle().x509Authorities().get(0));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(roots);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    return tls;
  }

  static URI uri(String pathAndQuery) {
    return URI.create("https://localhost:" + connector.getLocalPort() + pathAndQuery);
  }

  static HttpResponse<String> send(String method, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).method(method, HttpRequest.BodyPublishers.noBody())
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static Set<String> kids(TrustBundle bundle) {
    return bundle.jwtKeys().stream().map(JwtKey::keyId).collect(Collectors.toSet());
  }

  @Test
  void bundleWhenFetchedByHttpBundleSourceOverHttpsThenSameKeysAndTokensVerify() throws Exception {
    try (HttpBundleSource source = HttpBundleSource.newBuilder(TD, uri(BundleEndpointServlet.DEFAULT_BUNDLE_PATH))
        .sslContext(clientContext()).build()) {
      TrustBundle fetched = source.bundleFor(TD).orElseThrow();
      assertThat(kids(fetched)).isEqualTo(kids(authority.bundle()));
      assertThat(fetched.x509Authorities()).isEqualTo(authority.bundle().x509Authorities());
      assertThat(fetched.sequence()).isEqualTo(authority.bundle().sequence());
      assertThat(fetched.refreshHint()).contains(Duration.ofMinutes(5));
      JwtSvidVerifier verifier = JwtSvidVerifier.newBuilder().bundleSource(source).audience(AUDIENCE).build();
      assertThat(verifier.verify(authority.mintJwtSvid(ORDERS, AUDIENCE).token()).subject()).isEqualTo(ORDERS);
    }
  }

  @Test
  void bundleWhenAuthorityRotatesThenNextResponseHasTheNewKey() throws Exception {
    String before = send("GET", BundleEndpointServlet.DEFAULT_BUNDLE_PATH).body();
    String prepared = authority.prepareJwtKey().keyId();
    HttpResponse<String> after = send("GET", BundleEndpointServlet.DEFAULT_BUNDLE_PATH);
    assertThat(before).doesNotContain(prepared);
    assertThat(kids(TrustBundle.parse(TD, after.body()))).contains(prepared).isEqualTo(kids(authority.bundle()));
    assertThat(TrustBundle.parse(TD, after.body()).sequence().getAsLong())
        .isGreaterThan(TrustBundle.parse(TD, before).sequence().getAsLong());
  }

  @Test
  void bundleWhenGetThenJsonCachedForTheRefreshHintWithEtag() throws Exception {
    HttpResponse<String> response = send("GET", BundleEndpointServlet.DEFAULT_BUNDLE_PATH);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
    assertThat(response.headers().firstValue("Cache-Control")).contains("public, max-age=300");
    assertThat(JSONObjectUtils.parse(response.body())).containsEntry("spiffe_refresh_hint", 300L);
    String etag = response.headers().firstValue("ETag").orElseThrow();
    HttpResponse<String> again = http.send(HttpRequest.newBuilder(uri(BundleEndpointServlet.DEFAULT_BUNDLE_PATH))
        .header("If-None-Match", etag).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(again.statusCode()).isIn(304, 200);
    if (again.statusCode() == 200) {
      // the bundle changed in between (another test rotated): a new tag
      assertThat(again.headers().firstValue("ETag")).isNotEqualTo(java.util.Optional.of(etag));
    } else {
      assertThat(again.body()).isEmpty();
    }
    HttpResponse<String> head = send("HEAD", BundleEndpointServlet.DEFAULT_BUNDLE_PATH);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.headers().firstValue("Cache-Control")).contains("public, max-age=300");
  }

  @Test
  void initParamsWhenAuthorityDirAndHintThenServedWithThatHintAndFollowTheDirectory() throws Exception {
    HttpResponse<String> response = send("GET", "/dir/bundle");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Cache-Control")).contains("public, max-age=2");
    TrustBundle served = TrustBundle.parse(TD, response.body());
    assertThat(served.refreshHint()).contains(Duration.ofSeconds(2));
    // Another process (here: another instance) rotates the directory's authority.
    String prepared = EmbeddedAuthority.open(dir.resolve("authority")).prepareJwtKey().keyId();
    Await.until("the served bundle holds the key prepared in the directory",
        () -> {
          try {
            return kids(TrustBundle.parse(TD, send("GET", "/dir/bundle").body())).contains(prepared);
          } catch (Exception e) {
            return false;
          }
        }, Duration.ofSeconds(10));
  }

  @Test
  void oidcWhenDiscoveredThenNimbusParsesJwksAndVerifiesAnAuthorityToken() throws Exception {
    HttpResponse<String> discovery = send("GET", BundleEndpointServlet.DISCOVERY_PATH);
    assertThat(discovery.statusCode()).isEqualTo(200);
    Map<String, Object> document = JSONObjectUtils.parse(discovery.body());
    String base = "https://localhost:" + connector.getLocalPort();
    assertThat(document).containsEntry("issuer", base)
        .containsEntry("jwks_uri", base + BundleEndpointServlet.DEFAULT_JWKS_PATH)
        .containsEntry("authorization_endpoint", "")
        .containsEntry("response_types_supported", List.of("id_token"))
        .containsEntry("subject_types_supported", List.of("public"))
        .containsEntry("id_token_signing_alg_values_supported", List.of("ES256"));

    HttpResponse<String> keys = http.send(HttpRequest.newBuilder(URI.create((String) document.get("jwks_uri")))
        .build(), HttpResponse.BodyHandlers.ofString());
    JWKSet set = JWKSet.parse(keys.body());
    assertThat(set.getKeys()).isNotEmpty().allSatisfy(key -> {
      assertThat(key.getKeyUse().identifier()).isEqualTo("sig");
      assertThat(key.getKeyID()).isNotBlank();
      assertThat(key.getAlgorithm().getName()).isEqualTo("ES256");
      assertThat(key.isPrivate()).isFalse();
    });
    SignedJWT token = SignedJWT.parse(authority.mintJwtSvid(ORDERS, AUDIENCE).token());
    JWK key = set.getKeyByKeyId(token.getHeader().getKeyID());
    assertThat(key).isNotNull();
    assertThat(token.verify(new ECDSAVerifier((ECKey) key))).isTrue();
    assertThat(token.getJWTClaimsSet().getSubject()).isEqualTo(ORDERS.toString());
  }

  @Test
  void everyResponseWhenScannedThenNoPrivateKeyMaterial() throws Exception {
    for (String path : List.of(BundleEndpointServlet.DEFAULT_BUNDLE_PATH, BundleEndpointServlet.DISCOVERY_PATH,
        BundleEndpointServlet.DEFAULT_JWKS_PATH, "/dir/bundle", "/dir/keys")) {
      String body = send("GET", path).body();
      assertThat(body).doesNotContain("PRIVATE KEY").doesNotContain("\"d\"").doesNotContain("\"p\"")
          .doesNotContain("\"q\"").doesNotContain("\"dp\"").doesNotContain("\"qi\"").doesNotContain("\"k\"");
      Object keys = JSONObjectUtils.parse(body).get("keys");
      if (keys != null) {
        for (Object jwk : (List<?>) keys) {
          assertThat(JWK.parse(JSONObjectUtils.toJSONString((Map<String, Object>) castMap(jwk))).isPrivate())
              .as(path).isFalse();
        }
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Object o) {
    return (Map<String, Object>) o;
  }

  @Test
  void otherMethodsWhenOnAServedPathThen405WithAllow() throws Exception {
    for (String method : List.of("POST", "PUT", "DELETE", "PATCH", "OPTIONS")) {
      HttpResponse<String> response = send(method, BundleEndpointServlet.DEFAULT_BUNDLE_PATH);
      assertThat(response.statusCode()).as(method).isEqualTo(405);
      assertThat(response.headers().firstValue("Allow")).as(method).contains("GET, HEAD");
    }
  }

  @Test
  void queryStringWhenPresentThenSameDocumentAndNothingReflected() throws Exception {
    String plain = send("GET", BundleEndpointServlet.DISCOVERY_PATH).body();
    HttpResponse<String> withQuery = send("GET", BundleEndpointServlet.DISCOVERY_PATH
        + "?issuer=https%3A%2F%2Fevil.example&jwks_uri=x%3Cscript%3E");
    assertThat(withQuery.statusCode()).isEqualTo(200);
    assertThat(withQuery.body()).isEqualTo(plain).doesNotContain("evil").doesNotContain("script");
  }

  @Test
  void builderWhenNothingToServeOrPathsClashThenRefused() {
    assertThatThrownBy(() -> BundleEndpointServlet.newBuilder().build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("authority(...) or bundleSource(...)");
    assertThatThrownBy(() -> BundleEndpointServlet.newBuilder().authority(authority).bundlePath("/x").jwksPath("/x")
        .build()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/x");
    assertThatThrownBy(() -> BundleEndpointServlet.newBuilder().issuer("https://x.example/?q=1"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BundleEndpointServlet.newBuilder().refreshHint(Duration.ofMillis(500)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BundleEndpointServlet.newBuilder().bundlePath("/a/../b"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

package dev.lanyard.servlet;

import static dev.lanyard.servlet.LanyardFilterTomcatTest.assertAllowedAs;
import static dev.lanyard.servlet.LanyardFilterTomcatTest.assertOutcome;
import static dev.lanyard.servlet.LanyardFilterTomcatTest.getWithToken;
import static dev.lanyard.servlet.LanyardFilterTomcatTest.invalidToken;
import static dev.lanyard.servlet.LanyardFilterTomcatTest.webXml;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.testing.Await;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.x509.X509Svid;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LanyardFilter} in a real embedded Tomcat 11 federated with trust domain partner.example through the
 * {@code lanyard.federation.partner.example} init-param (a bundle file, or an https bundle endpoint on loopback): a
 * policy rule naming one partner caller lets exactly that caller in, another partner workload gets 403, a third
 * trust domain's token 401, and the own trust domain works as before. Bad federation init-params stop the start
 * naming the init-param.
 */
class LanyardFilterFederationTest {
  static final TrustDomain PARTNER = TrustDomain.of("partner.example");
  static final String AUDIENCE = LanyardFilterTomcatTest.AUDIENCE;
  static final SpiffeId ORDERS = LanyardFilterTomcatTest.ORDERS;
  static final SpiffeId PARTNER_BILLING = SpiffeId.parse("spiffe://partner.example/billing");
  static final SpiffeId PARTNER_OTHER = SpiffeId.parse("spiffe://partner.example/other");
  /** Same path as the partner caller, in the own trust domain. */
  static final SpiffeId OWN_BILLING = SpiffeId.parse("spiffe://example.org/billing");
  static final SpiffeId STRANGER = SpiffeId.parse("spiffe://other.example/billing");
  static final String POLICY = String.join("\n",
      "GET /orders spiffe://example.org/orders",
      "GET /invoices spiffe://partner.example/billing",
      "");

  static EmbeddedAuthority own;
  static EmbeddedAuthority partner;
  static EmbeddedAuthority stranger;

  @BeforeAll
  static void authorities() throws Exception {
    own = EmbeddedAuthority.newBuilder(LanyardFilterTomcatTest.TD).build();
    partner = EmbeddedAuthority.newBuilder(PARTNER).build();
    stranger = EmbeddedAuthority.newBuilder(TrustDomain.of("other.example")).build();
    LanyardFilterTomcatTest.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  static TomcatServer.Builder server(Path dir) throws Exception {
    Path bundle = Files.writeString(dir.resolve("bundle.json"), own.bundle().toJson());
    Path policy = Files.writeString(dir.resolve("policy.txt"), POLICY);
    return webXml(dir.resolve("tomcat"), bundle.toString(), policy);
  }

  static void assertFederatedBehaviour(TomcatServer server) {
    assertAllowedAs(getWithToken(server, "/invoices", partner.mintJwtSvid(PARTNER_BILLING, AUDIENCE).token()),
        PARTNER_BILLING);
    assertOutcome(getWithToken(server, "/invoices", partner.mintJwtSvid(PARTNER_OTHER, AUDIENCE).token()), 403,
        null);
    assertOutcome(getWithToken(server, "/invoices", own.mintJwtSvid(OWN_BILLING, AUDIENCE).token()), 403, null);
    assertOutcome(getWithToken(server, "/invoices", stranger.mintJwtSvid(STRANGER, AUDIENCE).token()), 401,
        invalidToken("The token's trust domain is not trusted"));
    assertOutcome(getWithToken(server, "/invoices",
        partner.mintJwtSvid(PARTNER_BILLING, "spiffe://example.org/ledger").token()), 401,
        invalidToken("The token is not meant for this audience"));
    assertAllowedAs(getWithToken(server, "/orders", own.mintJwtSvid(ORDERS, AUDIENCE).token()), ORDERS);
  }

  @Test
  void requestWhenFederatedByBundleFileThenExactPartnerRuleAllowsOnlyThatCaller(@TempDir Path dir) throws Exception {
    Path partnerBundle = Files.writeString(dir.resolve("partner.json"), partner.bundle().toJson());
    try (TomcatServer server = server(dir)
        .initParam("lanyard.federation.partner.example", partnerBundle.toString()).start()) {
      assertThat(server.contextAvailable()).as(server.startupErrors()).isTrue();

      assertFederatedBehaviour(server);
    }
  }

  @Test
  void requestWithoutFederationThenPartnerTokenRejectedAsUntrustedTrustDomain(@TempDir Path dir) throws Exception {
    try (TomcatServer server = server(dir).start()) {
      assertThat(server.contextAvailable()).as(server.startupErrors()).isTrue();

      assertOutcome(getWithToken(server, "/invoices", partner.mintJwtSvid(PARTNER_BILLING, AUDIENCE).token()), 401,
          invalidToken("The token's trust domain is not trusted"));
    }
  }

  @Test
  void requestWhenFederatedByHttpsUrlThenExactPartnerRuleAllowsOnlyThatCaller(@TempDir Path dir) throws Exception {
    EmbeddedAuthority tls = EmbeddedAuthority.newBuilder(TrustDomain.of("tls.test")).build();
    X509Svid serverSvid = tls.issueX509Svid(SpiffeId.parse("spiffe://tls.test/bundles"), Duration.ofHours(1),
        List.of("localhost"));
    HttpsServer endpoint = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    endpoint.setHttpsConfigurator(new HttpsConfigurator(serverContext(serverSvid)));
    byte[] body = partner.bundle().toJson().getBytes(StandardCharsets.UTF_8);
    endpoint.createContext("/bundle", exchange -> {
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    endpoint.start();
    // Init-params carry no TLS settings: the filter's https client uses the JVM's default trust, here the test CA's.
    SSLContext previous = SSLContext.getDefault();
    SSLContext.setDefault(clientContext(tls));
    try (TomcatServer server = server(dir).initParam("lanyard.federation.partner.example",
        "https://localhost:" + endpoint.getAddress().getPort() + "/bundle").start()) {
      SSLContext.setDefault(previous);
      assertThat(server.contextAvailable()).as(server.startupErrors()).isTrue();

      assertFederatedBehaviour(server);
    } finally {
      SSLContext.setDefault(previous);
      endpoint.stop(0);
    }
  }

  @Test
  void requestWhenFederationUrlDownBeyondBundleMaxStalenessThenPartnerTokenFailsClosed(@TempDir Path dir)
      throws Exception {
    HttpServer endpoint = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    byte[] body = partner.bundle().toJson().getBytes(StandardCharsets.UTF_8);
    endpoint.createContext("/bundle", exchange -> {
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    endpoint.start();
    try (TomcatServer server = server(dir)
        .initParam("allow-insecure-http-bundle", "true")
        .initParam("bundle-max-staleness", "2s")
        .initParam("lanyard.federation.partner.example",
            "http://127.0.0.1:" + endpoint.getAddress().getPort() + "/bundle").start()) {
      assertThat(server.contextAvailable()).as(server.startupErrors()).isTrue();
      assertAllowedAs(getWithToken(server, "/invoices", partner.mintJwtSvid(PARTNER_BILLING, AUDIENCE).token()),
          PARTNER_BILLING);

      endpoint.stop(0);

      // The partner's bundle is held for the filter's bundle-max-staleness (2 s), not the 1 h default.
      Await.until("partner token refused once the partner bundle is stale", () -> getWithToken(server, "/invoices",
          partner.mintJwtSvid(PARTNER_BILLING, AUDIENCE).token()).statusCode() == 503, Duration.ofSeconds(10));
      assertAllowedAs(getWithToken(server, "/orders", own.mintJwtSvid(ORDERS, AUDIENCE).token()), ORDERS);
    } finally {
      endpoint.stop(0);
    }
  }

  @Test
  void startWhenFederationUrlIsCleartextHttpWithoutOptInThenStartupErrorNamingTheInitParam(@TempDir Path dir)
      throws Exception {
    try (TomcatServer server = server(dir)
        .initParam("lanyard.federation.partner.example", "http://127.0.0.1:9/bundle").start()) {
      assertThat(server.contextAvailable()).isFalse();
      assertThat(server.startupErrors()).contains("init-param 'lanyard.federation.partner.example'")
          .contains("cleartext http").contains("allow-insecure-http-bundle");
    }
  }

  @Test
  void startWhenFederationKeyIsNoTrustDomainThenStartupErrorNamingTheInitParam(@TempDir Path dir) throws Exception {
    Path partnerBundle = Files.writeString(dir.resolve("partner.json"), partner.bundle().toJson());
    try (TomcatServer server = server(dir)
        .initParam("lanyard.federation.Partner_Example!", partnerBundle.toString()).start()) {
      assertThat(server.contextAvailable()).isFalse();
      assertThat(server.startupErrors()).contains("init-param 'lanyard.federation.Partner_Example!'")
          .contains("does not name a trust domain");
    }
  }

  @Test
  void startWhenFederationNamesOwnTrustDomainThenStartupErrorNamingTheInitParam(@TempDir Path dir) throws Exception {
    Path ownBundle = Files.writeString(dir.resolve("own.json"), own.bundle().toJson());
    try (TomcatServer server = server(dir)
        .initParam("lanyard.federation.example.org", ownBundle.toString()).start()) {
      assertThat(server.contextAvailable()).isFalse();
      assertThat(server.startupErrors()).contains("init-param 'lanyard.federation.example.org'")
          .contains("own trust domain");
    }
  }

  static SSLContext serverContext(X509Svid svid) throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("server", svid.privateKey(), new char[0], svid.chain().toArray(new Certificate[0]));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, new char[0]);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), null, null);
    return context;
  }

  static SSLContext clientContext(EmbeddedAuthority tls) throws Exception {
    KeyStore roots = KeyStore.getInstance("PKCS12");
    roots.load(null, null);
    roots.setCertificateEntry("root", tls.bundle().x509Authorities().get(0));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(roots);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }
}

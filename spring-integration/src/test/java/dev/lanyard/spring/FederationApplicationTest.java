package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.credentials.X509SvidSource;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.Await;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.tls.SpiffeTls;
import dev.lanyard.trust.FederatedBundleSource;
import dev.lanyard.x509.PeerAuthorizer;
import dev.lanyard.x509.X509Svid;
import dev.lanyard.x509.X509SvidVerifier;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.time.Duration;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A real application on a random port federated with partner.example through
 * {@code lanyard.federation.partner.example=file:...}: the policy rule naming one partner workload lets exactly it
 * in (200), another partner workload and the same path in the own trust domain get 403, a third trust domain 401. A
 * federation key that is not a trust domain, or the own trust domain, stops the start naming the property.
 */
class FederationApplicationTest {
  static final TrustDomain PARTNER = TrustDomain.of("partner.example");
  static final String AUDIENCE = "spiffe://example.org/payments";
  static final EmbeddedAuthority PARTNER_AUTHORITY = EmbeddedAuthority.newBuilder(PARTNER).build();
  static final EmbeddedAuthority STRANGER_AUTHORITY =
      EmbeddedAuthority.newBuilder(TrustDomain.of("other.example")).build();

  final HttpClient http = HttpClient.newHttpClient();

  static SpringApplicationBuilder app(String... properties) {
    return new SpringApplicationBuilder(InvoicesApp.class).web(WebApplicationType.SERVLET).properties(
        "server.port=0",
        "lanyard.spiffe-id=spiffe://example.org/payments",
        "lanyard.policy.rules[0]=GET /invoices spiffe://partner.example/billing",
        "lanyard.policy.rules[1]=GET /orders spiffe://example.org/orders")
        .properties(properties);
  }

  int call(ConfigurableApplicationContext context, String path, String token) throws Exception {
    String port = context.getEnvironment().getProperty("local.server.port");
    return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  static String startupFailure(SpringApplicationBuilder builder) {
    StringBuilder messages = new StringBuilder();
    try (ConfigurableApplicationContext context = builder.run()) {
      throw new AssertionError("started: " + context);
    } catch (RuntimeException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        messages.append(t.getMessage()).append('\n');
      }
    }
    return messages.toString();
  }

  @Test
  void requestWhenFederatedByFileThenOnlyTheNamedPartnerCallerAllowed(@TempDir Path dir) throws Exception {
    Path partnerBundle = Files.writeString(dir.resolve("partner.json"), PARTNER_AUTHORITY.bundle().toJson());

    try (ConfigurableApplicationContext context =
        app("lanyard.federation.partner.example=file:" + partnerBundle).run()) {
      EmbeddedAuthority own = context.getBean(EmbeddedAuthority.class);
      assertThat(context.getBean(BundleSource.class)).isInstanceOf(FederatedBundleSource.class);

      assertThat(call(context, "/invoices", PARTNER_AUTHORITY.mintJwtSvid(
          SpiffeId.parse("spiffe://partner.example/billing"), AUDIENCE).token())).isEqualTo(200);
      assertThat(call(context, "/invoices", PARTNER_AUTHORITY.mintJwtSvid(
          SpiffeId.parse("spiffe://partner.example/other"), AUDIENCE).token())).isEqualTo(403);
      assertThat(call(context, "/invoices", own.mintJwtSvid(
          SpiffeId.parse("spiffe://example.org/billing"), AUDIENCE).token())).isEqualTo(403);
      assertThat(call(context, "/invoices", STRANGER_AUTHORITY.mintJwtSvid(
          SpiffeId.parse("spiffe://other.example/billing"), AUDIENCE).token())).isEqualTo(401);
      assertThat(call(context, "/orders", own.mintJwtSvid(
          SpiffeId.parse("spiffe://example.org/orders"), AUDIENCE).token())).isEqualTo(200);
    }
  }

  @Test
  void mutualTlsWhenPartnerPresentsItsSvidThenOnlyTheNamedPartnerCallerAllowed(@TempDir Path dir) throws Exception {
    Path partnerBundle = Files.writeString(dir.resolve("partner.json"), PARTNER_AUTHORITY.bundle().toJson());

    try (ConfigurableApplicationContext context = app("lanyard.federation.partner.example=file:" + partnerBundle,
        "server.ssl.bundle=lanyard", "server.ssl.client-auth=want").run()) {
      EmbeddedAuthority own = context.getBean(EmbeddedAuthority.class);

      assertThat(mutualTlsCall(context, own, PARTNER_AUTHORITY, "spiffe://partner.example/billing")).isEqualTo(200);
      assertThat(mutualTlsCall(context, own, PARTNER_AUTHORITY, "spiffe://partner.example/other")).isEqualTo(403);
      assertThatThrownBy(() -> mutualTlsCall(context, own, STRANGER_AUTHORITY, "spiffe://other.example/billing"))
          .isInstanceOf(IOException.class);
    }
  }

  /** GET /invoices over mutual TLS with an X.509-SVID of {@code issuer} for {@code id}, trusting the service. */
  int mutualTlsCall(ConfigurableApplicationContext context, EmbeddedAuthority own, EmbeddedAuthority issuer,
      String id) throws Exception {
    X509Svid svid = issuer.issueX509Svid(SpiffeId.parse(id));
    X509SvidSource source = new X509SvidSource() {
      @Override
      public X509Svid current() {
        return svid;
      }

      @Override
      public AutoCloseable addListener(Consumer<X509Svid> listener) {
        return () -> { };
      }
    };
    SSLContext ssl = SpiffeTls.context(source,
        X509SvidVerifier.newBuilder().bundleSource(own.bundleSource()).build(), PeerAuthorizer.any());
    String port = context.getEnvironment().getProperty("local.server.port");
    return HttpClient.newBuilder().sslContext(ssl).build().send(HttpRequest.newBuilder(
        URI.create("https://localhost:" + port + "/invoices")).build(), HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  @Test
  void startWhenFederationKeyIsNotATrustDomainThenFailsNamingTheProperty(@TempDir Path dir) throws Exception {
    Path partnerBundle = Files.writeString(dir.resolve("partner.json"), PARTNER_AUTHORITY.bundle().toJson());

    assertThat(startupFailure(app("lanyard.federation[Partner_Example!]=file:" + partnerBundle)))
        .contains("lanyard.federation.Partner_Example!").contains("the key is not a trust domain");
  }

  @Test
  void startWhenFederationNamesOwnTrustDomainThenFailsNamingTheProperty(@TempDir Path dir) throws Exception {
    Path bundle = Files.writeString(dir.resolve("own.json"), PARTNER_AUTHORITY.bundle().toJson());

    assertThat(startupFailure(app("lanyard.federation.example.org=file:" + bundle)))
        .contains("lanyard.federation.example.org").contains("own trust domain");
  }

  @Test
  void startWhenFederationFileMissingThenFailsNamingTheProperty(@TempDir Path dir) {
    assertThat(startupFailure(app("lanyard.federation.partner.example=file:" + dir.resolve("missing.json"))))
        .contains("lanyard.federation.partner.example").contains("no such file");
  }

  @Test
  void requestWhenFederationUrlDownBeyondBundleMaxStalenessThenPartnerTokenFailsClosed() throws Exception {
    HttpServer endpoint = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    byte[] body = PARTNER_AUTHORITY.bundle().toJson().getBytes(StandardCharsets.UTF_8);
    endpoint.createContext("/bundle", exchange -> {
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    endpoint.start();
    try (ConfigurableApplicationContext context = app("lanyard.allow-insecure-http-bundle=true",
        "lanyard.bundle-max-staleness=2s",
        "lanyard.federation.partner.example=http://127.0.0.1:" + endpoint.getAddress().getPort() + "/bundle").run()) {
      EmbeddedAuthority own = context.getBean(EmbeddedAuthority.class);
      assertThat(call(context, "/invoices", PARTNER_AUTHORITY.mintJwtSvid(
          SpiffeId.parse("spiffe://partner.example/billing"), AUDIENCE).token())).isEqualTo(200);

      endpoint.stop(0);

      // The partner's bundle is held for lanyard.bundle-max-staleness (2 s), not the 1 h default.
      Await.until("partner token refused once the partner bundle is stale", () -> {
        try {
          return call(context, "/invoices", PARTNER_AUTHORITY.mintJwtSvid(
              SpiffeId.parse("spiffe://partner.example/billing"), AUDIENCE).token()) == 503;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, Duration.ofSeconds(10));
      assertThat(call(context, "/orders", own.mintJwtSvid(
          SpiffeId.parse("spiffe://example.org/orders"), AUDIENCE).token())).isEqualTo(200);
    } finally {
      endpoint.stop(0);
    }
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(InvoicesController.class)
  static class InvoicesApp {}

  @RestController
  static class InvoicesController {
    @GetMapping("/invoices")
    String invoices(Principal principal) {
      return "invoices for " + principal.getName();
    }

    @GetMapping("/orders")
    String orders(Principal principal) {
      return "orders for " + principal.getName();
    }
  }
}

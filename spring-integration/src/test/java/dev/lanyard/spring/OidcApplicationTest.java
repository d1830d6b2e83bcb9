package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.testing.KubernetesIssuer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.servlet.context.AnnotationConfigServletWebServerApplicationContext;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A real application on a random port with {@code lanyard.oidc.*} naming a local issuer shaped like Kubernetes' (RS256,
 * discovery and JWKS, cleartext on loopback with the test-only opt-in): a pod token of billing/invoicer is the caller
 * {@code spiffe://example.org/ns/billing/sa/invoicer}, allowed by the rule naming it (200) and refused elsewhere
 * (403); a token living longer than the bound, or for another audience, gets 401; JWT-SVIDs keep working. Both the
 * Spring Security path and the plain servlet filter (no Spring Security on the class path) route alike. Bad
 * {@code lanyard.oidc.*} values stop the start naming the property.
 */
class OidcApplicationTest {
  static final String AUDIENCE = "spiffe://example.org/payments";
  static final String[] PROPERTIES = {
      "server.port=0",
      "lanyard.spiffe-id=spiffe://example.org/payments",
      "lanyard.policy.rules[0]=GET /invoices spiffe://example.org/ns/billing/sa/invoicer",
      "lanyard.policy.rules[1]=GET /orders spiffe://example.org/orders",
      "lanyard.oidc.allow-insecure-http=true"};

  static KubernetesIssuer issuer;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void issuer() throws Exception {
    issuer = KubernetesIssuer.http();
  }

  @AfterAll
  static void close() {
    issuer.close();
  }

  static SpringApplicationBuilder app(String... properties) {
    return new SpringApplicationBuilder(InvoicesApp.class).web(WebApplicationType.SERVLET).properties(PROPERTIES)
        .properties(properties);
  }

  HttpResponse<String> call(int port, String path, String token) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
  }

  String pod(Duration ttl, String audience) {
    return issuer.podToken("billing", "invoicer", audience, Instant.now().minusSeconds(5), ttl);
  }

  void assertOidcBehaviour(int port, EmbeddedAuthority own) throws Exception {
    HttpResponse<String> allowed = call(port, "/invoices", pod(Duration.ofMinutes(10), AUDIENCE));
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(allowed.body()).isEqualTo("invoices for spiffe://example.org/ns/billing/sa/invoicer");
    assertThat(call(port, "/orders", pod(Duration.ofMinutes(10), AUDIENCE)).statusCode()).isEqualTo(403);

    HttpResponse<String> tooLong = call(port, "/invoices", pod(Duration.ofHours(2), AUDIENCE));
    assertThat(tooLong.statusCode()).isEqualTo(401);
    assertThat(tooLong.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
        challenge -> assertThat(challenge).contains("invalid_token"));
    assertThat(call(port, "/invoices", pod(Duration.ofMinutes(10), "spiffe://example.org/other")).statusCode())
        .isEqualTo(401);

    String svid = own.mintJwtSvid(SpiffeId.parse("spiffe://example.org/orders"), AUDIENCE).token();
    HttpResponse<String> jwtSvid = call(port, "/orders", svid);
    assertThat(jwtSvid.statusCode()).isEqualTo(200);
    assertThat(jwtSvid.body()).isEqualTo("orders for spiffe://example.org/orders");
  }

  @Test
  void requestWhenPodTokenOfAllowedIssuerWithSpringSecurityThenMappedCallerDecidedByPolicy() throws Exception {
    try (ConfigurableApplicationContext context = app("lanyard.oidc.issuers[0]=" + issuer.issuer()).run()) {
      int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));

      assertOidcBehaviour(port, context.getBean(EmbeddedAuthority.class));
    }
  }

  @Test
  void requestWhenPodTokenOfAllowedIssuerWithoutSpringSecurityThenMappedCallerDecidedByPolicy() {
    new WebApplicationContextRunner(AnnotationConfigServletWebServerApplicationContext::new)
        .withClassLoader(new FilteredClassLoader("org.springframework.security"))
        .withConfiguration(AutoConfigurations.of(LanyardAutoConfiguration.class, SslAutoConfiguration.class,
            TomcatServletWebServerAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
            WebMvcAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class))
        .withUserConfiguration(InvoicesController.class)
        .withPropertyValues(PROPERTIES)
        .withPropertyValues("lanyard.oidc.issuers[0]=" + issuer.issuer())
        .run(context -> {
          assertThat(context).hasNotFailed();
          int port = ((WebServerApplicationContext) context.getSourceApplicationContext()).getWebServer().getPort();

          assertOidcBehaviour(port, context.getBean(EmbeddedAuthority.class));
        });
  }

  @Test
  void requestWhenOidcAudienceAndTrustDomainSetThenTokensForThatAudienceMapIntoThatTrustDomain() throws Exception {
    try (ConfigurableApplicationContext context = app("lanyard.oidc.issuers[0]=" + issuer.issuer(),
        "lanyard.oidc.audience=https://payments.example", "lanyard.oidc.trust-domain=cluster.example",
        "lanyard.policy.rules[2]=GET /cluster spiffe://cluster.example/ns/billing/sa/invoicer").run()) {
      int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));

      HttpResponse<String> mapped = call(port, "/cluster", pod(Duration.ofMinutes(10), "https://payments.example"));
      assertThat(mapped.statusCode()).isEqualTo(200);
      assertThat(mapped.body()).isEqualTo("cluster for spiffe://cluster.example/ns/billing/sa/invoicer");
      assertThat(call(port, "/cluster", pod(Duration.ofMinutes(10), AUDIENCE)).statusCode()).isEqualTo(401);
    }
  }

  @Test
  void requestWhenOidcMaxTokenLifetimeRaisedThenLongerTokenAccepted() throws Exception {
    try (ConfigurableApplicationContext context = app("lanyard.oidc.issuers[0]=" + issuer.issuer(),
        "lanyard.oidc.max-token-lifetime=3h").run()) {
      int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));

      assertThat(call(port, "/invoices", pod(Duration.ofHours(2), AUDIENCE)).statusCode()).isEqualTo(200);
      assertThat(call(port, "/invoices", pod(Duration.ofHours(4), AUDIENCE)).statusCode()).isEqualTo(401);
    }
  }

  @Test
  void startWhenOidcMaxTokenLifetimeOutOfBoundsThenFailsNamingTheProperty() {
    assertThat(FederationApplicationTest.startupFailure(app("lanyard.oidc.issuers[0]=" + issuer.issuer(),
        "lanyard.oidc.max-token-lifetime=48h")))
        .contains("lanyard.oidc.max-token-lifetime").contains("at most 24h");
    assertThat(FederationApplicationTest.startupFailure(app("lanyard.oidc.issuers[0]=" + issuer.issuer(),
        "lanyard.oidc.max-token-lifetime=0s")))
        .contains("lanyard.oidc.max-token-lifetime").contains("more than 0");
  }

  @Test
  void startWhenOidcIssuerIsCleartextWithoutOptInThenFailsNamingTheProperty() {
    assertThat(FederationApplicationTest.startupFailure(app("lanyard.oidc.issuers[0]=" + issuer.issuer(),
        "lanyard.oidc.allow-insecure-http=false")))
        .contains("lanyard.oidc.issuers[0]").contains("cleartext http")
        .contains("lanyard.oidc.allow-insecure-http=true");
  }

  @Test
  void startWhenOidcPropertiesSetWithoutIssuersThenFailsNamingTheIssuersProperty() {
    assertThat(FederationApplicationTest.startupFailure(new SpringApplicationBuilder(InvoicesApp.class)
        .web(WebApplicationType.SERVLET).properties("server.port=0", "lanyard.spiffe-id=spiffe://example.org/payments",
            "lanyard.policy.rules[0]=GET /orders spiffe://example.org/orders",
            "lanyard.oidc.audience=https://payments.example")))
        .contains("lanyard.oidc.issuers").contains("is required");
  }

  @Test
  void startWhenOidcIssuerIsNoUrlOrTrustDomainBadThenFailsNamingTheProperty() {
    assertThat(FederationApplicationTest.startupFailure(app("lanyard.oidc.issuers[0]=kubernetes.default.svc")))
        .contains("lanyard.oidc.issuers[0]").contains("https URL");
    assertThat(FederationApplicationTest.startupFailure(app("lanyard.oidc.issuers[0]=" + issuer.issuer(),
        "lanyard.oidc.trust-domain=Not A Domain!")))
        .contains("lanyard.oidc.trust-domain");
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

    @GetMapping("/cluster")
    String cluster(Principal principal) {
      return "cluster for " + principal.getName();
    }
  }
}

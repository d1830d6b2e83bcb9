package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.credentials.RotatingX509SvidSource;
import dev.lanyard.policy.Caller;
import dev.lanyard.servlet.LanyardFilter;
import jakarta.servlet.http.HttpServletRequest;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.restclient.RestTemplateBuilder;
import org.springframework.boot.restclient.autoconfigure.RestClientSsl;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;

/**
 * Two real applications sharing one persisted embedded authority: "payments" serves HTTPS with the {@code lanyard}
 * SSL bundle (client certificates wanted), "orders" calls it through Spring Boot's RestClient and RestTemplate, which
 * the starter makes attach tokens for the configured target, over mutual TLS with its own {@code lanyard} bundle.
 */
class ClientAndTlsApplicationTest {
  @TempDir
  static Path dir;

  static ConfigurableApplicationContext payments;
  static ConfigurableApplicationContext orders;
  static int paymentsPort;
  static int ordersPort;

  @BeforeAll
  static void start() {
    String authorityDir = dir.resolve("authority").toString();
    payments = new SpringApplicationBuilder(PaymentsApp.class).properties(
        "server.port=0",
        "server.ssl.bundle=lanyard",
        "server.ssl.client-auth=want",
        "spring.main.banner-mode=off",
        "lanyard.spiffe-id=spiffe://example.org/payments",
        "lanyard.authority.dir=" + authorityDir,
        "lanyard.policy.rules[0]=POST /api/charge spiffe://example.org/orders payments:charge",
        "lanyard.policy.rules[1]=GET /api/mtls spiffe://example.org/orders",
        "lanyard.policy.rules[2]=GET /public/** public",
        "lanyard.policy.rules[3]=GET /api/moved spiffe://example.org/orders").run();
    paymentsPort = ((WebServerApplicationContext) payments).getWebServer().getPort();
    orders = new SpringApplicationBuilder(OrdersApp.class).properties(
        "server.port=0",
        "spring.main.banner-mode=off",
        "payments.base=https://localhost:" + paymentsPort,
        "spring.http.clients.ssl.bundle=lanyard",
        "lanyard.spiffe-id=spiffe://example.org/orders",
        "lanyard.authority.dir=" + authorityDir,
        "lanyard.policy.rules[0]=GET /order/** public",
        "lanyard.client.targets.payments.url=https://localhost:" + paymentsPort + "/api",
        "lanyard.client.targets.payments.audience=spiffe://example.org/payments",
        "lanyard.client.targets.payments.scopes=payments:charge").run();
    ordersPort = ((WebServerApplicationContext) orders).getWebServer().getPort();
  }

  @AfterAll
  static void stop() {
    if (orders != null) {
      orders.close();
    }
    if (payments != null) {
      payments.close();
    }
  }

  private static HttpResponse<String> get(HttpClient client, String url) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static SslBundle ordersBundle() {
    return orders.getBean(SslBundles.class).getBundle("lanyard");
  }

  @Test
  void restClientWhenCallingTargetThenTokenAttachedOverMutualTls() throws Exception {
    HttpResponse<String> response = get(HttpClient.newHttpClient(),
        "http://localhost:" + ordersPort + "/order/charge");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("charged by spiffe://example.org/orders via JWT_SVID_AND_X509_SVID");
  }

  @Test
  void restTemplateWhenCallingTargetWithDefaultClientBundleThenTokenAttachedOverMutualTls() throws Exception {
    HttpResponse<String> response = get(HttpClient.newHttpClient(),
        "http://localhost:" + ordersPort + "/order/charge-with-template");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("charged by spiffe://example.org/orders via JWT_SVID_AND_X509_SVID");
  }

  @Test
  void restClientWhenUrlMatchesNoTargetThenNoToken() throws Exception {
    HttpResponse<String> response = get(HttpClient.newHttpClient(), "http://localhost:" + ordersPort + "/order/echo");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("authorization absent, caller none");
  }

  @Test
  void restClientWhenTargetRedirectsElsewhereThenRedirectNotFollowedSoTokenStays() throws Exception {
    assertThat(orders.getEnvironment().getProperty("spring.http.clients.redirects")).isEqualTo("dont-follow");
    HttpResponse<String> response = get(HttpClient.newHttpClient(), "http://localhost:" + ordersPort + "/order/moved");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("302 https://127.0.0.1:" + paymentsPort + "/public/echo");
    assertThat(payments.getEnvironment().getProperty("spring.http.clients.redirects")).isNull();
  }

  @Test
  void mutualTlsWhenClientPresentsItsSvidThenCallerIsItsSpiffeId() throws Exception {
    HttpClient client = HttpClient.newBuilder().sslContext(ordersBundle().createSslContext()).build();
    HttpResponse<String> response = get(client, "https://localhost:" + paymentsPort + "/api/mtls");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("mtls spiffe://example.org/orders via X509_SVID");
    X509Certificate server = (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
    assertThat(server.getSubjectAlternativeNames().iterator().next().get(1)).isEqualTo("spiffe://example.org/payments");
  }

  @Test
  void mutualTlsWhenClientPresentsNoCertificateNorTokenThenUnauthorized() throws Exception {
    SSLContext trustOnly = SSLContext.getInstance("TLS");
    trustOnly.init(null, ordersBundle().getManagers().getTrustManagers(), null);
    HttpResponse<String> response = get(HttpClient.newBuilder().sslContext(trustOnly).build(),
        "https://localhost:" + paymentsPort + "/api/mtls");
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"example.org\"");
  }

  @Test
  void sslBundleWhenSvidRotatesThenServerPresentsTheNewOne() throws Exception {
    LanyardIdentity identity = payments.getBean(LanyardIdentity.class);
    BigInteger before = serverSerial();
    assertThat(before.toString(16)).isEqualTo(identity.x509Svids().current().serial());
    assertThat(((RotatingX509SvidSource) identity.x509Svids()).renewNow()).isTrue();
    BigInteger after = serverSerial();
    assertThat(after).isNotEqualTo(before);
    assertThat(after.toString(16)).isEqualTo(identity.x509Svids().current().serial());
  }

  private static BigInteger serverSerial() throws Exception {
    HttpClient client = HttpClient.newBuilder().sslContext(ordersBundle().createSslContext()).build();
    HttpResponse<String> response = get(client, "https://localhost:" + paymentsPort + "/public/echo");
    assertThat(response.statusCode()).isEqualTo(200);
    return ((X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0]).getSerialNumber();
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(PaymentsController.class)
  static class PaymentsApp {}

  @RestController
  static class PaymentsController {
    @PostMapping("/api/charge")
    String charge(HttpServletRequest request) {
      Caller caller = (Caller) request.getAttribute(LanyardFilter.CALLER_ATTRIBUTE);
      return "charged by " + request.getUserPrincipal().getName() + " via " + caller.credentialType();
    }

    @GetMapping("/api/mtls")
    String mtls(HttpServletRequest request) {
      Caller caller = (Caller) request.getAttribute(LanyardFilter.CALLER_ATTRIBUTE);
      return "mtls " + request.getUserPrincipal().getName() + " via " + caller.credentialType();
    }

    @GetMapping("/api/moved")
    org.springframework.http.ResponseEntity<Void> moved(HttpServletRequest request) {
      // Another origin (127.0.0.1 is not the target's host "localhost"), where the token must not go.
      return org.springframework.http.ResponseEntity.status(302)
          .header("Location", "https://127.0.0.1:" + request.getLocalPort() + "/public/echo").build();
    }

    @GetMapping("/public/echo")
    String echo(@RequestHeader(name = "Authorization", required = false) String authorization,
        HttpServletRequest request) {
      Object caller = request.getAttribute(LanyardFilter.CALLER_ATTRIBUTE);
      return "authorization " + (authorization == null ? "absent" : "present") + ", caller "
          + (caller == null ? "none" : caller);
    }
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(OrdersController.class)
  static class OrdersApp {}

  @RestController
  static class OrdersController {
    private final RestClient payments;
    private final RestTemplate template;
    private final String base;

    OrdersController(RestClient.Builder builder, RestClientSsl ssl, RestTemplateBuilder templates,
        @Value("${payments.base}") String base) {
      this.payments = builder.apply(ssl.fromBundle("lanyard")).build();
      this.template = templates.build();  // TLS from spring.http.clients.ssl.bundle=lanyard
      this.base = base;
    }

    @GetMapping("/order/charge")
    String charge() {
      return payments.post().uri(base + "/api/charge").retrieve().body(String.class);
    }

    @GetMapping("/order/charge-with-template")
    String chargeWithTemplate() {
      return template.postForObject(base + "/api/charge", null, String.class);
    }

    @GetMapping("/order/moved")
    String moved() {
      org.springframework.http.ResponseEntity<String> response = payments.get().uri(base + "/api/moved").retrieve()
          .toEntity(String.class);
      return response.getStatusCode().value() + " " + response.getHeaders().getLocation();
    }

    @GetMapping("/order/echo")
    String echo() {
      return payments.get().uri(base + "/public/echo").retrieve().body(String.class);
    }
  }
}

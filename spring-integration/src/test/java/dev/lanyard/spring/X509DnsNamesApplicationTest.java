package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code lanyard.x509.dns-names}: a real application serving HTTPS with the {@code lanyard} SSL bundle, reached by a
 * plain client that trusts only the trust domain's roots and checks the host name as curl and browsers do.
 */
@ExtendWith(OutputCaptureExtension.class)
class X509DnsNamesApplicationTest {
  static ConfigurableApplicationContext payments;
  static int port;

  @BeforeAll
  static void start() {
    payments = new SpringApplicationBuilder(App.class).properties(
        "server.port=0",
        "server.ssl.bundle=lanyard",
        "server.ssl.client-auth=want",
        "spring.main.banner-mode=off",
        "lanyard.spiffe-id=spiffe://example.org/payments",
        "lanyard.x509.dns-names=localhost,payments.internal",
        "lanyard.policy.rules[0]=GET /api/** spiffe://example.org/orders").run();
    port = ((WebServerApplicationContext) payments).getWebServer().getPort();
  }

  @AfterAll
  static void stop() {
    if (payments != null) {
      payments.close();
    }
  }

  /** A client as curl is: no client certificate, PKIX against the trust domain's roots, host names checked. */
  private static HttpClient hostnameCheckingClient() throws Exception {
    KeyStore roots = KeyStore.getInstance("PKCS12");
    roots.load(null, null);
    List<X509Certificate> authorities = payments.getBean(LanyardIdentity.class).bundles()
        .bundleFor(dev.lanyard.spiffe.TrustDomain.of("example.org")).orElseThrow().x509Authorities();
    for (int i = 0; i < authorities.size(); i++) {
      roots.setCertificateEntry("root-" + i, authorities.get(i));
    }
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(roots);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(context).build();
  }

  @Test
  void handshakeWhenHostNameIsADnsNameOfTheSvidThenAcceptedWithHostnameVerification() throws Exception {
    HttpResponse<String> response = hostnameCheckingClient().send(
        HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/api/x")).build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(401);
    X509Certificate server = (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
    assertThat(server.getSubjectAlternativeNames().stream().map(name -> String.valueOf(name.get(1))).toList())
        .containsExactlyInAnyOrder("spiffe://example.org/payments", "localhost", "payments.internal");
  }

  @Test
  void handshakeWhenHostNameIsNotADnsNameOfTheSvidThenRefusedByHostnameVerification() {
    assertThatThrownBy(() -> hostnameCheckingClient().send(
        HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/api/x")).build(),
        HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(SSLHandshakeException.class)
        .hasMessageContaining("127.0.0.1");
  }

  @Test
  void startupWhenDnsNameInvalidThenApplicationFailsNamingTheProperty(CapturedOutput output) {
    assertThatThrownBy(() -> new SpringApplicationBuilder(App.class)
        .properties("server.port=0", "spring.main.banner-mode=off",
            "lanyard.spiffe-id=spiffe://example.org/payments",
            "lanyard.x509.dns-names=localhost,bad_name.example",
            "lanyard.policy.rules[0]=GET /api/** any").run())
        .hasRootCauseMessage("Property lanyard.x509.dns-names[1] with value 'bad_name.example' is invalid: not a DNS "
            + "name (letters, digits and '-' in labels separated by '.', no trailing dot, not an IP address; a "
            + "wildcard only as '*.' before two labels or more)");

    assertThat(output.getOut()).contains("APPLICATION FAILED TO START")
        .contains("Invalid value 'bad_name.example' for configuration property 'lanyard.x509.dns-names[1]'");
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {}
}

package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.authority.AuthorityCa;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.credentials.RotatingX509SvidSource;
import dev.lanyard.credentials.X509SvidSource;
import dev.lanyard.policy.Caller;
import dev.lanyard.servlet.LanyardFilter;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.Await;
import dev.lanyard.tls.SpiffeTls;
import dev.lanyard.x509.PeerAuthorizer;
import dev.lanyard.x509.X509Svid;
import dev.lanyard.x509.X509SvidVerifier;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStoreException;
import java.time.Duration;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The SSL bundle {@code lanyard} served by a real application (Tomcat, client certificates wanted) follows the trust
 * domain's X.509 roots: a CA activated in the authority's directory by another process (here another handle on the
 * same directory) is trusted before the server's own SVID renews, and a CA removed from the bundle is refused at the
 * handshake.
 */
@ExtendWith(OutputCaptureExtension.class)
class LanyardSslBundleTest {
  private static final TrustDomain TD = TrustDomain.of("example.org");
  private static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  private static final Duration CHANGE_SEEN_WITHIN = Duration.ofSeconds(10);

  @TempDir
  static Path dir;

  static ConfigurableApplicationContext payments;
  static int port;
  /** Another process's handle on the authority's directory: the one an operator rotates CAs with. */
  static EmbeddedAuthority operator;

  @BeforeAll
  static void start() {
    Path authorityDir = dir.resolve("authority");
    payments = MtlsServerFixture.startPayments(PaymentsApp.class, authorityDir,
        "GET /api/mtls spiffe://example.org/orders");
    port = MtlsServerFixture.port(payments);
    operator = EmbeddedAuthority.open(authorityDir);
  }

  @AfterAll
  static void stop() {
    if (payments != null) {
      payments.close();
    }
  }

  @Test
  void serverWhenNewCaActivatedBeforeOwnSvidRenewsThenCallerWithSvidOfNewCaAccepted() throws Exception {
    String serverSerial = serverSvid().serial();
    AuthorityCa next = activateNewCa();
    X509Svid caller = operator.issueX509Svid(ORDERS);
    assertThat(caller.leaf().getIssuerX500Principal()).isEqualTo(next.certificate().getSubjectX500Principal());

    Await.until("a caller with an SVID of the new CA is accepted", () -> accepted(caller), CHANGE_SEEN_WITHIN);

    assertThat(serverTrusts(next)).isTrue();
    HttpResponse<String> response = call(caller);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("mtls spiffe://example.org/orders via X509_SVID");
    assertThat(serverSvid().serial()).as("the server's own SVID did not renew").isEqualTo(serverSerial);
  }

  @Test
  void serverWhenCaRemovedFromBundleThenCallerWithSvidOfThatCaRefusedAtHandshake() throws Exception {
    AuthorityCa removed = activateNewCa();
    X509Svid caller = operator.issueX509Svid(ORDERS);
    awaitServerTrusts(removed);
    Await.until("a caller with an SVID of the new CA is accepted", () -> accepted(caller), CHANGE_SEEN_WITHIN);

    AuthorityCa next = activateNewCa();
    operator.revokeX509Ca(removed.id());
    Await.until("the server's trust store drops the removed CA", () -> !serverTrusts(removed), CHANGE_SEEN_WITHIN);
    // The registry hands out the new bundle just before Tomcat has loaded it; a moment later the handshake refuses.
    Await.until("a caller with an SVID of the removed CA is refused", () -> refusedAtHandshake(caller),
        CHANGE_SEEN_WITHIN);

    assertThatThrownBy(() -> call(caller)).isInstanceOf(IOException.class)
        .satisfies(e -> assertThat(sslCause(e)).as("refused by the TLS handshake").isNotNull());
    X509Svid ofNextCa = operator.issueX509Svid(ORDERS);
    assertThat(ofNextCa.leaf().getIssuerX500Principal()).isEqualTo(next.certificate().getSubjectX500Principal());
    Await.until("a caller with an SVID of the CA now active is accepted", () -> accepted(ofNextCa),
        CHANGE_SEEN_WITHIN);
  }

  @Test
  void updateWhenBundleUsedOnlyByClientsThenNoWarningAboutSslReloading(CapturedOutput output) {
    // A service that calls others over mTLS, does not serve HTTPS and has no actuator metrics (the examples' orders):
    // nothing in Spring Boot registers for updates of the bundle, and Spring Boot warned at every rotation that it
    // "may be in use by a technology that doesn't support SSL reloading".
    try (ConfigurableApplicationContext client = new SpringApplicationBuilder(ClientApp.class).properties(
        "spring.main.web-application-type=none",
        "spring.autoconfigure.exclude="
            + "org.springframework.boot.micrometer.metrics.autoconfigure.ssl.SslMetricsAutoConfiguration",
        "spring.main.banner-mode=off",
        "spring.http.clients.ssl.bundle=lanyard",
        "lanyard.spiffe-id=spiffe://example.org/orders",
        "lanyard.policy.rules[0]=GET /none public").run()) {
      RotatingX509SvidSource svids = (RotatingX509SvidSource) client.getBean(LanyardIdentity.class).x509Svids();

      assertThat(svids.renewNow()).isTrue();

      assertThat(output.getAll()).contains("SSL bundle 'lanyard' updated with X.509-SVID serial "
          + svids.current().serial()).doesNotContain("doesn't support SSL reloading");
    }
  }

  /** Prepares and activates a new CA in the shared directory; returns it. */
  private static AuthorityCa activateNewCa() {
    return MtlsServerFixture.activateNewCa(operator);
  }

  private static void awaitServerTrusts(AuthorityCa ca) {
    Await.until("the server's trust store holds CA " + ca.id(), () -> serverTrusts(ca), CHANGE_SEEN_WITHIN);
  }

  private static boolean serverTrusts(AuthorityCa ca) {
    try {
      return payments.getBean(SslBundles.class).getBundle("lanyard").getStores().getTrustStore()
          .getCertificateAlias(ca.certificate()) != null;
    } catch (KeyStoreException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean accepted(X509Svid caller) {
    try {
      return call(caller).statusCode() == 200;
    } catch (Exception e) {
      return false;
    }
  }

  private static boolean refusedAtHandshake(X509Svid caller) {
    try {
      call(caller);
      return false;
    } catch (Exception e) {
      return sslCause(e) != null;
    }
  }

  private static X509Svid serverSvid() {
    return payments.getBean(LanyardIdentity.class).x509Svids().current();
  }

  /** One request over a new TLS connection presenting {@code svid}. */
  private static HttpResponse<String> call(X509Svid svid) throws Exception {
    X509SvidVerifier verifier = X509SvidVerifier.newBuilder().bundleSource(operator.bundleSource()).trustDomains(TD)
        .build();
    HttpClient client = HttpClient.newBuilder()
        .sslContext(SpiffeTls.context(fixed(svid), verifier, PeerAuthorizer.memberOf(TD))).build();
    return client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/api/mtls")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static X509SvidSource fixed(X509Svid svid) {
    return MtlsServerFixture.fixed(svid);
  }

  private static @Nullable SSLException sslCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SSLException ssl) {
        return ssl;
      }
    }
    return null;
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(PaymentsController.class)
  static class PaymentsApp {}

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class ClientApp {}

  @RestController
  static class PaymentsController {
    @GetMapping("/api/mtls")
    String mtls(HttpServletRequest request) {
      Caller caller = (Caller) request.getAttribute(LanyardFilter.CALLER_ATTRIBUTE);
      return "mtls " + request.getUserPrincipal().getName() + " via " + caller.credentialType();
    }
  }
}

package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.policy.Caller;
import dev.lanyard.servlet.LanyardFilter;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.x509.X509Svid;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A real application on a random port with {@code lanyard.identity.source=files}: its X.509-SVID, key, bundle,
 * JWT-SVID and JWT bundle are files a sidecar would keep current (written here from a real authority), and a
 * caller's token is verified with the JWT bundle file and allowed by policy.
 */
class FilesLanyardIdentityTest {
  static final SpiffeId PAYMENTS = SpiffeId.parse("spiffe://example.org/payments");
  static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  static final EmbeddedAuthority AUTHORITY = EmbeddedAuthority.newBuilder(TrustDomain.of("example.org")).build();

  @TempDir
  static Path dir;

  static X509Svid svid;
  static ConfigurableApplicationContext payments;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    svid = AUTHORITY.issue(PAYMENTS, Duration.ofHours(1));
    Files.writeString(dir.resolve("svid.pem"), svid.chainPem());
    Files.writeString(dir.resolve("svid_key.pem"), svid.privateKeyPem());
    Files.writeString(dir.resolve("svid_bundle.pem"), AUTHORITY.bundle().toPem());
    Files.writeString(dir.resolve("jwt_svid.token"),
        AUTHORITY.mint(PAYMENTS, List.of("spiffe://example.org/ledger"), List.of(), Duration.ofMinutes(5)).token());
    Files.writeString(dir.resolve("jwt_bundle.json"), AUTHORITY.bundle().toJson());
    payments = app(properties(null)).run();
    port = ((WebServerApplicationContext) payments).getWebServer().getPort();
  }

  static String[] properties(String missing) {
    return new String[] {
        "server.port=0",
        "spring.main.banner-mode=off",
        "lanyard.spiffe-id=" + PAYMENTS,
        "lanyard.identity.source=files",
        "lanyard.files.certificate=" + dir.resolve("svid.pem"),
        "lanyard.files.key=" + dir.resolve(missing != null ? missing : "svid_key.pem"),
        "lanyard.files.bundle=" + dir.resolve("svid_bundle.pem"),
        "lanyard.files.jwt-token=" + dir.resolve("jwt_svid.token"),
        "lanyard.files.jwt-bundle=" + dir.resolve("jwt_bundle.json"),
        "lanyard.policy.rules[0]=GET /api/hello " + ORDERS};
  }

  static SpringApplicationBuilder app(String... properties) {
    return new SpringApplicationBuilder(PaymentsApp.class).properties(properties);
  }

  @AfterAll
  static void stop() {
    if (payments != null) {
      payments.close();
    }
  }

  private static HttpResponse<String> get(String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/hello"));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void identityWhenSourceIsFilesThenTheFilesSvidAndTokenAndNoEmbeddedAuthority() {
    LanyardIdentity identity = payments.getBean(LanyardIdentity.class);

    assertThat(identity).isInstanceOf(FilesLanyardIdentity.class);
    assertThat(identity.spiffeId()).isEqualTo(PAYMENTS);
    assertThat(identity.x509Svids().current().serial()).isEqualTo(svid.serial());
    assertThat(identity.jwtSvids().fetch("spiffe://example.org/ledger").subject()).isEqualTo(PAYMENTS);
    assertThat(payments.getBeansOfType(EmbeddedAuthority.class)).isEmpty();
  }

  @Test
  void requestWhenCallerTokenSignedByKeyOfJwtBundleFileThenAllowed() throws Exception {
    String token = AUTHORITY.mintJwtSvid(ORDERS, PAYMENTS.toString()).token();

    HttpResponse<String> response = get(token);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("hello " + ORDERS + " via JWT_SVID");
    assertThat(get(null).statusCode()).isEqualTo(401);
  }

  @Test
  void startWhenKeyFileMissingThenFailsNamingTheProperty() {
    assertThatThrownBy(() -> app(properties("nowhere.pem")).run())
        .hasRootCauseInstanceOf(InvalidConfigurationPropertyValueException.class)
        .rootCause().hasMessageContaining("lanyard.files.key");
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(HelloController.class)
  static class PaymentsApp {}

  @RestController
  static class HelloController {
    @GetMapping("/api/hello")
    String hello(HttpServletRequest request) {
      Caller caller = (Caller) request.getAttribute(LanyardFilter.CALLER_ATTRIBUTE);
      return "hello " + request.getUserPrincipal().getName() + " via " + caller.credentialType();
    }
  }
}

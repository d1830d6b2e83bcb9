package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.application.SslHealthIndicator;
import org.springframework.boot.info.SslInfo;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Actuator health of a real application with the {@code lanyard} SSL bundle: Spring Boot's {@code ssl} indicator no
 * longer lists the hour-long SVID as expiring, and the {@code lanyard} indicator reports the SVID instead.
 */
class SslBundlesWithoutLanyardTest {
  static ConfigurableApplicationContext app;
  static int port;

  @BeforeAll
  static void start() {
    app = new SpringApplicationBuilder(App.class).properties(
        "server.port=0",
        "spring.main.banner-mode=off",
        "management.endpoints.web.exposure.include=health",
        "management.endpoint.health.show-details=always",
        "lanyard.spiffe-id=spiffe://example.org/payments",
        "lanyard.policy.rules[0]=GET /actuator/health/** public").run();
    port = ((WebServerApplicationContext) app).getWebServer().getPort();
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void sslHealthWhenLanyardBundleRegisteredThenNotListedAsExpiring() throws Exception {
    assertThat(app.getBean(SslBundles.class).getBundleNames()).contains(LanyardSslBundle.NAME);

    HttpResponse<String> health = get("/actuator/health/ssl");

    assertThat(health.statusCode()).isEqualTo(200);
    assertThat((String) JsonPath.read(health.body(), "$.status")).isEqualTo("UP");
    assertThat(JsonPath.<List<Object>>read(health.body(), "$.details.expiringChains")).isEmpty();
    assertThat(health.body()).doesNotContain("spiffe://");
  }

  @Test
  void sslHealthOfBootOverEveryBundleThenTheFalseAlarmThisRemoves() {
    SslHealthIndicator boots = new SslHealthIndicator(new SslInfo(app.getBean(SslBundles.class)), Duration.ofDays(14));

    assertThat((List<?>) boots.health(true).getDetails().get("expiringChains")).isNotEmpty();
  }

  @Test
  void lanyardHealthWhenSvidFreshThenUpWithExpiryAndNextRenewal() throws Exception {
    LanyardIdentity identity = app.getBean(LanyardIdentity.class);

    HttpResponse<String> health = get("/actuator/health/lanyard");

    assertThat(health.statusCode()).isEqualTo(200);
    assertThat((String) JsonPath.read(health.body(), "$.status")).isEqualTo("UP");
    assertThat((String) JsonPath.read(health.body(), "$.details.x509SvidExpiresAt"))
        .isEqualTo(identity.x509Svids().current().expiresAt().toString());
    assertThat((String) JsonPath.read(health.body(), "$.details.x509SvidNextRenewal")).isNotBlank();
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {}
}

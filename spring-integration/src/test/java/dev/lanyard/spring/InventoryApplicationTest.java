package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.audit.AuditEvent;
import dev.lanyard.audit.AuditSink;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.spiffe.SpiffeId;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A real application on a random port with {@code lanyard.inventory.file}: a deploy-only caller gets 403 (audited
 * with reason {@code DEPLOY_ONLY_IDENTITY}) even though policy allows it, a listed runtime caller 200; the embedded
 * authority refuses unlisted IDs and caps TTLs at the listed maximum. A bad file stops the start naming the property.
 */
class InventoryApplicationTest {
  static final String AUDIENCE = "spiffe://example.org/payments";
  static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  static final SpiffeId DEPLOYER = SpiffeId.parse("spiffe://example.org/ci/deployer");
  static final String INVENTORY = """
      {"format": "lanyard-inventory/1", "identities": [
        {"id": "spiffe://example.org/payments", "owner": "team-payments"},
        {"id": "spiffe://example.org/orders", "owner": "team-orders", "maxTtl": "2m"},
        {"id": "spiffe://example.org/ci/deployer", "owner": "platform", "deployOnly": true}
      ]}""";
  static final List<AuditEvent> EVENTS = new CopyOnWriteArrayList<>();

  final HttpClient http = HttpClient.newHttpClient();

  static SpringApplicationBuilder app(String... properties) {
    return new SpringApplicationBuilder(OrdersApp.class).web(WebApplicationType.SERVLET)
        .properties("server.port=0", "lanyard.spiffe-id=" + AUDIENCE,
            "lanyard.policy.rules[0]=GET /orders spiffe://example.org/orders,spiffe://example.org/ci/deployer")
        .properties(properties);
  }

  HttpResponse<String> call(int port, String token) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/orders"))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void requestWhenInventoryFileMarksCallerDeployOnlyThen403WithItsReasonAndRuntimeCallerAllowed(@TempDir Path dir)
      throws Exception {
    Path inventory = Files.writeString(dir.resolve("inventory.json"), INVENTORY);
    EVENTS.clear();
    try (ConfigurableApplicationContext context = app("lanyard.inventory.file=file:" + inventory).run()) {
      int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
      EmbeddedAuthority authority = context.getBean(EmbeddedAuthority.class);

      HttpResponse<String> deployer = call(port, authority.mintJwtSvid(DEPLOYER, AUDIENCE).token());
      HttpResponse<String> orders = call(port, authority.mintJwtSvid(ORDERS, AUDIENCE).token());

      assertThat(deployer.statusCode()).isEqualTo(403);
      assertThat(orders.statusCode()).isEqualTo(200);
      assertThat(orders.body()).isEqualTo("orders for spiffe://example.org/orders");
      AuditEvent refused = EVENTS.stream().filter(e -> e.caller().orElse("").equals(DEPLOYER.toString()))
          .findFirst().orElseThrow();
      assertThat(refused.decision()).isEqualTo(AuditEvent.Decision.DENIED);
      assertThat(refused.reason()).contains("DEPLOY_ONLY_IDENTITY");
      assertThat(refused.toJson()).contains("\"reason\":\"DEPLOY_ONLY_IDENTITY\"");
    }
  }

  @Test
  void startWhenInventoryFileSetThenEmbeddedAuthorityRefusesUnlistedIdsAndCapsTtl(@TempDir Path dir)
      throws Exception {
    Path inventory = Files.writeString(dir.resolve("inventory.json"), INVENTORY);
    try (ConfigurableApplicationContext context = app("lanyard.inventory.file=" + inventory).run()) {
      EmbeddedAuthority authority = context.getBean(EmbeddedAuthority.class);

      JwtSvid capped = authority.mint(ORDERS, List.of(AUDIENCE), List.of(), Duration.ofMinutes(30));
      assertThat(Duration.between(capped.issuedAt(), capped.expiresAt())).isEqualTo(Duration.ofMinutes(2));
      assertThatThrownBy(() -> authority.mintJwtSvid(SpiffeId.parse("spiffe://example.org/rogue"), AUDIENCE))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("spiffe://example.org/rogue is not in the identity inventory");
    }
  }

  @Test
  void startWhenInventoryFileIsInvalidOrMissingThenFailsNamingTheProperty(@TempDir Path dir) throws Exception {
    Path misspelt = Files.writeString(dir.resolve("inventory.json"),
        "{\"format\": \"lanyard-inventory/1\", \"identities\": [{\"id\": \"spiffe://example.org/a\", \"ownr\": \"x\"}]}");

    assertThat(FederationApplicationTest.startupFailure(app("lanyard.inventory.file=" + misspelt)))
        .contains("lanyard.inventory.file").contains("unknown member \"ownr\"");
    assertThat(FederationApplicationTest.startupFailure(app("lanyard.inventory.file=" + dir.resolve("absent.json"))))
        .contains("lanyard.inventory.file").contains("cannot read");
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(OrdersController.class)
  static class OrdersApp {
    @Bean
    AuditSink capturingAuditSink() {
      return EVENTS::add;
    }
  }

  @RestController
  static class OrdersController {
    @GetMapping("/orders")
    String orders(Principal principal) {
      return "orders for " + principal.getName();
    }
  }
}

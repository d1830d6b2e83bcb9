package dev.lanyard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.audit.AuditEvent;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.inventory.Inventory;
import dev.lanyard.policy.Policy;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The identity inventory in the filter, in a real Tomcat: a verified caller the inventory lists as deploy-only is
 * refused with 403 and its own audit reason even where policy allows it; runtime identities pass as before.
 */
class LanyardFilterInventoryTest {
  static final TrustDomain TD = TrustDomain.of("example.org");
  static final String AUDIENCE = "spiffe://example.org/payments";
  static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  static final SpiffeId DEPLOYER = SpiffeId.parse("spiffe://example.org/ci/deployer");
  static final String POLICY = "GET /orders  spiffe://example.org/orders,spiffe://example.org/ci/deployer\n";
  static final String INVENTORY = """
      {"format": "lanyard-inventory/1", "identities": [
        {"id": "spiffe://example.org/orders", "owner": "team-orders"},
        {"id": "spiffe://example.org/ci/deployer", "owner": "platform", "deployOnly": true}
      ]}""";

  final EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).build();
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  HttpResponse<String> get(TomcatServer server, String path, SpiffeId caller) throws Exception {
    String token = authority.mintJwtSvid(caller, AUDIENCE).token();
    return http.send(HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void requestWhenCallerIsDeployOnlyThen403WithDeployOnlyReasonAndRuntimeCallerAllowed(@TempDir Path dir)
      throws Exception {
    List<AuditEvent> events = new CopyOnWriteArrayList<>();
    LanyardFilter filter = LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE)
        .bundleSource(authority.bundleSource()).policy(Policy.parse(POLICY, "policy.txt"))
        .inventory(Inventory.parse(INVENTORY, "inventory.json")).auditSink(events::add).build();

    try (TomcatServer running = TomcatServer.newBuilder(dir.resolve("tomcat")).filter(filter).start()) {
      HttpResponse<String> deployer = get(running, "/orders", DEPLOYER);
      HttpResponse<String> orders = get(running, "/orders", ORDERS);

      assertThat(deployer.statusCode()).isEqualTo(403);
      assertThat(deployer.headers().firstValue("WWW-Authenticate")).isEmpty();
      assertThat(orders.statusCode()).isEqualTo(200);
      assertThat(orders.body()).contains("principal=" + ORDERS + "\n");
      assertThat(events).hasSize(2);
      AuditEvent refused = events.get(0);
      assertThat(refused.decision()).isEqualTo(AuditEvent.Decision.DENIED);
      assertThat(refused.reason()).contains("DEPLOY_ONLY_IDENTITY");
      assertThat(refused.caller()).contains(DEPLOYER.toString());
      assertThat(refused.callerVerified()).isTrue();
      assertThat(refused.method()).contains("GET");
      assertThat(refused.path()).contains("/orders");
      assertThat(refused.rule()).isEmpty();
      assertThat(refused.toJson()).contains("\"reason\":\"DEPLOY_ONLY_IDENTITY\"");
      assertThat(events.get(1).decision()).isEqualTo(AuditEvent.Decision.ALLOWED);
      assertThat(events.get(1).caller()).contains(ORDERS.toString());
    }
  }

  @Test
  void requestWhenNoInventoryThenDeployOnlyIdentityIsJustAnotherCaller(@TempDir Path dir) throws Exception {
    LanyardFilter filter = LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE)
        .bundleSource(authority.bundleSource()).policy(Policy.parse(POLICY, "policy.txt")).build();

    try (TomcatServer running = TomcatServer.newBuilder(dir.resolve("tomcat")).filter(filter).start()) {
      assertThat(get(running, "/orders", DEPLOYER).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void initParamWhenInventorySetThenDeployOnlyCallerForbiddenAndRuntimeCallerAllowed(@TempDir Path dir)
      throws Exception {
    Path inventory = Files.writeString(dir.resolve("inventory.json"), INVENTORY);
    try (TomcatServer running = webXml(dir).initParam(LanyardFilter.INVENTORY, inventory.toString()).start()) {
      assertThat(running.contextAvailable()).as(running.startupErrors()).isTrue();
      assertThat(get(running, "/orders", DEPLOYER).statusCode()).isEqualTo(403);
      assertThat(get(running, "/orders", ORDERS).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void initParamWhenInventoryIsInvalidThenStartupFailsNamingIt(@TempDir Path dir) throws Exception {
    Path inventory = Files.writeString(dir.resolve("inventory.json"),
        "{\"format\": \"lanyard-inventory/1\", \"identities\": [{\"id\": \"spiffe://example.org/a\", \"ownr\": \"x\"}]}");
    try (TomcatServer running = webXml(dir).initParam(LanyardFilter.INVENTORY, inventory.toString()).start()) {
      assertThat(running.contextAvailable()).isFalse();
      assertThat(running.startupErrors()).contains("init-param 'inventory'").contains("unknown member \"ownr\"");
    }
  }

  @Test
  void initParamWhenInventoryIsMissingThenStartupFailsNamingIt(@TempDir Path dir) throws Exception {
    try (TomcatServer running = webXml(dir).initParam(LanyardFilter.INVENTORY, dir.resolve("absent.json").toString())
        .start()) {
      assertThat(running.contextAvailable()).isFalse();
      assertThat(running.startupErrors()).contains("init-param 'inventory'").contains("cannot read");
    }
  }

  TomcatServer.Builder webXml(Path dir) throws Exception {
    Path bundle = Files.writeString(dir.resolve("bundle.json"), authority.bundle().toJson());
    Path policy = Files.writeString(dir.resolve("policy.txt"), POLICY);
    return TomcatServer.newBuilder(dir.resolve("tomcat"))
        .initParam(LanyardFilter.TRUST_DOMAIN, "example.org")
        .initParam(LanyardFilter.AUDIENCE, AUDIENCE)
        .initParam(LanyardFilter.BUNDLE, bundle.toString())
        .initParam(LanyardFilter.POLICY, policy.toString());
  }
}

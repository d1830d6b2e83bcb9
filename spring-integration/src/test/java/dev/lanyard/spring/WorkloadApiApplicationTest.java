package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.policy.Caller;
import dev.lanyard.servlet.LanyardFilter;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.workloadapi.WorkloadApiIdentity;
import dev.lanyard.workloadapi.testing.FakeAgent;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A real application on a random port with {@code lanyard.identity.source=workload-api}: its identity and trust come
 * from a SPIFFE Workload API server on a Unix socket ({@link FakeAgent}, serving a real authority's credentials), and
 * a caller whose token another agent minted is verified and allowed by policy.
 */
class WorkloadApiApplicationTest {
  static final SpiffeId PAYMENTS = SpiffeId.parse("spiffe://example.org/payments");
  static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");

  @TempDir
  static Path dir;

  static final EmbeddedAuthority AUTHORITY = EmbeddedAuthority.newBuilder(TrustDomain.of("example.org")).build();
  static FakeAgent paymentsAgent;
  static FakeAgent ordersAgent;
  static WorkloadApiIdentity orders;
  static ConfigurableApplicationContext payments;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    paymentsAgent = FakeAgent.start(dir.resolve("payments.sock"), AUTHORITY, PAYMENTS);
    ordersAgent = FakeAgent.start(dir.resolve("orders.sock"), AUTHORITY, ORDERS);
    orders = WorkloadApiIdentity.newBuilder().socket(ordersAgent.address()).timeout(Duration.ofSeconds(10)).build();
    payments = new SpringApplicationBuilder(PaymentsApp.class).properties(
        "server.port=0",
        "spring.main.banner-mode=off",
        "lanyard.spiffe-id=" + PAYMENTS,
        "lanyard.identity.source=workload-api",
        "lanyard.workload-api.socket=" + paymentsAgent.address(),
        "lanyard.workload-api.timeout=10s",
        "lanyard.policy.rules[0]=GET /api/hello " + ORDERS).run();
    port = ((WebServerApplicationContext) payments).getWebServer().getPort();
  }

  @AfterAll
  static void stop() {
    if (payments != null) {
      payments.close();
    }
    if (orders != null) {
      orders.close();
    }
    if (ordersAgent != null) {
      ordersAgent.close();
    }
    if (paymentsAgent != null) {
      paymentsAgent.close();
    }
  }

  private static HttpResponse<String> get(String path, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void identityWhenSourceIsWorkloadApiThenTheAgentsSvidAndNoEmbeddedAuthority() {
    LanyardIdentity identity = payments.getBean(LanyardIdentity.class);

    assertThat(identity).isInstanceOf(WorkloadApiLanyardIdentity.class);
    assertThat(identity.spiffeId()).isEqualTo(PAYMENTS);
    assertThat(identity.x509Svids().current().leaf()).isEqualTo(paymentsAgent.svid().leaf());
    assertThat(payments.getBeansOfType(EmbeddedAuthority.class)).isEmpty();
  }

  @Test
  void requestWhenTokenMintedByTheCallersAgentThenVerifiedWithTheAgentsBundleAndAllowed() throws Exception {
    String token = orders.jwtSvids().fetch(PAYMENTS.toString()).token();

    HttpResponse<String> response = get("/api/hello", token);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("hello " + ORDERS + " via JWT_SVID");
  }

  @Test
  void requestWhenTokenForAnotherAudienceOrNoneThenRefused() throws Exception {
    String elsewhere = orders.jwtSvids().fetch("spiffe://example.org/ledger").token();

    assertThat(get("/api/hello", elsewhere).statusCode()).isEqualTo(401);
    assertThat(get("/api/hello", null).statusCode()).isEqualTo(401);
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

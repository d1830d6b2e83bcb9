package dev.lanyard.readme.payments;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.jwt.VerifiedJwtSvid;
import dev.lanyard.readme.CapturedRequests;
import dev.lanyard.spiffe.SpiffeId;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.client.MockClientHttpRequest;

/**
 * The complete minimal service of spring-integration/README.md on a random port: the README's properties (the
 * authority in memory) and policy file, {@link PaymentsApplication} with its controller, and the outbound example's
 * {@link Checkout} with the README's target. Outbound requests are captured instead of sent, since
 * {@code payments.internal} does not exist here.
 */
@SpringBootTest(classes = {PaymentsApplication.class, CapturedRequests.class},
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "lanyard.trust-domain=example.org",
        "lanyard.spiffe-id=spiffe://example.org/payments",
        "lanyard.policy.file=classpath:lanyard-policy.txt",
        "lanyard.client.targets.payments.url=https://payments.internal:8443/api",
        "lanyard.client.targets.payments.audience=spiffe://example.org/payments",
        "lanyard.client.targets.payments.scopes=payments:charge"})
class PaymentsApplicationTest {
  private static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  private static final String PAYMENTS = "spiffe://example.org/payments";

  @LocalServerPort int port;
  @Autowired EmbeddedAuthority authority;
  @Autowired Checkout checkout;
  @Autowired CapturedRequests captured;

  private HttpResponse<String> call(String method, String path, String... scopes) throws Exception {
    String token = authority.mintJwtSvid(ORDERS, PAYMENTS, scopes).token();
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).header("Authorization", "Bearer " + token).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void chargeWhenOrdersHoldsTheScopeThenChargedByItsSpiffeId() throws Exception {
    HttpResponse<String> response = call("POST", "/charge", "payments:charge");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("charged by spiffe://example.org/orders");
  }

  @Test
  void chargeWhenTheScopeIsMissingThenThePolicyRefusesWithInsufficientScope() throws Exception {
    HttpResponse<String> response = call("POST", "/charge");

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
        challenge -> assertThat(challenge).contains("insufficient_scope").contains("payments:charge"));
  }

  @Test
  void refundsWhenPreAuthorizeScopeHeldOrNotThenAnsweredOrRefused() throws Exception {
    HttpResponse<String> allowed = call("GET", "/refunds", "payments:refund");
    HttpResponse<String> refused = call("GET", "/refunds");

    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(allowed.body()).isEqualTo("refunds for spiffe://example.org/orders via JWT_SVID");
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
        challenge -> assertThat(challenge).contains("payments:refund"));
  }

  @Test
  void checkoutWhenChargingThenTheRequestCarriesATokenForPaymentsWithTheTargetsScope() throws Exception {
    assertThat(checkout.charge()).isEqualTo("charged");

    MockClientHttpRequest sent = captured.last();
    assertThat(sent.getURI()).isEqualTo(URI.create("https://payments.internal:8443/api/charge"));
    String authorization = sent.getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
    assertThat(authorization).startsWith("Bearer ");
    VerifiedJwtSvid token = JwtSvidVerifier.newBuilder().bundleSource(authority.bundleSource()).audience(PAYMENTS)
        .build().verify(authorization.substring("Bearer ".length()));
    assertThat(token.subject()).isEqualTo(SpiffeId.parse(PAYMENTS));
    assertThat(token.scopes()).containsExactly("payments:charge");
  }
}

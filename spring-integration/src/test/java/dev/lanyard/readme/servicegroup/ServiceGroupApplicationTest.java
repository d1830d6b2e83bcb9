package dev.lanyard.readme.servicegroup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.jwt.VerifiedJwtSvid;
import dev.lanyard.readme.CapturedRequests;
import dev.lanyard.spiffe.SpiffeId;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.client.MockClientHttpRequest;
import org.springframework.test.context.TestPropertySource;

/**
 * The README's HTTP service group example: {@link OrdersApplication} with the README's properties
 * ({@code readme/service-group.properties}: the group's base URL and a target with only audience and scopes). The
 * group's client carries a token for the target, at the group's base URL. Requests are captured instead of sent,
 * since {@code payments.internal} does not exist here.
 */
@SpringBootTest(classes = {OrdersApplication.class, CapturedRequests.class},
    webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
        "lanyard.trust-domain=example.org",
        "lanyard.spiffe-id=spiffe://example.org/orders",
        "lanyard.policy.rules[0]=GET /health public"})
@TestPropertySource(locations = "classpath:readme/service-group.properties")
class ServiceGroupApplicationTest {
  private static final String PAYMENTS = "spiffe://example.org/payments";

  @Autowired EmbeddedAuthority authority;
  @Autowired PaymentsApi payments;
  @Autowired CapturedRequests captured;

  @Test
  void chargeWhenCalledThroughTheGroupThenTheRequestGoesToItsBaseUrlWithATokenForPayments() throws Exception {
    assertThat(payments.charge()).isEqualTo("charged");

    assertThat(captured.requests()).hasSize(1);
    MockClientHttpRequest sent = captured.requests().get(0);
    assertThat(sent.getURI()).isEqualTo(URI.create("https://payments.internal:8443/api/charge"));
    String authorization = sent.getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
    assertThat(authorization).startsWith("Bearer ");
    VerifiedJwtSvid token = JwtSvidVerifier.newBuilder().bundleSource(authority.bundleSource()).audience(PAYMENTS)
        .build().verify(authorization.substring("Bearer ".length()));
    assertThat(token.subject()).isEqualTo(SpiffeId.parse("spiffe://example.org/orders"));
    assertThat(token.scopes()).containsExactly("payments:charge");
  }
}

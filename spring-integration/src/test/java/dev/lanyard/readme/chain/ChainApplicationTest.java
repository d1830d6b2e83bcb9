package dev.lanyard.readme.chain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.spiffe.SpiffeId;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.security.web.SecurityFilterChain;

/** The README's security chain of one's own, on a random port: Lanyard authenticates, the chain's rules decide. */
@SpringBootTest(classes = ChainApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
        "lanyard.spiffe-id=spiffe://example.org/inventory",
        "lanyard.policy.rules[0]=GET /admin/** spiffe://example.org/ops",
        "lanyard.policy.rules[1]=GET /stock any"})
class ChainApplicationTest {
  private static final SpiffeId OPS = SpiffeId.parse("spiffe://example.org/ops");

  @LocalServerPort int port;
  @Autowired EmbeddedAuthority authority;
  @Autowired ApplicationContext context;

  private HttpResponse<String> get(String path, String... scopes) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path));
    if (scopes.length > 0) {
      request.header("Authorization", "Bearer "
          + authority.mintJwtSvid(OPS, "spiffe://example.org/inventory", scopes).token());
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void chainWhenTheApplicationDeclaresItThenTheStartersChainBacksOff() {
    assertThat(context.getBeansOfType(SecurityFilterChain.class)).containsOnlyKeys("api");
  }

  @Test
  void adminWhenTheTokenHoldsTheChainsAuthorityThenAnswered() throws Exception {
    HttpResponse<String> response = get("/admin/stock", "inventory:admin");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("stock for spiffe://example.org/ops");
  }

  @Test
  void adminWhenTheTokenLacksTheChainsAuthorityThenInsufficientScope() throws Exception {
    HttpResponse<String> response = get("/admin/stock", "inventory:read");

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
        challenge -> assertThat(challenge).contains("insufficient_scope").contains("inventory:admin"));
  }

  @Test
  void anyPathWhenNoCredentialThen401() throws Exception {
    assertThat(get("/stock").statusCode()).isEqualTo(401);
  }
}

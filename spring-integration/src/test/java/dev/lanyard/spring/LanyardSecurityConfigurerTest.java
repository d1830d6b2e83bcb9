package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.spiffe.SpiffeId;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * An application with its own security chain that adds Lanyard in one line: the starter's chain backs off, CSRF stays
 * on for browsers but ignores bearer-token calls, and URL authorization by {@code SCOPE_} authority answers
 * {@code insufficient_scope}.
 */
@SpringBootTest(classes = LanyardSecurityConfigurerTest.CustomChainApp.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "lanyard.spiffe-id=spiffe://example.org/inventory",
        "lanyard.policy.rules[0]=* /** spiffe://example.org/*"})
class LanyardSecurityConfigurerTest {
  static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  static final String AUDIENCE = "spiffe://example.org/inventory";

  @LocalServerPort
  int port;

  @Autowired
  EmbeddedAuthority authority;

  @Autowired
  ApplicationContext context;

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> send(String method, String path, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String token(String... scopes) {
    return authority.mint(ORDERS, List.of(AUDIENCE), List.of(scopes), null).token();
  }

  @Test
  void customChainWhenDeclaredThenStarterChainBacksOff() {
    assertThat(context.getBeansOfType(SecurityFilterChain.class)).containsOnlyKeys("apiChain");
  }

  @Test
  void postWithBearerTokenWhenCsrfEnabledThenNotBlockedByCsrf() throws Exception {
    HttpResponse<String> response = send("POST", "/items", token());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("added by spiffe://example.org/orders");
  }

  @Test
  void urlAuthorizationWhenScopeAuthorityMissingThenInsufficientScope() throws Exception {
    HttpResponse<String> response = send("GET", "/admin/stock", token("inventory:read"));
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("WWW-Authenticate"))
        .contains("Bearer error=\"insufficient_scope\", scope=\"inventory:admin\"");
  }

  @Test
  void urlAuthorizationWhenScopeAuthorityHeldThenPasses() throws Exception {
    HttpResponse<String> response = send("GET", "/admin/stock", token("inventory:admin"));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("stock");
  }

  @Test
  void lanyardPolicyWhenNoCredentialThenUnauthorizedBeforeSpringSecurity() throws Exception {
    HttpResponse<String> response = send("GET", "/admin/stock", null);
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"example.org\"");
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(InventoryController.class)
  static class CustomChainApp {
    @Bean
    SecurityFilterChain apiChain(HttpSecurity http) throws Exception {
      http.with(LanyardSecurityConfigurer.lanyard())
          .authorizeHttpRequests(requests -> requests
              .requestMatchers("/admin/**").hasAuthority("SCOPE_inventory:admin")
              .anyRequest().authenticated());
      return http.build();
    }
  }

  @RestController
  static class InventoryController {
    @PostMapping("/items")
    String add(java.security.Principal principal) {
      return "added by " + principal.getName();
    }

    @GetMapping("/admin/stock")
    String stock() {
      return "stock";
    }
  }
}

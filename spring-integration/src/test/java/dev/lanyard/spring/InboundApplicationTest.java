package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.graph.GraphEdge;
import dev.lanyard.graph.GraphSnapshot;
import dev.lanyard.graph.TrustGraph;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.jwt.JwtSvidRejectedException.Reason;
import dev.lanyard.policy.Caller;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.BundleUnavailableException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.Principal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A real application on a random port protected by the starter's default chain (Spring Security present): every row
 * of the filter's outcome table over real HTTP, {@code @PreAuthorize} scope checks, the actuator endpoint and health.
 */
@SpringBootTest(classes = InboundApplicationTest.PaymentsApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
        "lanyard.trust-domain=example.org",
        "lanyard.spiffe-id=spiffe://example.org/payments",
        "lanyard.policy.file=classpath:payments-policy.txt",
        "lanyard.max-token-lifetime=10m",
        "management.endpoints.web.exposure.include=health,lanyard",
        "management.endpoint.health.show-details=always"})
class InboundApplicationTest {
  static final SpiffeId PAYMENTS = SpiffeId.parse("spiffe://example.org/payments");
  static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  static final SpiffeId OPS = SpiffeId.parse("spiffe://example.org/ops");
  static final SpiffeId STRANGER = SpiffeId.parse("spiffe://example.org/stranger");

  @LocalServerPort
  int port;

  @Autowired
  EmbeddedAuthority authority;

  @Autowired
  AtomicBoolean bundleDown;

  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void bundleUp() {
    bundleDown.set(false);
  }

  private String token(SpiffeId subject, String audience, String... scopes) {
    return authority.mint(subject, List.of(audience), List.of(scopes), null).token();
  }

  private HttpResponse<String> send(String method, String path, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
        .method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> call(String method, String path, String token) throws Exception {
    return send(method, path, "Authorization", "Bearer " + token);
  }

  private static Optional<String> challenge(HttpResponse<String> response) {
    return response.headers().firstValue("WWW-Authenticate");
  }

  @Test
  void publicRuleWhenNoCredentialThenPasses() throws Exception {
    HttpResponse<String> response = send("GET", "/public/hello");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("hello nobody");
  }

  @Test
  void allowedCallerWhenTokenHasScopeThenPassesWithSpiffeIdAsPrincipal() throws Exception {
    HttpResponse<String> response = call("POST", "/charge", token(ORDERS, PAYMENTS.toString(), "payments:charge"));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("charged by spiffe://example.org/orders");
  }

  @Test
  void authenticatedCallerWhenAnyRuleThenAuthoritiesAreScopes() throws Exception {
    HttpResponse<String> response = call("GET", "/whoami", token(STRANGER, PAYMENTS.toString(), "b:read", "a:write"));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("spiffe://example.org/stranger [SCOPE_a:write, SCOPE_b:read] JWT_SVID");
  }

  @Test
  void noCredentialWhenRuleNeedsOneThenUnauthorizedWithRealm() throws Exception {
    HttpResponse<String> response = send("POST", "/charge");
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(challenge(response)).contains("Bearer realm=\"example.org\"");
    assertThat(response.body()).isEqualTo(
        "{\"error\":\"unauthorized\",\"error_description\":\"A credential is required\"}");
    assertThat(response.headers().firstValue("Cache-Control")).hasValueSatisfying(v -> assertThat(v).contains("no-store"));
  }

  @Test
  void credentialRejectedWhenWrongAudienceThenInvalidTokenWithFixedDescription() throws Exception {
    HttpResponse<String> response = call("POST", "/charge", token(ORDERS, "spiffe://example.org/billing",
        "payments:charge"));
    assertRejected(response, Reason.AUDIENCE_MISMATCH);
  }

  @Test
  void credentialRejectedWhenGarbageThenMalformed() throws Exception {
    assertRejected(call("POST", "/charge", "not.a.token"), Reason.MALFORMED);
  }

  @Test
  void credentialRejectedWhenSignedByAnotherAuthorityThenUnknownKey() throws Exception {
    EmbeddedAuthority other = EmbeddedAuthority.newBuilder(TrustDomain.of("example.org")).build();
    String forged = other.mint(ORDERS, List.of(PAYMENTS.toString()), List.of("payments:charge"), null).token();
    assertRejected(call("POST", "/charge", forged), Reason.UNKNOWN_KEY);
  }

  @Test
  void credentialRejectedWhenLifetimeBeyondMaxTokenLifetimeThenLifetimeTooLong() throws Exception {
    String longLived = authority.mint(ORDERS, List.of(PAYMENTS.toString()), List.of("payments:charge"),
        Duration.ofMinutes(30)).token();
    assertRejected(call("POST", "/charge", longLived), Reason.LIFETIME_TOO_LONG);
  }

  @Test
  void credentialRejectedWhenRevokedThenRevoked() throws Exception {
    JwtSvid svid = authority.mint(ORDERS, List.of(PAYMENTS.toString()), List.of("payments:charge"), null);
    assertThat(call("POST", "/charge", svid.token()).statusCode()).isEqualTo(200);
    authority.revocations().revokeToken(svid.tokenId(), svid.expiresAt());
    assertRejected(call("POST", "/charge", svid.token()), Reason.REVOKED);
  }

  private static void assertRejected(HttpResponse<String> response, Reason reason) {
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(challenge(response)).contains("Bearer error=\"invalid_token\", error_description=\""
        + reason.description() + "\"");
    assertThat(response.body()).isEqualTo("{\"error\":\"invalid_token\",\"error_description\":\""
        + reason.description() + "\"}");
  }

  @Test
  void callerNotAllowedWhenRuleNamesOthersThenForbiddenWithoutChallenge() throws Exception {
    HttpResponse<String> response = call("POST", "/charge", token(STRANGER, PAYMENTS.toString(), "payments:charge"));
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(challenge(response)).isEmpty();
    assertThat(response.body()).isEqualTo(
        "{\"error\":\"forbidden\",\"error_description\":\"The caller is not allowed here\"}");
  }

  @Test
  void noRuleWhenPathUnknownThenForbidden() throws Exception {
    HttpResponse<String> response = call("GET", "/nowhere", token(ORDERS, PAYMENTS.toString()));
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(challenge(response)).isEmpty();
  }

  @Test
  void policyScopeWhenMissingThenInsufficientScopeNamingIt() throws Exception {
    HttpResponse<String> response = call("POST", "/charge", token(ORDERS, PAYMENTS.toString(), "payments:read"));
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(challenge(response)).contains("Bearer error=\"insufficient_scope\", scope=\"payments:charge\"");
    assertThat(response.body()).isEqualTo(
        "{\"error\":\"insufficient_scope\",\"error_description\":\"The credential lacks required scopes\"}");
  }

  @Test
  void preAuthorizeWhenScopeMissingThenInsufficientScopeNamingIt() throws Exception {
    HttpResponse<String> response = call("GET", "/refunds", token(ORDERS, PAYMENTS.toString(), "payments:charge"));
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(challenge(response)).contains("Bearer error=\"insufficient_scope\", scope=\"payments:refund\"");
    assertThat(response.body()).isEqualTo(
        "{\"error\":\"insufficient_scope\",\"error_description\":\"The credential lacks required scopes\"}");
  }

  @Test
  void preAuthorizeWhenScopeHeldThenPasses() throws Exception {
    HttpResponse<String> response = call("GET", "/refunds", token(ORDERS, PAYMENTS.toString(), "payments:refund"));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("refunds for spiffe://example.org/orders");
  }

  @Test
  void preAuthorizeWhenDeniedWithoutScopeLiteralThenPlainForbidden() throws Exception {
    HttpResponse<String> response = call("GET", "/whoami/admin", token(ORDERS, PAYMENTS.toString(), "x"));
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(challenge(response)).isEmpty();
    assertThat(response.body()).isEqualTo(
        "{\"error\":\"forbidden\",\"error_description\":\"The caller is not allowed here\"}");
  }

  @Test
  void preAuthorizeWhenPublicRuleAndAnonymousThenUnauthorizedWithRealm() throws Exception {
    HttpResponse<String> response = send("GET", "/public/members");
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(challenge(response)).contains("Bearer realm=\"example.org\"");
  }

  @Test
  void twoAuthorizationHeadersWhenSentThenBadRequest() throws Exception {
    String t = token(ORDERS, PAYMENTS.toString(), "payments:charge");
    HttpResponse<String> response = send("POST", "/charge", "Authorization", "Bearer " + t, "Authorization",
        "Bearer " + t);
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(challenge(response)).contains("Bearer error=\"invalid_request\"");
  }

  @Test
  void bundleUnavailableWhenCallerPresentsTokenThenServiceUnavailableAndHealthDown() throws Exception {
    String t = token(ORDERS, PAYMENTS.toString(), "payments:charge");
    bundleDown.set(true);
    HttpResponse<String> response = call("POST", "/charge", t);
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(challenge(response)).isEmpty();
    HttpResponse<String> health = send("GET", "/actuator/health/lanyard");
    assertThat(health.statusCode()).isEqualTo(503);
    assertThat((String) JsonPath.read(health.body(), "$.status")).isEqualTo("DOWN");
    assertThat((String) JsonPath.read(health.body(), "$.details.problem")).startsWith("trust bundle unavailable");
    bundleDown.set(false);
    HttpResponse<String> healthy = send("GET", "/actuator/health/lanyard");
    assertThat(healthy.statusCode()).isEqualTo(200);
    assertThat((String) JsonPath.read(healthy.body(), "$.details.spiffeId")).isEqualTo(PAYMENTS.toString());
  }

  @Test
  void actuatorEndpointWhenOpsCallsThenShowsStateAndNoSecret() throws Exception {
    String charge = token(ORDERS, PAYMENTS.toString(), "payments:charge");
    call("POST", "/charge", charge);
    call("POST", "/charge", "garbage");
    send("POST", "/charge");
    String opsToken = token(OPS, PAYMENTS.toString());
    HttpResponse<String> response = call("GET", "/actuator/lanyard", opsToken);
    assertThat(response.statusCode()).isEqualTo(200);
    String body = response.body();
    assertThat((String) JsonPath.read(body, "$.spiffeId")).isEqualTo(PAYMENTS.toString());
    assertThat((String) JsonPath.read(body, "$.identitySource")).isEqualTo("embedded");
    assertThat((String) JsonPath.read(body, "$.x509Svid.expiresAt")).isNotBlank();
    assertThat((String) JsonPath.read(body, "$.x509Svid.nextRenewal")).isNotBlank();
    assertThat((Boolean) JsonPath.read(body, "$.x509Svid.expired")).isFalse();
    List<String> kids = JsonPath.read(body, "$.bundle.jwtKeyIds");
    assertThat(kids).containsExactlyElementsOf(authority.jwtKeys().stream().map(k -> k.keyId()).collect(
        Collectors.toList()));
    assertThat((Integer) JsonPath.read(body, "$.bundle.x509Authorities")).isEqualTo(1);
    assertThat(JsonPath.<Object>read(body, "$.bundle.sequence")).isNotNull();
    assertThat((Integer) JsonPath.read(body, "$.policy.rules")).isEqualTo(6);
    assertThat((String) JsonPath.read(body, "$.policy.source")).isEqualTo("classpath:payments-policy.txt");
    Map<String, Integer> accepted = JsonPath.read(body, "$.calls.accepted");
    Map<String, Integer> rejected = JsonPath.read(body, "$.calls.rejected");
    assertThat(accepted.get("ALLOWED")).isGreaterThanOrEqualTo(2);
    assertThat(rejected.get("MALFORMED")).isGreaterThanOrEqualTo(1);
    assertThat(rejected.get("UNAUTHENTICATED")).isGreaterThanOrEqualTo(1);
    assertThat(body).doesNotContain(charge).doesNotContain(opsToken).doesNotContain("PRIVATE")
        .doesNotContain("BEGIN").doesNotContain("eyJ");
  }

  @Test
  void actuatorGraphWhenTwoCallersCalledThenShowsTheirEdgesWithExactCounts() throws Exception {
    SpiffeId alpha = SpiffeId.parse("spiffe://example.org/graph-alpha");
    SpiffeId beta = SpiffeId.parse("spiffe://example.org/graph-beta");
    String alphaToken = token(alpha, PAYMENTS.toString(), "w:read");
    String betaToken = token(beta, PAYMENTS.toString());
    for (int i = 0; i < 12; i++) {
      assertThat(call("GET", "/whoami", alphaToken).statusCode()).isEqualTo(200);
    }
    for (int i = 0; i < 5; i++) {
      assertThat(call("GET", "/refunds", betaToken).statusCode()).isEqualTo(403);
    }
    for (int i = 0; i < 3; i++) {
      assertThat(call("GET", "/nowhere", betaToken).statusCode()).isEqualTo(403);
    }

    HttpResponse<String> response = call("GET", "/actuator/lanyard/graph", token(OPS, PAYMENTS.toString()));

    assertThat(response.statusCode()).isEqualTo(200);
    GraphSnapshot graph = GraphSnapshot.parseJson(response.body());
    assertThat(graph.callees()).containsExactly(PAYMENTS);
    GraphEdge alphaEdge = graph.edges().stream().filter(e -> e.caller().equals(alpha)).collect(
        Collectors.toList()).get(0);
    assertThat(graph.edges()).filteredOn(e -> e.caller().equals(alpha)).hasSize(1);
    assertThat(alphaEdge.calls()).isEqualTo(12);
    assertThat(alphaEdge.allowed()).isEqualTo(12);
    assertThat(alphaEdge.rule()).hasValueSatisfying(r -> assertThat(r.path()).isEqualTo("/whoami/**"));
    assertThat(alphaEdge.scopesPresented()).containsExactly("w:read");
    assertThat(graph.edges()).filteredOn(e -> e.caller().equals(beta)).singleElement().satisfies(e -> {
      assertThat(e.calls()).isEqualTo(8);
      assertThat(e.allowed()).isZero();
      assertThat(e.rule()).isEmpty();
      assertThat(e.denials()).containsOnly(Map.entry(TrustGraph.NOT_ALLOWED, 5L), Map.entry(TrustGraph.NO_RULE, 3L));
    });
    assertThat(response.body()).doesNotContain(alphaToken).doesNotContain(betaToken).doesNotContain("eyJ");
  }

  @Test
  void actuatorUnknownSelectorWhenRequestedThenNotFound() throws Exception {
    assertThat(call("GET", "/actuator/lanyard/nothing", token(OPS, PAYMENTS.toString())).statusCode())
        .isEqualTo(404);
  }

  @Test
  void actuatorEndpointWhenCallerNotAllowedThenForbidden() throws Exception {
    assertThat(call("GET", "/actuator/lanyard", token(ORDERS, PAYMENTS.toString())).statusCode()).isEqualTo(403);
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @EnableMethodSecurity
  @Import(PaymentsController.class)
  static class PaymentsApp {
    @Bean
    AtomicBoolean bundleDown() {
      return new AtomicBoolean();
    }

    /** The authority's bundle, or unavailable while the switch is on (a user bean: the starter's backs off). */
    @Bean
    BundleSource switchableBundles(EmbeddedAuthority authority, AtomicBoolean bundleDown) {
      BundleSource bundles = authority.bundleSource();
      return trustDomain -> {
        if (bundleDown.get()) {
          throw new BundleUnavailableException("the bundle endpoint is down (test)");
        }
        return bundles.bundleFor(trustDomain);
      };
    }
  }

  @RestController
  static class PaymentsController {
    @GetMapping("/public/hello")
    String hello(Authentication authentication) {
      return "hello " + (authentication == null ? "nobody" : authentication.getName());
    }

    @GetMapping("/public/members")
    @PreAuthorize("isAuthenticated()")
    String members() {
      return "members";
    }

    @PostMapping("/charge")
    @PreAuthorize("hasAuthority('SCOPE_payments:charge')")
    String charge(Principal principal) {
      return "charged by " + principal.getName();
    }

    @GetMapping("/refunds")
    @PreAuthorize("hasAuthority('SCOPE_payments:refund')")
    String refunds(@AuthenticationPrincipal Caller caller) {
      return "refunds for " + caller.id();
    }

    @GetMapping("/whoami")
    String whoami(Authentication authentication, @AuthenticationPrincipal Caller caller) {
      return authentication.getName() + " " + authentication.getAuthorities().stream()
          .map(GrantedAuthority::getAuthority).sorted().collect(Collectors.toList()) + " " + caller.credentialType();
    }

    @GetMapping("/whoami/admin")
    @PreAuthorize("hasRole('ADMIN')")
    String admin() {
      return "admin";
    }
  }
}

package dev.lanyard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.testing.KubernetesIssuer;
import dev.lanyard.oidc.OidcTokenVerifier;
import dev.lanyard.policy.Policy;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kubernetes service-account tokens through the filter in a real Tomcat, from a local Kubernetes-shaped issuer: a pod
 * token is a caller named {@code spiffe://<td>/ns/<ns>/sa/<sa>} that the same policy decides on.
 */
class LanyardFilterOidcTest {
  static final TrustDomain TD = TrustDomain.of("example.org");
  static final String AUDIENCE = "spiffe://example.org/payments";
  static final SpiffeId ORDERS_SA = SpiffeId.parse("spiffe://example.org/ns/shop/sa/orders");
  static final String POLICY = String.join("\n",
      "GET /orders  spiffe://example.org/ns/shop/sa/orders",
      "GET /admin   spiffe://example.org/ns/kube-system/sa/admin",
      "GET /whoami  any", "");

  final EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).build();
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  KubernetesIssuer issuer;

  @BeforeEach
  void start() throws Exception {
    issuer = KubernetesIssuer.https();
  }

  @AfterEach
  void stop() {
    issuer.close();
  }

  HttpResponse<String> get(TomcatServer server, String path, String token) throws Exception {
    return http.send(HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  String pod(KubernetesIssuer from) {
    return from.podToken("shop", "orders", AUDIENCE, Instant.now(), Duration.ofMinutes(10));
  }

  @Test
  void requestWhenPodTokenThenAllowedOnRuleNamingItsServiceAccountAndForbiddenElsewhere(@TempDir Path dir)
      throws Exception {
    OidcTokenVerifier oidc = OidcTokenVerifier.newBuilder().issuer(issuer.issuer()).audience(AUDIENCE).trustDomain(TD)
        .sslContext(KubernetesIssuer.clientContext()).build();
    LanyardFilter filter = LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE)
        .bundleSource(authority.bundleSource()).policy(Policy.parse(POLICY, "policy.txt")).oidcVerifier(oidc).build();

    try (TomcatServer running = TomcatServer.newBuilder(dir.resolve("tomcat")).filter(filter).start()) {
      HttpResponse<String> allowed = get(running, "/orders", pod(issuer));
      assertThat(allowed.statusCode()).isEqualTo(200);
      assertThat(allowed.body()).contains("principal=" + ORDERS_SA + "\n");
      assertThat(get(running, "/admin", pod(issuer)).statusCode()).isEqualTo(403);

      String yearLong = issuer.podToken("shop", "orders", AUDIENCE, Instant.now(), Duration.ofDays(365));
      HttpResponse<String> refused = get(running, "/orders", yearLong);
      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(refused.headers().firstValue("WWW-Authenticate")).get().asString().contains("lifetime is too long");

      SpiffeId workload = SpiffeId.parse("spiffe://example.org/ns/shop/sa/orders");
      assertThat(get(running, "/orders", authority.mintJwtSvid(workload, AUDIENCE).token()).statusCode())
          .as("JWT-SVIDs of the own trust domain still verify as before").isEqualTo(200);
    }
  }

  @Test
  void initParamsWhenOidcIssuersSetThenPodTokenAccepted(@TempDir Path dir) throws Exception {
    try (KubernetesIssuer cleartext = KubernetesIssuer.http();
        TomcatServer running = webXml(dir).initParam(LanyardFilter.OIDC_ISSUERS, cleartext.issuer())
            .initParam(LanyardFilter.OIDC_ALLOW_INSECURE_HTTP, "true").start()) {
      assertThat(running.contextAvailable()).as(running.startupErrors()).isTrue();
      assertThat(get(running, "/orders", pod(cleartext)).statusCode()).isEqualTo(200);
      assertThat(get(running, "/admin", pod(cleartext)).statusCode()).isEqualTo(403);
    }
  }

  @Test
  void initParamsWhenOidcMaxTokenLifetimeTooLongThenStartupFailsNamingIt(@TempDir Path dir) throws Exception {
    try (TomcatServer running = webXml(dir).initParam(LanyardFilter.OIDC_ISSUERS, issuer.issuer())
        .initParam(LanyardFilter.OIDC_MAX_TOKEN_LIFETIME, "48h").start()) {
      assertThat(running.contextAvailable()).isFalse();
      assertThat(running.startupErrors()).contains("init-param 'oidc-max-token-lifetime'");
    }
  }

  @Test
  void initParamsWhenOidcIssuerIsCleartextThenStartupFailsNamingIt(@TempDir Path dir) throws Exception {
    try (TomcatServer running = webXml(dir).initParam(LanyardFilter.OIDC_ISSUERS, "http://localhost:1").start()) {
      assertThat(running.contextAvailable()).isFalse();
      assertThat(running.startupErrors()).contains("init-param 'oidc-issuers'").contains("cleartext http");
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

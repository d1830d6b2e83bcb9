package dev.lanyard.oidc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.internal.Base64Url;
import dev.lanyard.jwt.JwtSvidRejectedException;
import dev.lanyard.jwt.JwtSvidRejectedException.Reason;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.KubernetesIssuer;
import dev.lanyard.testing.MutableClock;
import dev.lanyard.trust.BundleUnavailableException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OidcTokenVerifierTest {
  static final String AUDIENCE = "spiffe://example.org/payments";
  static final String JWKS = "/openid/v1/jwks";
  static final String DISCOVERY = "/.well-known/openid-configuration";

  final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
  KubernetesIssuer issuer;
  OidcTokenVerifier verifier;

  @BeforeEach
  void start() throws Exception {
    issuer = KubernetesIssuer.https();
    verifier = OidcTokenVerifier.newBuilder().issuer(issuer.issuer()).audience(AUDIENCE)
        .trustDomain(TrustDomain.of("example.org")).clock(clock).sslContext(KubernetesIssuer.clientContext())
        .build();
  }

  @AfterEach
  void stop() {
    issuer.close();
  }

  String pod(Duration ttl) {
    return issuer.podToken("shop", "orders", AUDIENCE, clock.instant(), ttl);
  }

  static void rejected(ThrowingCallable call, Reason reason) {
    assertThatThrownBy(call).isInstanceOfSatisfying(JwtSvidRejectedException.class,
        e -> assertThat(e.reason()).isEqualTo(reason));
  }

  @Test
  void verifyWhenKubernetesPodTokenThenAcceptedAndMappedToNamespaceAndServiceAccount() throws Exception {
    VerifiedOidcToken token = verifier.verify(pod(Duration.ofMinutes(10)));

    assertThat(token.spiffeId()).isEqualTo(SpiffeId.parse("spiffe://example.org/ns/shop/sa/orders"));
    assertThat(token.namespace()).isEqualTo("shop");
    assertThat(token.serviceAccount()).isEqualTo("orders");
    assertThat(token.issuer()).isEqualTo(issuer.issuer());
    assertThat(token.keyId()).isEqualTo("k8s-key-1");
    assertThat(token.toString()).doesNotContain(pod(Duration.ofMinutes(10)).substring(0, 20));
    assertThat(issuer.requests(DISCOVERY)).isEqualTo(1);
    assertThat(issuer.requests(JWKS)).isEqualTo(1);
    verifier.verify(pod(Duration.ofMinutes(10)));
    assertThat(issuer.requests()).as("keys are kept, not fetched per token").isEqualTo(2);
  }

  @Test
  void verifyWhenPathTemplateSetThenMappedByIt() throws Exception {
    OidcTokenVerifier custom = OidcTokenVerifier.newBuilder().issuer(issuer.issuer()).audience(AUDIENCE)
        .trustDomain(TrustDomain.of("k8s.example.org")).pathTemplate("/k8s/{namespace}/{serviceAccount}")
        .clock(clock).sslContext(KubernetesIssuer.clientContext()).build();

    assertThat(custom.verify(pod(Duration.ofMinutes(10))).spiffeId())
        .isEqualTo(SpiffeId.parse("spiffe://k8s.example.org/k8s/shop/orders"));
  }

  @Test
  void verifyWhenIssuerNotOnAllowListThenUntrustedIssuerWithoutAnyFetch() {
    String token = issuer.token("{\"alg\":\"RS256\",\"kid\":\"k8s-key-1\"}", "{\"iss\":\"https://evil.example\","
        + "\"sub\":\"system:serviceaccount:shop:orders\",\"aud\":\"" + AUDIENCE + "\",\"exp\":"
        + clock.instant().plusSeconds(600).getEpochSecond() + "}");

    assertThat(verifier.isFromAllowedIssuer(token)).isFalse();
    rejected(() -> verifier.verify(token), Reason.UNTRUSTED_ISSUER);
    assertThat(issuer.requests()).isZero();
  }

  @Test
  void verifyWhenIssuerDiffersOnlyByTrailingSlashThenUntrustedIssuer() {
    String token = issuer.token("{\"alg\":\"RS256\",\"kid\":\"k8s-key-1\"}", "{\"iss\":\"" + issuer.issuer()
        + "/\",\"sub\":\"system:serviceaccount:shop:orders\",\"aud\":\"" + AUDIENCE + "\",\"exp\":"
        + clock.instant().plusSeconds(600).getEpochSecond() + "}");

    rejected(() -> verifier.verify(token), Reason.UNTRUSTED_ISSUER);
    assertThat(issuer.requests()).isZero();
  }

  @Test
  void verifyWhenDiscoveryNamesAnotherIssuerThenUnavailableAndNoKeysFetched() {
    issuer.discoveryNames("https://kubernetes.default.svc");

    assertThatThrownBy(() -> verifier.verify(pod(Duration.ofMinutes(10))))
        .isInstanceOf(BundleUnavailableException.class)
        .hasMessageContaining("names issuer 'https://kubernetes.default.svc'");
    assertThat(issuer.requests(JWKS)).isZero();
  }

  @Test
  void verifyWhenTokenLivesAYearThenLifetimeTooLong() {
    rejected(() -> verifier.verify(pod(Duration.ofDays(365))), Reason.LIFETIME_TOO_LONG);
  }

  @Test
  void verifyWhenLifetimeExactlyTheMaximumThenAccepted() throws Exception {
    assertThat(verifier.verify(pod(Duration.ofHours(1))).expiresAt()).isEqualTo(clock.instant().plusSeconds(3600));
    rejected(() -> verifier.verify(pod(Duration.ofHours(1).plusSeconds(1))), Reason.LIFETIME_TOO_LONG);
  }

  @Test
  void verifyWhenAudienceIsAnotherServiceThenAudienceMismatch() {
    String token = issuer.podToken("shop", "orders", "https://kubernetes.default.svc", clock.instant(),
        Duration.ofMinutes(10));

    rejected(() -> verifier.verify(token), Reason.AUDIENCE_MISMATCH);
  }

  @Test
  void verifyWhenExpiredBeyondSkewThenExpired() throws Exception {
    String token = pod(Duration.ofMinutes(10));
    clock.advance(Duration.ofMinutes(10).plusSeconds(29));
    verifier.verify(token);
    clock.advance(Duration.ofSeconds(1));

    rejected(() -> verifier.verify(token), Reason.EXPIRED);
  }

  @Test
  void verifyWhenNotYetValidBeyondSkewThenNotYetValid() {
    String token = issuer.podToken("shop", "orders", AUDIENCE, clock.instant().plusSeconds(31),
        Duration.ofMinutes(10));

    rejected(() -> verifier.verify(token), Reason.NOT_YET_VALID);
  }

  @Test
  void verifyWhenAlgNoneOrHs256ThenAlgorithmNotAllowedWithoutAnyFetch() {
    String payload = Base64Url.encode(("{\"iss\":\"" + issuer.issuer() + "\",\"sub\":\"system:serviceaccount:shop:"
        + "orders\",\"aud\":\"" + AUDIENCE + "\",\"exp\":" + clock.instant().plusSeconds(600).getEpochSecond() + "}")
        .getBytes(StandardCharsets.UTF_8));
    String none = Base64Url.encode("{\"alg\":\"none\",\"kid\":\"k8s-key-1\"}".getBytes(StandardCharsets.UTF_8))
        + "." + payload + ".";
    String hs256 = Base64Url.encode("{\"alg\":\"HS256\",\"kid\":\"k8s-key-1\"}".getBytes(StandardCharsets.UTF_8))
        + "." + payload + ".c2lnbmF0dXJl";

    rejected(() -> verifier.verify(none), Reason.ALGORITHM_NOT_ALLOWED);
    rejected(() -> verifier.verify(hs256), Reason.ALGORITHM_NOT_ALLOWED);
    assertThat(issuer.requests()).isZero();
  }

  @Test
  void verifyWhenJkuHeaderThenHeaderNotAllowed() {
    String token = issuer.token("{\"alg\":\"RS256\",\"kid\":\"k8s-key-1\",\"jku\":\"https://evil.example/jwks\"}",
        "{}");

    rejected(() -> verifier.verify(token), Reason.HEADER_NOT_ALLOWED);
  }

  @Test
  void verifyWhenUnknownKidThenOneRateLimitedRefreshAndRotatedKeyAccepted() throws Exception {
    verifier.verify(pod(Duration.ofMinutes(10)));
    issuer.rotate("k8s-key-2");

    assertThat(verifier.verify(pod(Duration.ofMinutes(10))).keyId()).as("refreshed at once on the new kid")
        .isEqualTo("k8s-key-2");
    assertThat(issuer.requests(JWKS)).isEqualTo(2);

    issuer.rotate("k8s-key-3");
    clock.advance(Duration.ofSeconds(10));
    for (int i = 0; i < 20; i++) {
      rejected(() -> verifier.verify(pod(Duration.ofMinutes(10))), Reason.UNKNOWN_KEY);
    }
    assertThat(issuer.requests(JWKS)).as("one early refresh per 30 s").isEqualTo(2);
    assertThat(issuer.requests(DISCOVERY)).as("discovery read once").isEqualTo(1);

    clock.advance(Duration.ofSeconds(20));
    assertThat(verifier.verify(pod(Duration.ofMinutes(10))).keyId()).isEqualTo("k8s-key-3");
    assertThat(issuer.requests(JWKS)).isEqualTo(3);
  }

  @Test
  void verifyWhenSubjectIsNotAServiceAccountThenInvalidSubject() {
    String token = issuer.token("{\"alg\":\"RS256\",\"kid\":\"k8s-key-1\"}", "{\"iss\":\"" + issuer.issuer()
        + "\",\"sub\":\"system:node:node-1\",\"aud\":\"" + AUDIENCE + "\",\"exp\":"
        + clock.instant().plusSeconds(600).getEpochSecond() + "}");
    String extra = issuer.token("{\"alg\":\"RS256\",\"kid\":\"k8s-key-1\"}", "{\"iss\":\"" + issuer.issuer()
        + "\",\"sub\":\"system:serviceaccount:shop:orders:x\",\"aud\":\"" + AUDIENCE + "\",\"exp\":"
        + clock.instant().plusSeconds(600).getEpochSecond() + "}");

    rejected(() -> verifier.verify(token), Reason.INVALID_SUBJECT);
    rejected(() -> verifier.verify(extra), Reason.INVALID_SUBJECT);
  }

  @Test
  void verifyWhenSignatureOfAnotherTokenThenBadSignature() {
    String good = pod(Duration.ofMinutes(10));
    String other = issuer.podToken("kube-system", "admin", AUDIENCE, clock.instant(), Duration.ofMinutes(10));
    String forged = other.substring(0, other.lastIndexOf('.')) + good.substring(good.lastIndexOf('.'));

    rejected(() -> verifier.verify(forged), Reason.BAD_SIGNATURE);
  }

  @Test
  void isFromAllowedIssuerWhenPodTokenThenTrueWithoutFetch() {
    assertThat(verifier.isFromAllowedIssuer(pod(Duration.ofMinutes(10)))).isTrue();
    assertThat(verifier.isFromAllowedIssuer("not.a.token")).isFalse();
    assertThat(issuer.requests()).isZero();
  }

  @Test
  void buildWhenIssuerIsCleartextHttpThenRefusedUnlessAllowed() {
    assertThatThrownBy(() -> OidcTokenVerifier.newBuilder().issuer("http://localhost:1").audience(AUDIENCE)
        .trustDomain(TrustDomain.of("example.org")).build()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cleartext http");
    assertThatThrownBy(() -> OidcTokenVerifier.newBuilder().issuer("https://u:p@localhost"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("u:p");
    assertThatThrownBy(() -> OidcTokenVerifier.newBuilder().audience(AUDIENCE).audience(AUDIENCE))
        .isInstanceOf(IllegalStateException.class);
  }
}

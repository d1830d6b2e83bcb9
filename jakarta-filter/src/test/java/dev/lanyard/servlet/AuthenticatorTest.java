package dev.lanyard.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.jwt.JwtSvidRejectedException;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.policy.Caller;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.FederatedBundleSource;
import dev.lanyard.x509.X509SvidVerifier;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {
  private static final TrustDomain TD = TrustDomain.of("example.org");
  private static final String AUDIENCE = "spiffe://example.org/api";
  private static final SpiffeId BILLING = SpiffeId.parse("spiffe://example.org/billing");
  private static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");

  private static EmbeddedAuthority authority;
  private static Authenticator authenticator;

  @BeforeAll
  static void setUp() {
    authority = EmbeddedAuthority.newBuilder(TD).build();
    authenticator = new Authenticator(
        JwtSvidVerifier.newBuilder().bundleSource(authority.bundleSource()).audience(AUDIENCE).trustDomains(TD).build(),
        X509SvidVerifier.newBuilder().bundleSource(authority.bundleSource()).trustDomains(TD).build());
  }

  private static X509Certificate[] chain(SpiffeId id) {
    return authority.issueX509Svid(id).chain().toArray(new X509Certificate[0]);
  }

  @Test
  void authenticateWhenTokenOnlyThenJwtCallerWithScopesAndTokenId() throws Exception {
    JwtSvid token = authority.mintJwtSvid(BILLING, AUDIENCE, "read");
    Authenticator.Authenticated authenticated = authenticator.authenticate(token.token(), null);
    Caller caller = authenticated.caller;

    assertThat(authenticated.keyId).isEqualTo(token.keyId());
    assertThat(caller.id()).isEqualTo(BILLING);
    assertThat(caller.scopes()).containsExactly("read");
    assertThat(caller.credentialType()).isEqualTo(Caller.CredentialType.JWT_SVID);
    assertThat(caller.tokenId()).isPresent();
  }

  @Test
  void authenticateWhenCertificateOnlyThenX509CallerWithoutScopes() throws Exception {
    Authenticator.Authenticated authenticated = authenticator.authenticate(null, chain(ORDERS));
    Caller caller = authenticated.caller;

    assertThat(authenticated.keyId).isNull();
    assertThat(caller.id()).isEqualTo(ORDERS);
    assertThat(caller.scopes()).isEmpty();
    assertThat(caller.credentialType()).isEqualTo(Caller.CredentialType.X509_SVID);
    assertThat(caller.tokenId()).isEmpty();
  }

  @Test
  void authenticateWhenBothNameTheSameWorkloadThenCombinedCaller() throws Exception {
    Caller caller = authenticator.authenticate(authority.mintJwtSvid(BILLING, AUDIENCE).token(), chain(BILLING))
        .caller;

    assertThat(caller.credentialType()).isEqualTo(Caller.CredentialType.JWT_SVID_AND_X509_SVID);
    assertThat(caller.id()).isEqualTo(BILLING);
  }

  @Test
  void authenticateWhenTokenAndCertificateNameDifferentWorkloadsThenMismatchNamingTheTokenSubject() {
    JwtSvid token = authority.mintJwtSvid(BILLING, AUDIENCE);

    assertThatThrownBy(() -> authenticator.authenticate(token.token(), chain(ORDERS)))
        .isInstanceOfSatisfying(Authenticator.SubjectMismatchException.class, e -> {
          assertThat(e.tokenSubject()).isEqualTo(BILLING.toString());
          assertThat(e.keyId()).isEqualTo(token.keyId());
          assertThat(e.tokenId()).isEqualTo(token.tokenId());
        });
  }

  @Test
  void authenticateWhenTokenRefusedThenRejectedBeforeTheCertificateIsLookedAt() {
    assertThatThrownBy(() -> authenticator.authenticate("not.a.token", chain(ORDERS)))
        .isInstanceOf(JwtSvidRejectedException.class);
  }

  @Test
  void claimedByTokenWhenTokenForAnotherAudienceThenItsUnverifiedSubjectAndKeyId() {
    JwtSvid token = authority.mintJwtSvid(BILLING, "someone-else");

    Authenticator.Claimed claimed = Authenticator.claimedByToken(token.token());

    assertThat(claimed).isNotNull();
    assertThat(claimed.subject).isEqualTo(BILLING.toString());
    assertThat(claimed.keyId).isEqualTo(token.keyId());
  }

  @Test
  void claimedByTokenWhenUnreadableThenNull() {
    assertThat(Authenticator.claimedByToken("not.a.token")).isNull();
    assertThat(Authenticator.claimedByToken("")).isNull();
  }

  @Test
  void claimedByCertificateWhenChainOfAnotherAuthorityThenItsUriSan() {
    EmbeddedAuthority stranger = EmbeddedAuthority.newBuilder(TrustDomain.of("evil.example")).build();
    X509Certificate[] chain = stranger.issueX509Svid(SpiffeId.parse("spiffe://evil.example/mallory")).chain()
        .toArray(new X509Certificate[0]);

    assertThat(Authenticator.claimedByCertificate(chain)).isEqualTo("spiffe://evil.example/mallory");
  }

  @Test
  void ofWhenBundleSourceFederatesThenCallersOfTheFederatedTrustDomainAuthenticate() throws Exception {
    TrustDomain partnerDomain = TrustDomain.of("partner.example");
    EmbeddedAuthority partner = EmbeddedAuthority.newBuilder(partnerDomain).build();
    FederatedBundleSource federation = FederatedBundleSource.newBuilder(TD, authority.bundleSource())
        .federate(partnerDomain, partner.bundleSource()).build();
    Authenticator federated = Authenticator.of(TD, AUDIENCE, federation, Duration.ofHours(1), Duration.ofSeconds(30),
        Clock.systemUTC(), null, null);
    SpiffeId partnerCaller = SpiffeId.parse("spiffe://partner.example/checkout");

    assertThat(federated.authenticate(partner.mintJwtSvid(partnerCaller, AUDIENCE).token(), null).caller.id())
        .isEqualTo(partnerCaller);
    assertThatThrownBy(() -> Authenticator.of(TD, AUDIENCE, authority.bundleSource(), Duration.ofHours(1),
        Duration.ofSeconds(30), Clock.systemUTC(), null, null)
        .authenticate(partner.mintJwtSvid(partnerCaller, AUDIENCE).token(), null))
        .as("without federation, another trust domain's caller is refused")
        .isInstanceOf(JwtSvidRejectedException.class);
  }

  @Test
  void ofWhenFederatedSourceIsForAnotherTrustDomainThenRefusedNamingBoth() {
    FederatedBundleSource other = FederatedBundleSource.newBuilder(TrustDomain.of("other.example"),
        authority.bundleSource()).build();

    assertThatThrownBy(() -> Authenticator.of(TD, AUDIENCE, other, Duration.ofHours(1), Duration.ofSeconds(30),
        Clock.systemUTC(), null, null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("the federated bundle source is for trust domain other.example, not the filter's example.org");
  }
}

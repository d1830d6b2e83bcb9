package dev.lanyard.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.jwt.JwtSvidRejectedException;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.x509.X509Svid;
import dev.lanyard.x509.X509SvidRejectedException;
import dev.lanyard.x509.X509SvidVerifier;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FederatedBundleSource} with real authorities of three trust domains: routing by trust domain, the
 * trust-domain binding of each federated bundle (a source or an endpoint handing out another trust domain's bundle is
 * refused, never used under the wrong name), and the JWT-SVID and X.509-SVID verifiers picking the bundle of the
 * presented identity's trust domain.
 */
class FederatedBundleSourceTest {
  static final TrustDomain OWN = TrustDomain.of("example.org");
  static final TrustDomain PARTNER = TrustDomain.of("partner.example");
  static final TrustDomain OTHER = TrustDomain.of("other.example");
  static final String AUDIENCE = "spiffe://example.org/payments";
  static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  static final SpiffeId PARTNER_BILLING = SpiffeId.parse("spiffe://partner.example/billing");
  static final SpiffeId OTHER_BILLING = SpiffeId.parse("spiffe://other.example/billing");

  static final EmbeddedAuthority OWN_AUTHORITY = EmbeddedAuthority.newBuilder(OWN).build();
  static final EmbeddedAuthority PARTNER_AUTHORITY = EmbeddedAuthority.newBuilder(PARTNER).build();
  static final EmbeddedAuthority OTHER_AUTHORITY = EmbeddedAuthority.newBuilder(OTHER).build();

  BundleEndpoint endpoint;
  HttpBundleSource http;

  @AfterEach
  void stop() throws Exception {
    if (http != null) {
      http.close();
    }
    if (endpoint != null) {
      endpoint.close();
    }
  }

  static FederatedBundleSource federatedWithPartner() {
    return FederatedBundleSource.newBuilder(OWN, OWN_AUTHORITY.bundleSource())
        .federate(PARTNER, BundleSource.of(PARTNER_AUTHORITY.bundle())).build();
  }

  static JwtSvidVerifier jwtVerifier(BundleSource bundles) {
    return JwtSvidVerifier.newBuilder().bundleSource(bundles).audience(AUDIENCE).disableCache().build();
  }

  static JwtSvidRejectedException.Reason jwtRejection(JwtSvidVerifier verifier, String token) {
    try {
      throw new AssertionError("accepted: " + verifier.verify(token));
    } catch (JwtSvidRejectedException e) {
      return e.reason();
    }
  }

  static X509SvidRejectedException.Reason x509Rejection(X509SvidVerifier verifier, X509Svid svid) {
    try {
      throw new AssertionError("accepted: " + verifier.verify(svid.chain()));
    } catch (X509SvidRejectedException e) {
      return e.reason();
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Routing
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void bundleForWhenOwnFederatedOrUnknownTrustDomainThenEachFromItsOwnSourceOrNone() {
    FederatedBundleSource source = federatedWithPartner();

    assertThat(source.bundleFor(OWN)).containsSame(OWN_AUTHORITY.bundleSource().bundleFor(OWN).orElseThrow());
    assertThat(source.bundleFor(PARTNER)).contains(PARTNER_AUTHORITY.bundle());
    assertThat(source.bundleFor(OTHER)).isEmpty();
    assertThat(source.trustDomains()).containsExactly(OWN, PARTNER);
    assertThat(source.federatedTrustDomains()).containsExactly(PARTNER);
    assertThat(source.ownTrustDomain()).isEqualTo(OWN);
  }

  @Test
  void bundleForWhenAskedTwiceThenTheSameInstanceSoVerifierCachesSeeNoChange() {
    FederatedBundleSource source = federatedWithPartner();

    assertThat(source.bundleFor(PARTNER).orElseThrow()).isSameAs(source.bundleFor(PARTNER).orElseThrow());
  }

  @Test
  void federateWhenOwnTrustDomainThenStartupErrorNamingIt() {
    FederatedBundleSource.Builder builder = FederatedBundleSource.newBuilder(OWN, OWN_AUTHORITY.bundleSource());

    assertThatThrownBy(() -> builder.federate(OWN, BundleSource.of(OWN_AUTHORITY.bundle())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("example.org")
        .hasMessageContaining("own trust domain");
  }

  @Test
  void federateWhenTrustDomainTwiceThenIllegalState() {
    FederatedBundleSource.Builder builder = FederatedBundleSource.newBuilder(OWN, OWN_AUTHORITY.bundleSource())
        .federate(PARTNER, BundleSource.of(PARTNER_AUTHORITY.bundle()));

    assertThatThrownBy(() -> builder.federate(PARTNER, BundleSource.of(PARTNER_AUTHORITY.bundle())))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("partner.example");
  }

  @Test
  void requestRefreshWhenFederatedTrustDomainThenOnlyItsSourceAsked() {
    java.util.List<TrustDomain> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
    BundleSource partner = new BundleSource() {
      @Override
      public Optional<TrustBundle> bundleFor(TrustDomain td) {
        return PARTNER.equals(td) ? Optional.of(PARTNER_AUTHORITY.bundle()) : Optional.empty();
      }

      @Override
      public void requestRefresh(TrustDomain td) {
        asked.add(td);
      }
    };
    FederatedBundleSource source = FederatedBundleSource.newBuilder(OWN, OWN_AUTHORITY.bundleSource())
        .federate(PARTNER, partner).build();

    source.requestRefresh(OWN);
    source.requestRefresh(OTHER);
    source.requestRefresh(PARTNER);

    assertThat(asked).containsExactly(PARTNER);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The <trust domain, bundle> binding
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void buildWhenSourceHandsOutAnotherTrustDomainsBundleThenRefusedNamingBoth() {
    BundleSource wrong = td -> Optional.of(OTHER_AUTHORITY.bundle());
    FederatedBundleSource.Builder builder = FederatedBundleSource.newBuilder(OWN, OWN_AUTHORITY.bundleSource())
        .federate(PARTNER, wrong);

    assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("partner.example").hasMessageContaining("other.example");
  }

  @Test
  void bundleForWhenSourceLaterHandsOutAnotherTrustDomainsBundleThenUnavailableAndTokensOfItNeverAccepted() {
    java.util.concurrent.atomic.AtomicReference<TrustBundle> served =
        new java.util.concurrent.atomic.AtomicReference<>(PARTNER_AUTHORITY.bundle());
    FederatedBundleSource source = FederatedBundleSource.newBuilder(OWN, OWN_AUTHORITY.bundleSource())
        .federate(PARTNER, td -> Optional.of(served.get())).build();
    JwtSvidVerifier verifier = jwtVerifier(source);
    // A token that names a partner subject but is signed with the other trust domain's key.
    String forged = OTHER_AUTHORITY.mintJwtSvid(OTHER_BILLING, AUDIENCE).token();
    assertThat(jwtRejection(verifier, forged)).isEqualTo(JwtSvidRejectedException.Reason.UNTRUSTED_TRUST_DOMAIN);

    served.set(OTHER_AUTHORITY.bundle());

    assertThatThrownBy(() -> source.bundleFor(PARTNER)).isInstanceOf(BundleUnavailableException.class)
        .hasMessageContaining("it is the bundle of other.example, not of partner.example");
    assertThatThrownBy(() -> verifier.verify(PARTNER_AUTHORITY.mintJwtSvid(PARTNER_BILLING, AUDIENCE).token()))
        .isInstanceOf(BundleUnavailableException.class);
    assertThat(source.bundleFor(OWN)).isPresent();
  }

  @Test
  void bundleForWhenUrlOfPartnerServesAnotherTrustDomainsBundleThenRootsGiveItAwayAndItIsRefused() throws Exception {
    endpoint = BundleEndpoint.https(HttpBundleSourceTest.serverContext()).serve(OTHER_AUTHORITY.bundle().toJson());
    http = HttpBundleSource.newBuilder(PARTNER, endpoint.uri()).sslContext(HttpBundleSourceTest.clientContext())
        .timeout(Duration.ofSeconds(10)).build();
    assertThat(http.bundleFor(PARTNER)).isPresent(); // parsed under the name it was fetched for

    FederatedBundleSource.Builder builder = FederatedBundleSource.newBuilder(OWN, OWN_AUTHORITY.bundleSource())
        .federate(PARTNER, http);

    assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("belongs to trust domain other.example, not to partner.example");
  }

  @Test
  void bundleForWhenUrlOfPartnerServesPartnerBundleThenUsed() throws Exception {
    endpoint = BundleEndpoint.https(HttpBundleSourceTest.serverContext()).serve(PARTNER_AUTHORITY.bundle().toJson());
    http = HttpBundleSource.newBuilder(PARTNER, endpoint.uri()).sslContext(HttpBundleSourceTest.clientContext())
        .timeout(Duration.ofSeconds(10)).build();
    FederatedBundleSource source = FederatedBundleSource.newBuilder(OWN, OWN_AUTHORITY.bundleSource())
        .federate(PARTNER, http).build();

    assertThat(jwtVerifier(source).verify(PARTNER_AUTHORITY.mintJwtSvid(PARTNER_BILLING, AUDIENCE).token())
        .subject()).isEqualTo(PARTNER_BILLING);
  }

  @Test
  void federateWhenFileOfPartnerThenItsTokensVerify(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("partner.json");
    Files.writeString(file, PARTNER_AUTHORITY.bundle().toJson(), StandardCharsets.UTF_8);
    FederatedBundleSource source = FederatedBundleSource.newBuilder(OWN, OWN_AUTHORITY.bundleSource())
        .federate(PARTNER, FileBundleSource.of(PARTNER, file)).build();

    assertThat(jwtVerifier(source).verify(PARTNER_AUTHORITY.mintJwtSvid(PARTNER_BILLING, AUDIENCE).token())
        .subject()).isEqualTo(PARTNER_BILLING);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Verifiers pick by the presented identity's trust domain
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void verifyJwtWhenPartnerTokenThenAcceptedOnlyWithFederation() throws Exception {
    String token = PARTNER_AUTHORITY.mintJwtSvid(PARTNER_BILLING, AUDIENCE, "read").token();

    assertThat(jwtVerifier(federatedWithPartner()).verify(token).subject()).isEqualTo(PARTNER_BILLING);
    assertThat(jwtRejection(jwtVerifier(OWN_AUTHORITY.bundleSource()), token))
        .isEqualTo(JwtSvidRejectedException.Reason.UNTRUSTED_TRUST_DOMAIN);
  }

  @Test
  void verifyJwtWhenOwnTokenThenStillAcceptedAndUnknownTrustDomainRejected() throws Exception {
    JwtSvidVerifier verifier = jwtVerifier(federatedWithPartner());

    assertThat(verifier.verify(OWN_AUTHORITY.mintJwtSvid(ORDERS, AUDIENCE).token()).subject()).isEqualTo(ORDERS);
    assertThat(jwtRejection(verifier, OTHER_AUTHORITY.mintJwtSvid(OTHER_BILLING, AUDIENCE).token()))
        .isEqualTo(JwtSvidRejectedException.Reason.UNTRUSTED_TRUST_DOMAIN);
  }

  @Test
  void verifyJwtWhenPartnerTokenForAnotherAudienceThenAudienceMismatch() {
    String token = PARTNER_AUTHORITY.mintJwtSvid(PARTNER_BILLING, "spiffe://example.org/ledger").token();

    assertThat(jwtRejection(jwtVerifier(federatedWithPartner()), token))
        .isEqualTo(JwtSvidRejectedException.Reason.AUDIENCE_MISMATCH);
  }

  @Test
  void verifyX509WhenPartnerSvidThenAcceptedOnlyWithFederation() throws Exception {
    X509Svid partner = PARTNER_AUTHORITY.issueX509Svid(PARTNER_BILLING);

    assertThat(X509SvidVerifier.newBuilder().bundleSource(federatedWithPartner()).build().verify(partner.chain())
        .spiffeId()).isEqualTo(PARTNER_BILLING);
    assertThat(x509Rejection(X509SvidVerifier.newBuilder().bundleSource(OWN_AUTHORITY.bundleSource()).build(),
        partner)).isEqualTo(X509SvidRejectedException.Reason.UNTRUSTED_TRUST_DOMAIN);
  }

  @Test
  void verifyX509WhenOtherDomainSvidThenRejectedAsUntrustedTrustDomain() {
    X509SvidVerifier verifier = X509SvidVerifier.newBuilder().bundleSource(federatedWithPartner()).build();

    assertThat(x509Rejection(verifier, OTHER_AUTHORITY.issueX509Svid(OTHER_BILLING)))
        .isEqualTo(X509SvidRejectedException.Reason.UNTRUSTED_TRUST_DOMAIN);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The README's example (README.md, "Federation: callers from other trust domains")
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void readmeExampleWhenPartnerBundleServedOverHttpsThenPartnerCallersVerifyAndOthersDoNot() throws Exception {
    endpoint = BundleEndpoint.https(HttpBundleSourceTest.serverContext()).serve(PARTNER_AUTHORITY.bundle().toJson());
    BundleSource ownBundles = OWN_AUTHORITY.bundleSource();
    // tag::federation[]
    URI partnerBundleUrl = URI.create("https://partner.example/bundle");
    // end::federation[]
    partnerBundleUrl = endpoint.uri();
    // tag::federation[]
    FederatedBundleSource bundles = FederatedBundleSource.newBuilder(TrustDomain.of("example.org"), ownBundles)
        .federate(TrustDomain.of("partner.example"),
            HttpBundleSource.newBuilder(TrustDomain.of("partner.example"), partnerBundleUrl)
                // end::federation[]
                .sslContext(HttpBundleSourceTest.clientContext())
                // tag::federation[]
                .build())
        .build();
    // LanyardFilter.newBuilder()...bundleSource(bundles): partner callers are accepted too.
    // end::federation[]
    try (bundles) {
      JwtSvidVerifier verifier = jwtVerifier(bundles);

      assertThat(verifier.verify(PARTNER_AUTHORITY.mintJwtSvid(PARTNER_BILLING, AUDIENCE).token()).subject())
          .isEqualTo(PARTNER_BILLING);
      assertThat(verifier.verify(OWN_AUTHORITY.mintJwtSvid(ORDERS, AUDIENCE).token()).subject()).isEqualTo(ORDERS);
      assertThatThrownBy(() -> verifier.verify(OTHER_AUTHORITY.mintJwtSvid(OTHER_BILLING, AUDIENCE).token()))
          .isInstanceOfSatisfying(JwtSvidRejectedException.class, e -> assertThat(e.reason())
              .isEqualTo(JwtSvidRejectedException.Reason.UNTRUSTED_TRUST_DOMAIN));
    }
  }
}

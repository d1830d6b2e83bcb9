package dev.lanyard.authority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.audit.AuthorityEvent;
import dev.lanyard.audit.AuthorityEvent.Kind;
import dev.lanyard.authority.AuthorityAuditTest.Recorder;
import dev.lanyard.inventory.Inventory;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.MutableClock;
import dev.lanyard.x509.X509Svid;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

/** The identity inventory enforced by {@link EmbeddedAuthority}, with real keys and signatures. */
class InventoryGateTest {
  private static final TrustDomain TD = TrustDomain.of("example.org");
  private static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  private static final SpiffeId BILLING = SpiffeId.parse("spiffe://example.org/billing");
  private static final SpiffeId DEPLOYER = SpiffeId.parse("spiffe://example.org/ci/deployer");
  private static final SpiffeId UNLISTED = SpiffeId.parse("spiffe://example.org/rogue");
  private static final Inventory INVENTORY = Inventory.parse("""
      {"format": "lanyard-inventory/1", "maxTtl": "2h", "identities": [
        {"id": "spiffe://example.org/orders", "owner": "team-orders", "maxTtl": "2m"},
        {"id": "spiffe://example.org/billing", "owner": "team-billing"},
        {"id": "spiffe://example.org/ci/deployer", "owner": "platform", "deployOnly": true}
      ]}""", "inventory.json");

  private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));

  // X.509-SVIDs are backdated for clock skew: their lifetime is measured from the (fixed) clock, not notBefore.
  private EmbeddedAuthority authority(boolean withInventory) {
    EmbeddedAuthority.Builder builder = EmbeddedAuthority.newBuilder(TD).clock(clock);
    return withInventory ? builder.inventory(INVENTORY).build() : builder.build();
  }

  @Test
  void mintWhenSubjectIsNotInTheInventoryThenIllegalArgumentExceptionNamingIt() {
    EmbeddedAuthority authority = authority(true);

    assertThatThrownBy(() -> authority.mintJwtSvid(UNLISTED, "api"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("spiffe://example.org/rogue")
        .hasMessageContaining("not in the identity inventory");
    assertThatThrownBy(() -> authority.mint(UNLISTED, List.of("api"), List.of(), Duration.ofSeconds(30)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("spiffe://example.org/rogue is not in the identity inventory");
  }

  @Test
  void issueWhenSubjectIsNotInTheInventoryThenIllegalArgumentExceptionNamingItForKeyAndCsr() throws Exception {
    EmbeddedAuthority authority = authority(true);

    assertThatThrownBy(() -> authority.issueX509Svid(UNLISTED))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("X.509-SVID for spiffe://example.org/rogue refused")
        .hasMessageContaining("not in the identity inventory");
    assertThatThrownBy(() -> authority.issue(UNLISTED, Duration.ofMinutes(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not in the identity inventory");
    byte[] csr = csr();
    assertThatThrownBy(() -> authority.issueX509SvidForCsr(csr, UNLISTED, null, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("spiffe://example.org/rogue is not in the identity inventory");
  }

  @Test
  void mintWhenTtlIsAboveTheListedMaximumThenShortenedToIt() {
    EmbeddedAuthority authority = authority(true);

    JwtSvid svid = authority.mint(ORDERS, List.of("api"), List.of(), Duration.ofMinutes(30));
    JwtSvid byDefault = authority.mintJwtSvid(ORDERS, "api");

    assertThat(Duration.between(svid.issuedAt(), svid.expiresAt())).isEqualTo(Duration.ofMinutes(2));
    assertThat(Duration.between(byDefault.issuedAt(), byDefault.expiresAt())).isEqualTo(Duration.ofMinutes(2));
    assertThat(svid.subject()).isEqualTo(ORDERS);
  }

  @Test
  void issueWhenTtlIsAboveTheListedMaximumThenShortenedToItForKeyAndCsr() throws Exception {
    EmbeddedAuthority authority = authority(true);

    X509Svid svid = authority.issue(ORDERS, Duration.ofHours(5));
    X509Svid fromCsr = authority.issueX509SvidForCsr(csr(), ORDERS, null, List.of());
    X509Svid estateCapped = authority.issue(BILLING, Duration.ofHours(5));

    assertThat(Duration.between(clock.instant(), svid.expiresAt())).isEqualTo(Duration.ofMinutes(2));
    assertThat(Duration.between(clock.instant(), fromCsr.expiresAt())).isEqualTo(Duration.ofMinutes(2));
    assertThat(Duration.between(clock.instant(), estateCapped.expiresAt())).isEqualTo(Duration.ofHours(2));
    assertThat(svid.spiffeId()).isEqualTo(ORDERS);
  }

  @Test
  void mintWhenSubjectIsListedWithinItsMaximumThenMintedAsAsked() {
    EmbeddedAuthority authority = authority(true);

    JwtSvid svid = authority.mint(ORDERS, List.of("api"), List.of("read"), Duration.ofSeconds(90));
    JwtSvid deployer = authority.mint(DEPLOYER, List.of("deploy"), List.of(), Duration.ofMinutes(10));
    X509Svid x509 = authority.issue(BILLING, Duration.ofMinutes(30));

    assertThat(Duration.between(svid.issuedAt(), svid.expiresAt())).isEqualTo(Duration.ofSeconds(90));
    assertThat(svid.scopes()).containsExactly("read");
    assertThat(Duration.between(deployer.issuedAt(), deployer.expiresAt())).isEqualTo(Duration.ofMinutes(10));
    assertThat(Duration.between(clock.instant(), x509.expiresAt())).isEqualTo(Duration.ofMinutes(30));
  }

  @Test
  void mintWhenNoInventoryThenAnySubjectAndTheAuthorityMaximumAsBefore() {
    EmbeddedAuthority authority = authority(false);

    JwtSvid svid = authority.mint(UNLISTED, List.of("api"), List.of(), Duration.ofMinutes(30));
    X509Svid x509 = authority.issue(ORDERS, Duration.ofHours(5));

    assertThat(svid.subject()).isEqualTo(UNLISTED);
    assertThat(Duration.between(svid.issuedAt(), svid.expiresAt())).isEqualTo(Duration.ofMinutes(30));
    assertThat(Duration.between(clock.instant(), x509.expiresAt())).isEqualTo(Duration.ofHours(5));
  }

  @Test
  void mintWhenSubjectIsNotInTheInventoryThenIssuanceRefusedRecordedWithTheRequestAndNothingMinted() {
    Recorder sink = new Recorder();
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).clock(clock).inventory(INVENTORY)
        .auditSink(sink).build();
    sink.events.clear();

    assertThatThrownBy(() -> authority.mint(UNLISTED, List.of("api"), List.of("orders:read"),
        Duration.ofMinutes(3))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not in the identity inventory");

    assertThat(sink.events).singleElement().satisfies(e -> {
      assertThat(e.kind()).isEqualTo(Kind.ISSUANCE_REFUSED);
      assertThat(e.time()).isEqualTo(clock.instant());
      assertThat(e.subject()).contains(UNLISTED.toString());
      assertThat(e.audience()).containsExactly("api");
      assertThat(e.scopes()).containsExactly("orders:read");
      assertThat(e.ttl()).contains(Duration.ofMinutes(3));
      assertThat(e.keyId()).isEmpty();
      assertThat(e.credentialId()).isEmpty();
      assertThat(e.detail().orElseThrow()).startsWith("JWT-SVID for " + UNLISTED + " refused: ")
          .contains("is not in the identity inventory");
      assertThat(e.toJson()).contains("\"event\":\"issuance_refused\"");
    });
  }

  @Test
  void issueWhenSubjectIsNotInTheInventoryThenIssuanceRefusedRecordedForKeyAndCsr() throws Exception {
    Recorder sink = new Recorder();
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).clock(clock).inventory(INVENTORY)
        .auditSink(sink).build();
    byte[] csr = csr();
    sink.events.clear();

    assertThatThrownBy(() -> authority.issueX509Svid(UNLISTED)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> authority.issueX509SvidForCsr(csr, UNLISTED, Duration.ofMinutes(1), List.of()))
        .isInstanceOf(IllegalArgumentException.class);

    assertThat(sink.events).extracting(AuthorityEvent::kind).containsExactly(Kind.ISSUANCE_REFUSED,
        Kind.ISSUANCE_REFUSED);
    assertThat(sink.events).allSatisfy(e -> {
      assertThat(e.subject()).contains(UNLISTED.toString());
      assertThat(e.detail().orElseThrow()).startsWith("X.509-SVID for " + UNLISTED + " refused: ");
    });
    assertThat(sink.events.get(0).ttl()).isEmpty();
    assertThat(sink.events.get(1).ttl()).contains(Duration.ofMinutes(1));
  }

  @Test
  void mintWhenInvalidRequestForUnlistedSubjectThenRejectedForTheRequestAndNoRefusalRecorded() {
    Recorder sink = new Recorder();
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).clock(clock).inventory(INVENTORY)
        .auditSink(sink).build();
    sink.events.clear();

    assertThatThrownBy(() -> authority.mint(SpiffeId.parse("spiffe://other.org/orders"), List.of("api"), List.of(),
        null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not in trust domain");
    assertThatThrownBy(() -> authority.mint(UNLISTED, List.of(""), List.of(), null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("audience");

    assertThat(sink.events).isEmpty();
  }

  @Test
  void mintWhenTtlCappedByTheInventoryThenMintedEventShowsTheGrantedTtlAndWhy() {
    Recorder sink = new Recorder();
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).clock(clock).inventory(INVENTORY)
        .auditSink(sink).build();
    sink.events.clear();

    authority.mint(ORDERS, List.of("api"), List.of(), Duration.ofMinutes(30));
    authority.mintJwtSvid(ORDERS, "api");
    authority.mint(ORDERS, List.of("api"), List.of(), Duration.ofSeconds(90));
    authority.mint(BILLING, List.of("api"), List.of(), Duration.ofHours(3));

    assertThat(sink.events).extracting(AuthorityEvent::kind).containsOnly(Kind.JWT_SVID_MINTED).hasSize(4);
    assertThat(sink.events.get(0).ttl()).contains(Duration.ofMinutes(2));
    assertThat(sink.events.get(0).detail()).contains(
        "TTL PT30M asked for, shortened to the identity inventory's maximum PT2M for this ID");
    assertThat(sink.events.get(1).ttl()).contains(Duration.ofMinutes(2));
    assertThat(sink.events.get(1).detail()).contains(
        "TTL PT5M (the default) asked for, shortened to the identity inventory's maximum PT2M for this ID");
    assertThat(sink.events.get(2).ttl()).contains(Duration.ofSeconds(90));
    assertThat(sink.events.get(2).detail()).isEmpty();
    // Over the authority's maximum (1 h) first, then within the inventory's (2 h): the authority's cap is the reason.
    assertThat(sink.events.get(3).ttl()).contains(Duration.ofHours(1));
    assertThat(sink.events.get(3).detail()).contains("TTL PT3H asked for, shortened to the authority's maximum PT1H");
  }

  @Test
  void issueWhenTtlCappedByTheInventoryThenIssuedEventShowsTheGrantedTtlAndWhy() throws Exception {
    Recorder sink = new Recorder();
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).clock(clock).inventory(INVENTORY)
        .auditSink(sink).build();
    sink.events.clear();

    authority.issue(ORDERS, Duration.ofHours(5));
    authority.issueX509SvidForCsr(csr(), BILLING, Duration.ofHours(30), List.of());

    assertThat(sink.events).extracting(AuthorityEvent::kind).containsOnly(Kind.X509_SVID_ISSUED).hasSize(2);
    assertThat(sink.events.get(0).ttl()).contains(Duration.ofMinutes(2));
    assertThat(sink.events.get(0).detail().orElseThrow()).isEqualTo("with a key made by the authority; TTL PT5H asked "
        + "for, shortened to the identity inventory's maximum PT2M for this ID");
    assertThat(sink.events.get(1).ttl()).contains(Duration.ofHours(2));
    assertThat(sink.events.get(1).detail().orElseThrow()).isEqualTo("for the key of a certificate signing request; "
        + "TTL PT30H asked for, shortened to the identity inventory's maximum PT2H for this ID");
  }

  private static byte[] csr() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair key = generator.generateKeyPair();
    return new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=orders"), key.getPublic())
        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())).getEncoded();
  }
}

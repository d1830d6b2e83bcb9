package dev.lanyard.authority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.lanyard.authority.SigningKey.Kind;
import dev.lanyard.internal.Certificates;
import dev.lanyard.inventory.Inventory;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What a request is granted, and why it was shortened: real keys, exact instants. */
class IssuanceRulesTest {
  private static final TrustDomain TD = TrustDomain.of("example.org");
  private static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  private static final SpiffeId UNLISTED = SpiffeId.parse("spiffe://example.org/rogue");
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private static final AuthoritySettings SETTINGS = new AuthoritySettings(JwtAlgorithm.ES256, Duration.ofHours(24),
      Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofMinutes(5), null, Certificates.KeyType.EC_P256,
      Duration.ofDays(7), Duration.ofHours(1), Duration.ofHours(24));
  private static final Inventory INVENTORY = Inventory.parse("""
      {"format": "lanyard-inventory/1", "identities": [
        {"id": "spiffe://example.org/orders", "owner": "team-orders", "maxTtl": "20m"}
      ]}""", "inventory.json");
  /** A JWT key created at T0, expiring at T0 + 24 h. */
  private static final SigningKey KEY = new SigningKeyFactory(TD, SETTINGS, null).newJwtKey(T0);

  private final IssuanceRules open = new IssuanceRules(TD, SETTINGS, null);
  private final IssuanceRules listed = new IssuanceRules(TD, SETTINGS, new InventoryGate(INVENTORY));

  @Test
  void grantWhenWithinEveryMaximumThenAsAskedAndNothingShortened() {
    IssuanceRules.Grant grant = open.grant(Kind.JWT, ORDERS, Duration.ofMinutes(10), T0, KEY);

    assertThat(grant.ttl()).isEqualTo(Duration.ofMinutes(10));
    assertThat(grant.expiry()).isEqualTo(T0.plus(Duration.ofMinutes(10)));
    assertThat(grant.shortened()).isNull();
    assertThat(open.grant(Kind.JWT, ORDERS, null, T0, KEY).ttl()).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void grantWhenOverTheAuthorityMaximumThenShortenedAndSaysSo() {
    IssuanceRules.Grant grant = open.grant(Kind.JWT, ORDERS, Duration.ofHours(1).plusSeconds(1), T0, KEY);

    assertThat(grant.ttl()).isEqualTo(Duration.ofHours(1));
    assertThat(grant.shortened()).isEqualTo("TTL PT1H1S asked for, shortened to the authority's maximum PT1H");
  }

  @Test
  void grantWhenExactlyAtTheKeysExpiryThenNotCapped() {
    Instant now = T0.plus(Duration.ofHours(23));

    IssuanceRules.Grant grant = open.grant(Kind.JWT, ORDERS, Duration.ofHours(1), now, KEY);

    assertThat(grant.expiry()).isEqualTo(KEY.notAfter);
    assertThat(grant.ttl()).isEqualTo(Duration.ofHours(1));
    assertThat(grant.shortened()).isNull();
  }

  @Test
  void grantWhenTheKeyExpiresSoonerThenExpiryCappedAtItsAndTtlSaysTheRest() {
    Instant now = T0.plus(Duration.ofHours(23)).plusSeconds(1);

    IssuanceRules.Grant grant = open.grant(Kind.JWT, ORDERS, Duration.ofHours(1), now, KEY);

    assertThat(grant.expiry()).isEqualTo(KEY.notAfter);
    assertThat(grant.ttl()).isEqualTo(Duration.ofMinutes(59).plusSeconds(59));
    assertThat(grant.shortened()).isEqualTo("expiry capped at the expiry of its signing key " + KEY.keyId
        + " (PT59M59S instead of PT1H)");
  }

  @Test
  void grantWhenInventoryAndKeyBothShortenThenBothReasonsInOrder() {
    Instant now = T0.plus(Duration.ofHours(23)).plus(Duration.ofMinutes(50));

    IssuanceRules.Grant grant = listed.grant(Kind.JWT, ORDERS, Duration.ofMinutes(30), now, KEY);

    assertThat(grant.ttl()).isEqualTo(Duration.ofMinutes(10));
    assertThat(grant.shortened()).isEqualTo("TTL PT30M asked for, shortened to the identity inventory's maximum "
        + "PT20M for this ID; expiry capped at the expiry of its signing key " + KEY.keyId
        + " (PT10M instead of PT20M)");
  }

  @Test
  void inventoryRefusalWhenUnlistedThenTheReasonElseNull() {
    assertThat(open.inventoryRefusal(Kind.JWT, UNLISTED)).isNull();
    assertThat(listed.inventoryRefusal(Kind.JWT, ORDERS)).isNull();
    assertThat(listed.inventoryRefusal(Kind.X509_CA, UNLISTED)).isEqualTo("X.509-SVID for " + UNLISTED
        + " refused: " + UNLISTED + " is not in the identity inventory (list it there, with an owner and a maxTtl, "
        + "to issue for it)");
    assertThatIllegalArgumentException().isThrownBy(() -> listed.grant(Kind.JWT, UNLISTED, null, T0, KEY))
        .withMessageContaining("not in the identity inventory");
  }

  @Test
  void grantWhenUnderOneSecondThenIllegalArgumentException() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> open.grant(Kind.JWT, ORDERS, Duration.ofMillis(999), T0, KEY))
        .withMessageContaining("at least 1s");
  }
}

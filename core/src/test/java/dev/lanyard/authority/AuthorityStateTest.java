package dev.lanyard.authority;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.internal.Certificates;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.JwtKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The snapshot of an authority's keys and the bundle it publishes: real keys, no clock. */
class AuthorityStateTest {
  private static final TrustDomain TD = TrustDomain.of("example.org");
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private static final AuthoritySettings SETTINGS = new AuthoritySettings(JwtAlgorithm.ES256, Duration.ofHours(24),
      Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofMinutes(5), null, Certificates.KeyType.EC_P256,
      Duration.ofDays(7), Duration.ofHours(1), Duration.ofHours(24));
  private static final SigningKeyFactory FACTORY = new SigningKeyFactory(TD, SETTINGS, null);

  @Test
  void ofWhenKeysOfBothKindsThenOneRingPerKindAndTheBundlePublishesEveryKeyAndRoot() {
    SigningKey active = FACTORY.newJwtKey(T0).activate(T0);
    SigningKey prepared = FACTORY.newJwtKey(T0.plus(Duration.ofHours(12)));
    SigningKey ca = FACTORY.newCa(T0).activate(T0);

    AuthorityState state = AuthorityState.of(TD, List.of(active, ca, prepared), 7, Duration.ofMinutes(3));

    assertThat(state.jwt.keys()).containsExactly(active, prepared);
    assertThat(state.cas.keys()).containsExactly(ca);
    assertThat(state.ring(SigningKey.Kind.JWT)).isSameAs(state.jwt);
    assertThat(state.ring(SigningKey.Kind.X509_CA)).isSameAs(state.cas);
    assertThat(state.keys()).containsExactly(active, prepared, ca);
    assertThat(state.sequence).isEqualTo(7);
    assertThat(state.bundle.trustDomain()).isEqualTo(TD);
    assertThat(state.bundle.jwtKeys()).extracting(JwtKey::keyId).containsExactly(active.keyId, prepared.keyId);
    assertThat(state.bundle.x509Authorities()).containsExactly(ca.root());
    assertThat(state.bundle.sequence()).hasValue(7);
    assertThat(state.bundle.refreshHint()).contains(Duration.ofMinutes(3));
    assertThat(state.bundleOptional).containsSame(state.bundle);
  }

  @Test
  void keyIdsWhenStatesDifferThenEachIdWithItsStateAndTaint() {
    SigningKey retired = FACTORY.newJwtKey(T0).activate(T0).retire(T0.plus(Duration.ofHours(20))).taint();
    SigningKey active = FACTORY.newJwtKey(T0.plus(Duration.ofHours(12))).activate(T0.plus(Duration.ofHours(20)));

    List<String> ids = AuthorityState.keyIds(new KeyRing<>(List.of(retired, active)));

    assertThat(ids).containsExactly(retired.keyId + " RETIRED tainted", active.keyId + " ACTIVE");
  }

  @Test
  void ofWhenNoKeysThenEmptyRingsAndAnEmptyBundle() {
    AuthorityState state = AuthorityState.of(TD, List.of(), 0, Duration.ofMinutes(5));

    assertThat(state.jwt.keys()).isEmpty();
    assertThat(state.cas.active()).isNull();
    assertThat(state.bundle.jwtKeys()).isEmpty();
    assertThat(state.bundle.x509Authorities()).isEmpty();
  }
}

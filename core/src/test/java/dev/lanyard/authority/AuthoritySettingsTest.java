package dev.lanyard.authority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.lanyard.authority.SigningKey.Kind;
import dev.lanyard.internal.Certificates;
import dev.lanyard.jose.JwtAlgorithm;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class AuthoritySettingsTest {
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

  private static AuthoritySettings defaults() {
    return new AuthoritySettings(AuthoritySettings.DEFAULT_JWT_ALGORITHM, AuthoritySettings.DEFAULT_JWT_KEY_LIFETIME,
        AuthoritySettings.DEFAULT_JWT_SVID_TTL, AuthoritySettings.DEFAULT_MAX_JWT_SVID_TTL,
        AuthoritySettings.DEFAULT_BUNDLE_REFRESH_HINT, null, AuthoritySettings.DEFAULT_CA_KEY_TYPE,
        AuthoritySettings.DEFAULT_CA_LIFETIME, AuthoritySettings.DEFAULT_X509_SVID_TTL,
        AuthoritySettings.DEFAULT_MAX_X509_SVID_TTL);
  }

  private static AuthoritySettings jwt(Duration keyLifetime, Duration defaultTtl, Duration maxTtl) {
    return new AuthoritySettings(JwtAlgorithm.ES256, keyLifetime, defaultTtl, maxTtl, Duration.ofMinutes(5), null,
        Certificates.KeyType.EC_P256, Duration.ofDays(7), Duration.ofHours(1), Duration.ofHours(24));
  }

  @Test
  void defaultsThenAsDocumentedOnTheBuilder() {
    AuthoritySettings s = defaults();

    assertThat(s.jwtAlgorithm).isEqualTo(JwtAlgorithm.ES256);
    assertThat(s.lifetime(Kind.JWT)).isEqualTo(Duration.ofHours(24));
    assertThat(s.defaultTtl(Kind.JWT)).isEqualTo(Duration.ofMinutes(5));
    assertThat(s.maxTtl(Kind.JWT)).isEqualTo(Duration.ofHours(1));
    assertThat(s.bundleRefreshHint).isEqualTo(Duration.ofMinutes(5));
    assertThat(s.jwtIssuer).isNull();
    assertThat(s.caKeyType).isEqualTo(Certificates.KeyType.EC_P256);
    assertThat(s.lifetime(Kind.X509_CA)).isEqualTo(Duration.ofDays(7));
    assertThat(s.defaultTtl(Kind.X509_CA)).isEqualTo(Duration.ofHours(1));
    assertThat(s.maxTtl(Kind.X509_CA)).isEqualTo(Duration.ofHours(24));
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void grantedTtlWhenNoneAskedThenDefault(Kind kind) {
    assertThat(defaults().grantedTtl(kind, null)).isEqualTo(defaults().defaultTtl(kind));
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void grantedTtlWhenWithinRangeThenAsAsked(Kind kind) {
    AuthoritySettings s = defaults();

    assertThat(s.grantedTtl(kind, Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(1));
    assertThat(s.grantedTtl(kind, Duration.ofMinutes(17))).isEqualTo(Duration.ofMinutes(17));
    assertThat(s.grantedTtl(kind, s.maxTtl(kind))).isEqualTo(s.maxTtl(kind));
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void grantedTtlWhenOverTheMaximumThenShortenedToIt(Kind kind) {
    AuthoritySettings s = defaults();

    assertThat(s.grantedTtl(kind, s.maxTtl(kind).plusNanos(1))).isEqualTo(s.maxTtl(kind));
    assertThat(s.grantedTtl(kind, Duration.ofDays(10_000))).isEqualTo(s.maxTtl(kind));
  }

  @ParameterizedTest
  @ValueSource(strings = {"PT0S", "PT0.999999999S", "-PT1S", "-PT1000H"})
  void grantedTtlWhenUnderOneSecondThenIllegalArgumentException(String ttl) {
    assertThatIllegalArgumentException().isThrownBy(() -> defaults().grantedTtl(Kind.JWT, Duration.parse(ttl)))
        .withMessage("JWT-SVID TTL must be at least 1s (at most 3600s)");
    assertThatIllegalArgumentException().isThrownBy(() -> defaults().grantedTtl(Kind.X509_CA, Duration.parse(ttl)))
        .withMessage("X.509-SVID TTL must be at least 1s (at most 86400s)");
  }

  @Test
  void expiryWhenKeyOutlivesTheTtlThenNowPlusTtl() {
    assertThat(AuthoritySettings.expiry(NOW, Duration.ofMinutes(5), NOW.plus(Duration.ofMinutes(5))))
        .isEqualTo(NOW.plus(Duration.ofMinutes(5)));
  }

  @Test
  void expiryWhenKeyExpiresSoonerThenKeyExpiry() {
    assertThat(AuthoritySettings.expiry(NOW, Duration.ofMinutes(5), NOW.plus(Duration.ofMinutes(5)).minusNanos(1)))
        .isEqualTo(NOW.plus(Duration.ofMinutes(5)).minusNanos(1));
  }

  @Test
  void maintenanceIntervalWhenLongKeyLifetimeThenOneMinuteAndWhenShortThenOneTwentyFourth() {
    assertThat(defaults().maintenanceInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(jwt(Duration.ofMinutes(12), Duration.ofMinutes(1), Duration.ofMinutes(2)).maintenanceInterval())
        .isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void newWhenKeyLifetimeJustUnderSixMaxTtlsThenIllegalArgumentExceptionAndAtSixThenAccepted() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> jwt(Duration.ofHours(6).minusNanos(1), Duration.ofMinutes(5), Duration.ofHours(1)))
        .withMessageContaining("six times");
    assertThat(jwt(Duration.ofHours(6), Duration.ofMinutes(5), Duration.ofHours(1)).lifetime(Kind.JWT))
        .isEqualTo(Duration.ofHours(6));
  }

  @Test
  void newWhenDefaultTtlOverTheMaximumThenIllegalArgumentException() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> jwt(Duration.ofHours(24), Duration.ofHours(1).plusNanos(1), Duration.ofHours(1)))
        .withMessageContaining("exceeds the maximum");
  }

  @Test
  void newWhenAlgorithmTheAuthorityCannotSignWithThenIllegalArgumentException() {
    assertThatIllegalArgumentException().isThrownBy(() -> new AuthoritySettings(JwtAlgorithm.ES512,
        Duration.ofHours(24), Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofMinutes(5), null,
        Certificates.KeyType.EC_P256, Duration.ofDays(7), Duration.ofHours(1), Duration.ofHours(24)));
  }
}

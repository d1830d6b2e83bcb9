package dev.lanyard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.internal.TokenRejection.Fault;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The registered claims both verifiers read, as pure functions of a claims map and an instant. */
class JwtClaimsTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration SKEW = Duration.ofSeconds(30);
  private static final Duration MAX = Duration.ofHours(1);

  private static void assertFault(Executable check, Fault fault) {
    assertThatThrownBy(check::execute)
        .isInstanceOfSatisfying(TokenRejection.class, e -> assertThat(e.fault()).isEqualTo(fault));
  }

  @Test
  void numericDateWhenIntegralFractionalOrOutOfRangeThenInstantOrInvalidClaim() throws Exception {
    assertThat(JwtClaims.numericDate(Map.of("exp", 10L), "exp", true)).isEqualTo(Instant.ofEpochSecond(10));
    assertThat(JwtClaims.numericDate(Map.of("exp", 10.5), "exp", true))
        .isEqualTo(Instant.ofEpochSecond(10, 500_000_000));
    assertThat(JwtClaims.numericDate(Map.of(), "nbf", false)).isNull();
    assertFault(() -> JwtClaims.numericDate(Map.of(), "exp", true), Fault.MISSING_CLAIM);
    assertFault(() -> JwtClaims.numericDate(Map.of("exp", "10"), "exp", true), Fault.INVALID_CLAIM);
    assertFault(() -> JwtClaims.numericDate(Map.of("exp", -1L), "exp", true), Fault.INVALID_CLAIM);
    assertFault(() -> JwtClaims.numericDate(Map.of("exp", 253402300800L), "exp", true), Fault.INVALID_CLAIM);
  }

  @Test
  void checkTimesWhenExactlyAtExpiryPlusSkewThenExpiredAndOneNanoBeforeThenWindow() throws Exception {
    Map<String, Object> claims = Map.of("exp", NOW.getEpochSecond(), "iat", NOW.minusSeconds(60).getEpochSecond());

    assertFault(() -> JwtClaims.checkTimes(claims, NOW.plus(SKEW), SKEW, MAX), Fault.EXPIRED);
    JwtClaims.Window window = JwtClaims.checkTimes(claims, NOW.plus(SKEW).minusNanos(1), SKEW, MAX);

    assertThat(window.expiresAt()).isEqualTo(NOW);
    assertThat(window.issuedAt()).isEqualTo(NOW.minusSeconds(60));
  }

  @Test
  void checkTimesWhenNotBeforeOrIssuedBeyondSkewThenNotYetValidAndLongLifetimeThenTooLong() {
    long exp = NOW.plusSeconds(300).getEpochSecond();
    long future = NOW.plus(SKEW).plusSeconds(1).getEpochSecond();

    assertFault(() -> JwtClaims.checkTimes(Map.of("exp", exp, "nbf", future), NOW, SKEW, MAX), Fault.NOT_YET_VALID);
    assertFault(() -> JwtClaims.checkTimes(Map.of("exp", exp, "iat", future), NOW, SKEW, MAX), Fault.NOT_YET_VALID);
    assertFault(() -> JwtClaims.checkTimes(Map.of("exp", NOW.plus(MAX).plusSeconds(1).getEpochSecond()), NOW, SKEW,
        MAX), Fault.LIFETIME_TOO_LONG);
  }

  @Test
  void audienceWhenStringOrArrayThenListElseItsFault() throws Exception {
    assertThat(JwtClaims.audience(Map.of("aud", "payments"))).containsExactly("payments");
    assertThat(JwtClaims.audience(Map.of("aud", List.of("a", "b")))).containsExactly("a", "b");
    assertFault(() -> JwtClaims.audience(Map.of()), Fault.MISSING_CLAIM);
    assertFault(() -> JwtClaims.audience(Map.of("aud", List.of())), Fault.INVALID_CLAIM);
    assertFault(() -> JwtClaims.audience(Map.of("aud", List.of("a", 1L))), Fault.INVALID_CLAIM);
  }

  @Test
  void optionalStringWhenAbsentThenNullWhenNotAStringThenInvalidClaim() throws Exception {
    assertThat(JwtClaims.optionalString(Map.of("iss", "https://idp"), "iss")).isEqualTo("https://idp");
    assertThat(JwtClaims.optionalString(Map.of(), "iss")).isNull();
    assertFault(() -> JwtClaims.optionalString(Map.of("jti", 7L), "jti"), Fault.INVALID_CLAIM);
  }

  @Test
  void tokenIdOrNullWhenStringThenItElseNull() {
    assertThat(JwtClaims.tokenIdOrNull(Map.of("jti", "id"))).isEqualTo("id");
    assertThat(JwtClaims.tokenIdOrNull(Map.of("jti", 1L))).isNull();
    assertThat(JwtClaims.tokenIdOrNull(Map.of())).isNull();
  }
}

package dev.lanyard.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.internal.Base64Url;
import dev.lanyard.internal.CompactJws;
import dev.lanyard.internal.JwtClaims;
import dev.lanyard.internal.TokenRejection;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.jwt.JwtSvidRejectedException.Reason;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The claim rules as pure functions of a claims map and an instant: no keys, no tokens. */
class ClaimChecksTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration SKEW = Duration.ofSeconds(30);
  private static final ClaimChecks CHECKS = new ClaimChecks(Set.of("payments"), SKEW, Duration.ofHours(1));

  private static Map<String, Object> claims(Object... members) {
    Map<String, Object> claims = new HashMap<>();
    claims.put("sub", "spiffe://example.org/orders");
    claims.put("aud", "payments");
    claims.put("exp", NOW.plusSeconds(300).getEpochSecond());
    claims.put("iat", NOW.getEpochSecond());
    for (int i = 0; i < members.length; i += 2) {
      if (members[i + 1] == REMOVE) {
        claims.remove((String) members[i]);
      } else {
        claims.put((String) members[i], members[i + 1]);
      }
    }
    return claims;
  }

  private static final Object REMOVE = new Object();

  private static void assertReason(Executable check, Reason reason) {
    assertThatThrownBy(check::execute)
        .isInstanceOfSatisfying(JwtSvidRejectedException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  @Test
  void checkWhenValidThenClaimsCarried() throws Exception {
    ClaimChecks.Checked checked = CHECKS.check(claims("scope", "a b", "jti", "id-1", "iss", "issuer",
        "aud", List.of("other", "payments")), NOW);

    assertThat(checked.expiresAt).isEqualTo(NOW.plusSeconds(300));
    assertThat(checked.issuedAt).isEqualTo(NOW);
    assertThat(checked.audience).containsExactly("other", "payments");
    assertThat(checked.scopes).containsExactlyInAnyOrder("a", "b");
    assertThat(checked.tokenId).isEqualTo("id-1");
    assertThat(checked.issuer).isEqualTo("issuer");
  }

  @Test
  void checkWhenExactlyAtExpiryPlusSkewThenExpiredAndOneNanoBeforeThenAccepted() throws Exception {
    Map<String, Object> claims = claims("exp", NOW.getEpochSecond(), "iat", REMOVE);

    assertReason(() -> CHECKS.check(claims, NOW.plus(SKEW)), Reason.EXPIRED);
    assertThat(CHECKS.check(claims, NOW.plus(SKEW).minusNanos(1)).expiresAt).isEqualTo(NOW);
  }

  @Test
  void checkWhenNotBeforeOrIssuedBeyondSkewInTheFutureThenNotYetValid() throws Exception {
    long future = NOW.plus(SKEW).plusSeconds(1).getEpochSecond();

    assertReason(() -> CHECKS.check(claims("nbf", future), NOW), Reason.NOT_YET_VALID);
    assertReason(() -> CHECKS.check(claims("iat", future), NOW), Reason.NOT_YET_VALID);
    assertThat(CHECKS.check(claims("nbf", NOW.plus(SKEW).getEpochSecond()), NOW)).isNotNull();
  }

  @Test
  void checkWhenLifetimeAboveMaximumThenLifetimeTooLong() throws Exception {
    assertReason(() -> CHECKS.check(claims("exp", NOW.plusSeconds(3601).getEpochSecond()), NOW),
        Reason.LIFETIME_TOO_LONG);
    assertThat(CHECKS.check(claims("exp", NOW.plusSeconds(3600).getEpochSecond()), NOW)).isNotNull();
  }

  @Test
  void checkWhenAudienceMissingWrongOrForeignThenItsReason() {
    assertReason(() -> CHECKS.check(claims("aud", REMOVE), NOW), Reason.MISSING_CLAIM);
    assertReason(() -> CHECKS.check(claims("aud", List.of()), NOW), Reason.INVALID_CLAIM);
    assertReason(() -> CHECKS.check(claims("aud", List.of("payments", 1L)), NOW), Reason.INVALID_CLAIM);
    assertReason(() -> CHECKS.check(claims("aud", "ledger"), NOW), Reason.AUDIENCE_MISMATCH);
  }

  @Test
  void checkWhenScopeJtiOrIssOfWrongFormThenInvalidClaim() {
    assertReason(() -> CHECKS.check(claims("scope", "a  b"), NOW), Reason.INVALID_CLAIM);
    assertReason(() -> CHECKS.check(claims("scope", List.of("a")), NOW), Reason.INVALID_CLAIM);
    assertReason(() -> CHECKS.check(claims("jti", 7L), NOW), Reason.INVALID_CLAIM);
    assertReason(() -> CHECKS.check(claims("iss", false), NOW), Reason.INVALID_CLAIM);
  }

  @Test
  void subjectWhenMissingNotAStringNotASpiffeIdOrATrustDomainThenItsReason() throws Exception {
    assertThat(ClaimChecks.subject(Map.of("sub", "spiffe://example.org/orders")).toString())
        .isEqualTo("spiffe://example.org/orders");
    assertReason(() -> ClaimChecks.subject(Map.of()), Reason.MISSING_CLAIM);
    assertReason(() -> ClaimChecks.subject(Map.of("sub", 1L)), Reason.INVALID_SUBJECT);
    assertReason(() -> ClaimChecks.subject(Map.of("sub", "https://example.org/orders")), Reason.INVALID_SUBJECT);
    assertReason(() -> ClaimChecks.subject(Map.of("sub", "spiffe://example.org")), Reason.INVALID_SUBJECT);
  }

  @Test
  void rejectedWhenAnyFaultOfTheSharedMachineryThenTheReasonOfTheSameNameAndItsDetail() {
    for (TokenRejection.Fault fault : TokenRejection.Fault.values()) {
      TokenRejection rejection = rejectionOf(fault);

      JwtSvidRejectedException e = ClaimChecks.rejected(rejection);

      assertThat(e.reason().name()).isEqualTo(fault.name());
      assertThat(e.detail()).isEqualTo(rejection.detail());
    }
  }

  /** A real rejection of each fault, from the shared parser and claim rules. */
  private static TokenRejection rejectionOf(TokenRejection.Fault fault) {
    String header = switch (fault) {
      case HEADER_NOT_ALLOWED -> "{\"alg\":\"ES256\",\"kid\":\"k\",\"jku\":\"x\"}";
      case ALGORITHM_NOT_ALLOWED -> "{\"alg\":\"none\",\"kid\":\"k\"}";
      case TYPE_NOT_ALLOWED -> "{\"alg\":\"ES256\",\"kid\":\"k\",\"typ\":\"x\"}";
      case UNKNOWN_KEY -> "{\"alg\":\"ES256\"}";
      default -> null;
    };
    try {
      if (fault == TokenRejection.Fault.MALFORMED) {
        CompactJws.parse("a.b", 100, EnumSet.allOf(JwtAlgorithm.class));
      } else if (header != null) {
        CompactJws.parse(Base64Url.encode(header.getBytes(StandardCharsets.UTF_8)) + ".e30.AQID", 100,
            EnumSet.allOf(JwtAlgorithm.class));
      } else {
        Map<String, Object> claims = switch (fault) {
          case MISSING_CLAIM -> claims("exp", REMOVE);
          case INVALID_CLAIM -> claims("exp", "soon");
          case EXPIRED -> claims("exp", NOW.minusSeconds(60).getEpochSecond());
          case NOT_YET_VALID -> claims("nbf", NOW.plusSeconds(60).getEpochSecond());
          default -> claims("iat", NOW.minusSeconds(7200).getEpochSecond());
        };
        JwtClaims.checkTimes(claims, NOW, SKEW, Duration.ofHours(1));
      }
    } catch (TokenRejection e) {
      assertThat(e.fault()).isEqualTo(fault);
      return e;
    }
    throw new AssertionError("no rejection for " + fault);
  }
}

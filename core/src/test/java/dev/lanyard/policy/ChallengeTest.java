package dev.lanyard.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.spiffe.SpiffeId;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChallengeTest {
  private static final Policy POLICY = Policy.parse(PolicyTest.EXAMPLE, PolicyTest.SOURCE);
  private static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  private static final SpiffeId BILLING = SpiffeId.parse("spiffe://example.org/billing");

  @Test
  void refusedWhenUnauthenticatedThen401WithRealm() {
    Decision decision = POLICY.decide("POST", "/payments/charge", null);
    assertThat(decision.outcome()).isEqualTo(Decision.Outcome.UNAUTHENTICATED);

    Challenge challenge = Challenge.refused(decision, "lanyard");

    assertThat(challenge.status()).isEqualTo(401);
    assertThat(challenge.error()).isEqualTo("unauthorized");
    assertThat(challenge.wwwAuthenticate()).contains("Bearer realm=\"lanyard\"");
  }

  @Test
  void refusedWhenDeniedThen403WithoutChallenge() {
    Decision decision = POLICY.decide("POST", "/payments/charge", jwt(BILLING, Set.of("payments:charge")));
    assertThat(decision.outcome()).isEqualTo(Decision.Outcome.DENIED);

    Challenge challenge = Challenge.refused(decision, "lanyard");

    assertThat(challenge.status()).isEqualTo(403);
    assertThat(challenge.error()).isEqualTo("forbidden");
    assertThat(challenge.wwwAuthenticate()).isEmpty();
  }

  @Test
  void refusedWhenInsufficientScopeThen403NamingTheMissingScopes() {
    Decision decision = POLICY.decide("POST", "/payments/charge", jwt(ORDERS, Set.of()));
    assertThat(decision.outcome()).isEqualTo(Decision.Outcome.INSUFFICIENT_SCOPE);

    Challenge challenge = Challenge.refused(decision, "lanyard");

    assertThat(challenge.status()).isEqualTo(403);
    assertThat(challenge.wwwAuthenticate())
        .contains("Bearer error=\"insufficient_scope\", scope=\"payments:charge\"");
    assertThat(new String(challenge.body(), StandardCharsets.UTF_8)).contains("\"error\":\"insufficient_scope\"");
  }

  @Test
  void refusedWhenAllowedOrPublicThenIllegalArgument() {
    Decision allowed = POLICY.decide("GET", "/whoami", jwt(ORDERS, Set.of()));
    Decision open = POLICY.decide("GET", "/health", null);
    assertThat(allowed.outcome()).isEqualTo(Decision.Outcome.ALLOWED);
    assertThat(open.outcome()).isEqualTo(Decision.Outcome.PUBLIC);

    assertThatThrownBy(() -> Challenge.refused(allowed, "lanyard")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Challenge.refused(open, "lanyard")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void invalidTokenWhenAnyDescriptionThen401WithInvalidTokenChallenge() {
    Challenge challenge = Challenge.invalidToken("The token has expired");

    assertThat(challenge.status()).isEqualTo(401);
    assertThat(challenge.wwwAuthenticate())
        .contains("Bearer error=\"invalid_token\", error_description=\"The token has expired\"");
  }

  @Test
  void unavailableThen503WithoutChallenge() {
    assertThat(Challenge.unavailable().status()).isEqualTo(503);
    assertThat(Challenge.unavailable().wwwAuthenticate()).isEmpty();
  }

  private static Caller jwt(SpiffeId id, Set<String> scopes) {
    return new Caller(id, scopes, Caller.CredentialType.JWT_SVID, null);
  }
}

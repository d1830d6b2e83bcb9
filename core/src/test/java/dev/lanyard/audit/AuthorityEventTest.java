package dev.lanyard.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.internal.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tests {@link AuthorityEvent}'s one-line JSON form. */
class AuthorityEventTest {
  private static final Instant TIME = Instant.parse("2026-12-05T08:00:00Z");

  @Test
  void toJsonWhenMintedThenEveryFieldInOneLine() throws Exception {
    AuthorityEvent event = AuthorityEvent.newBuilder(TIME, AuthorityEvent.Kind.JWT_SVID_MINTED, "example.org")
        .subject("spiffe://example.org/orders").audience(List.of("spiffe://example.org/payments"))
        .scopes(List.of("payments:charge")).ttl(Duration.ofMinutes(5)).keyId("k1").credentialId("jti-1").build();

    String json = event.toJson();
    Map<String, Object> parsed = Json.parseObject(json, 4);

    assertThat(json).doesNotContain("\n");
    assertThat(parsed).containsEntry("time", "2026-12-05T08:00:00Z").containsEntry("event", "jwt_svid_minted")
        .containsEntry("trustDomain", "example.org").containsEntry("subject", "spiffe://example.org/orders")
        .containsEntry("audience", List.of("spiffe://example.org/payments"))
        .containsEntry("scopes", List.of("payments:charge")).containsEntry("keyId", "k1")
        .containsEntry("credentialId", "jti-1");
    assertThat(((Number) parsed.get("ttlSeconds")).longValue()).isEqualTo(300);
  }

  @Test
  void toJsonWhenDetailHoldsALineBreakThenStillOneLineAndNoForgedMember() throws Exception {
    AuthorityEvent event = AuthorityEvent.newBuilder(TIME, AuthorityEvent.Kind.KEY_TAINTED, "example.org")
        .keyId("k1").detail("x\"}\n{\"event\":\"key_activated").build();

    String json = event.toJson();
    Map<String, Object> parsed = Json.parseObject(json, 4);

    assertThat(json).doesNotContain("\n").matches("\\p{Print}+");
    assertThat(parsed).containsEntry("event", "key_tainted").containsEntry("detail", "x\"}\n{\"event\":\"key_activated")
        .doesNotContainKeys("subject", "audience", "scopes", "ttlSeconds", "credentialId");
  }
}

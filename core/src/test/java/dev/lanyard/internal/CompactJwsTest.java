package dev.lanyard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.internal.TokenRejection.Fault;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The token's form and header, without keys: every case is plain text. */
class CompactJwsTest {
  private static final Set<JwtAlgorithm> ALL = EnumSet.allOf(JwtAlgorithm.class);
  private static final String CLAIMS = "{\"sub\":\"spiffe://example.org/orders\"}";
  private static final String SIGNATURE = Base64Url.encode(new byte[] {1, 2, 3});

  private static String part(String json) {
    return Base64Url.encode(json.getBytes(StandardCharsets.UTF_8));
  }

  private static String token(String header) {
    return part(header) + "." + part(CLAIMS) + "." + SIGNATURE;
  }

  @Test
  void parseWhenWellFormedThenAlgorithmKeyIdClaimsSignatureAndSigningInput() throws Exception {
    String token = token("{\"alg\":\"ES256\",\"kid\":\"k1\",\"typ\":\"JWT\"}");

    CompactJws jws = CompactJws.parse(token, 16 * 1024, ALL);

    assertThat(jws.algorithm()).isEqualTo(JwtAlgorithm.ES256);
    assertThat(jws.keyId()).isEqualTo("k1");
    assertThat(jws.claims()).containsEntry("sub", "spiffe://example.org/orders");
    assertThat(jws.signature()).containsExactly(1, 2, 3);
    assertThat(new String(jws.signingInput(), StandardCharsets.US_ASCII))
        .isEqualTo(token.substring(0, token.lastIndexOf('.')));
    assertThat(jws.toString()).doesNotContain(token);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "no dot | abc | MALFORMED",
      "two parts | eyJhbGciOiJFUzI1NiJ9.e30 | MALFORMED",
      "four parts | a.b.c.d | MALFORMED",
      "header not base64url | e+J9.e30.AQID | MALFORMED",
      "empty header | .e30.AQID | MALFORMED",
  })
  void parseWhenNotThreeCanonicalPartsThenMalformed(String name, String token, Fault reason) {
    assertThatThrownBy(() -> CompactJws.parse(token, 16 * 1024, ALL))
        .isInstanceOfSatisfying(TokenRejection.class, e -> assertThat(e.fault()).isEqualTo(reason));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "jwk header | {\"alg\":\"ES256\",\"kid\":\"k\",\"jwk\":{}} | HEADER_NOT_ALLOWED",
      "empty crit | {\"alg\":\"ES256\",\"kid\":\"k\",\"crit\":[]} | HEADER_NOT_ALLOWED",
      "no alg | {\"kid\":\"k\"} | ALGORITHM_NOT_ALLOWED",
      "alg none | {\"alg\":\"none\",\"kid\":\"k\"} | ALGORITHM_NOT_ALLOWED",
      "alg HS256 | {\"alg\":\"HS256\",\"kid\":\"k\"} | ALGORITHM_NOT_ALLOWED",
      "alg lower case | {\"alg\":\"es256\",\"kid\":\"k\"} | ALGORITHM_NOT_ALLOWED",
      "typ at+jwt | {\"alg\":\"ES256\",\"kid\":\"k\",\"typ\":\"at+jwt\"} | TYPE_NOT_ALLOWED",
      "typ null | {\"alg\":\"ES256\",\"kid\":\"k\",\"typ\":null} | TYPE_NOT_ALLOWED",
      "no kid | {\"alg\":\"ES256\"} | UNKNOWN_KEY",
      "empty kid | {\"alg\":\"ES256\",\"kid\":\"\"} | UNKNOWN_KEY",
      "duplicate alg | {\"alg\":\"ES256\",\"alg\":\"ES256\",\"kid\":\"k\"} | MALFORMED",
      "header not an object | [1] | MALFORMED",
  })
  void parseWhenHeaderBreaksARuleThenThatReason(String name, String header, Fault reason) {
    assertThatThrownBy(() -> CompactJws.parse(token(header), 16 * 1024, ALL))
        .isInstanceOfSatisfying(TokenRejection.class, e -> assertThat(e.fault()).isEqualTo(reason));
  }

  @Test
  void parseWhenAlgorithmNotAllowedByVerifierThenAlgorithmNotAllowed() {
    String token = token("{\"alg\":\"RS256\",\"kid\":\"k\"}");

    assertThatThrownBy(() -> CompactJws.parse(token, 16 * 1024, EnumSet.of(JwtAlgorithm.ES256)))
        .isInstanceOfSatisfying(TokenRejection.class,
            e -> assertThat(e.fault()).isEqualTo(Fault.ALGORITHM_NOT_ALLOWED));
  }

  @Test
  void parseWhenLongerThanLimitThenMalformedBeforeAnyDecoding() {
    String token = "x".repeat(101);

    assertThatThrownBy(() -> CompactJws.parse(token, 100, ALL))
        .isInstanceOfSatisfying(TokenRejection.class, e -> {
          assertThat(e.fault()).isEqualTo(Fault.MALFORMED);
          assertThat(e.getMessage()).contains("longer than 100");
        });
  }

  @Test
  void claimsWhenPayloadNotStrictJsonThenMalformedAfterTheHeaderPassed() throws Exception {
    String token = part("{\"alg\":\"ES256\",\"kid\":\"k\"}") + "." + part("{\"sub\":1,\"sub\":2}") + "." + SIGNATURE;

    CompactJws jws = CompactJws.parse(token, 16 * 1024, ALL);

    assertThat(jws.keyId()).isEqualTo("k");
    assertThatThrownBy(jws::claims)
        .isInstanceOfSatisfying(TokenRejection.class, e -> assertThat(e.fault()).isEqualTo(Fault.MALFORMED));
  }

  @Test
  void signatureWhenNotCanonicalBase64UrlThenMalformedOnlyWhenAskedFor() throws Exception {
    String token = part("{\"alg\":\"ES256\",\"kid\":\"k\"}") + "." + part(CLAIMS) + ".AQI=";

    CompactJws jws = CompactJws.parse(token, 16 * 1024, ALL);

    assertThat(jws.claims()).containsKey("sub");
    assertThatThrownBy(jws::signature)
        .isInstanceOfSatisfying(TokenRejection.class, e -> assertThat(e.fault()).isEqualTo(Fault.MALFORMED));
  }
}

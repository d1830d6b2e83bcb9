package dev.lanyard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.lanyard.internal.JwkScreen.Wording;
import dev.lanyard.jose.JwtAlgorithm;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The one JWK screen of the bundle codec and the OIDC key sets, on real generated keys: hostile and unusable JWKs
 * are refused with a reason worded for each caller, usable EC and RSA keys come out as the very public key with the
 * pinned {@code alg}.
 */
class JwkScreenTest {
  static ECKey ec;
  static RSAKey rsa;

  @BeforeAll
  static void keys() throws Exception {
    ec = new ECKeyGenerator(Curve.P_256).keyID("ec").generate();
    rsa = new RSAKeyGenerator(2048).keyID("rsa").generate();
  }

  static Map<String, Object> publicEc() {
    return new HashMap<>(ec.toPublicJWK().toJSONObject());
  }

  static Map<String, Object> with(Map<String, Object> jwk, String member, Object value) {
    jwk.put(member, value);
    return jwk;
  }

  static String reason(Map<String, Object> jwk, Wording wording) {
    try {
      JwkScreen.screen(jwk, wording);
    } catch (JwkScreen.Unusable e) {
      return e.reason();
    }
    throw new AssertionError("screened as usable: " + jwk.keySet());
  }

  static Stream<Arguments> unusable() throws Exception {
    Map<String, Object> noKty = publicEc();
    noKty.remove("kty");
    Map<String, Object> badPoint = publicEc();
    badPoint.put("x", new ECKeyGenerator(Curve.P_256).generate().getX().toString());
    return Stream.of(
        // hostile first: private and symmetric material is never accepted, whatever else the JWK says
        Arguments.of("EC private key", new HashMap<>(ec.toJSONObject()),
            "holds private or symmetric key material (\"d\")",
            "holds private or symmetric key material (\"d\")"),
        Arguments.of("RSA private key", new HashMap<>(rsa.toJSONObject()),
            "holds private or symmetric key material (\"d\")",
            "holds private or symmetric key material (\"d\")"),
        Arguments.of("HMAC secret", new HashMap<>(new OctetSequenceKeyGenerator(256).generate().toJSONObject()),
            "holds private or symmetric key material (\"k\")",
            "holds private or symmetric key material (\"k\")"),
        Arguments.of("kty with control characters", with(publicEc(), "kty", "OKP\u0000\n"),
            "key type \"OKP??\" is not usable for JWT-SVIDs (EC or RSA only)",
            "key type \"OKP??\" is not EC or RSA"),
        Arguments.of("no kty", noKty,
            "key type (none) is not usable for JWT-SVIDs (EC or RSA only)", "key type (none) is not EC or RSA"),
        Arguments.of("kty not a string", with(publicEc(), "kty", 1),
            "key type (none) is not usable for JWT-SVIDs (EC or RSA only)", "key type (none) is not EC or RSA"),
        Arguments.of("key_ops sign only", with(publicEc(), "key_ops", List.of("sign")),
            "\"key_ops\" does not allow verify", "\"key_ops\" does not allow verify"),
        Arguments.of("key_ops not an array", with(publicEc(), "key_ops", "verify"),
            "\"key_ops\" does not allow verify", "\"key_ops\" does not allow verify"),
        Arguments.of("alg HS256", with(publicEc(), "alg", "HS256"),
            "\"alg\" is not a JWT-SVID algorithm", "\"alg\" is not a signature algorithm Lanyard accepts"),
        Arguments.of("alg none", with(publicEc(), "alg", "none"),
            "\"alg\" is not a JWT-SVID algorithm", "\"alg\" is not a signature algorithm Lanyard accepts"),
        Arguments.of("alg not a string", with(publicEc(), "alg", 256),
            "\"alg\" is not a JWT-SVID algorithm", "\"alg\" is not a signature algorithm Lanyard accepts"),
        Arguments.of("EC point not on the curve", badPoint,
            "not a valid EC public key", "not a usable EC public key"),
        Arguments.of("RSA without modulus", with(new HashMap<>(Map.of("kty", "RSA", "e", "AQAB")), "kid", "r"),
            "not a valid RSA public key", "not a usable RSA public key"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unusable")
  void screenWhenJwkUnusableThenRefusedWithEachCallersWording(String name, Map<String, Object> jwk,
      String jwtSvidReason, String oidcReason) {
    assertThat(reason(jwk, Wording.JWT_SVID)).isEqualTo(jwtSvidReason);
    assertThat(reason(jwk, Wording.OIDC)).isEqualTo(oidcReason);
  }

  @ParameterizedTest
  @EnumSource(Wording.class)
  void screenWhenPublicEcKeyWithoutAlgThenSameKeyAndNoPinnedAlgorithm(Wording wording) throws Exception {
    JwkScreen.Screened screened = JwkScreen.screen(publicEc(), wording);

    assertThat(screened.publicKey()).isEqualTo(ec.toECPublicKey());
    assertThat(screened.algorithm()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Wording.class)
  void screenWhenPublicRsaKeyWithAlgAndVerifyOpThenSameKeyAndPinnedAlgorithm(Wording wording) throws Exception {
    Map<String, Object> jwk = new HashMap<>(rsa.toPublicJWK().toJSONObject());
    jwk.put("alg", "RS256");
    jwk.put("key_ops", List.of("verify"));

    JwkScreen.Screened screened = JwkScreen.screen(jwk, wording);

    assertThat(screened.publicKey()).isEqualTo(rsa.toRSAPublicKey());
    assertThat(screened.algorithm()).isEqualTo(Optional.of(JwtAlgorithm.RS256));
  }

  @Test
  void screenWhenJwkCameThroughLanyardsJsonParserThenUsable() throws Exception {
    Map<String, Object> parsed = Json.parseObject(ec.toPublicJWK().toJSONString(), 8);

    assertThat(JwkScreen.screen(parsed, Wording.JWT_SVID).publicKey()).isEqualTo(ec.toECPublicKey());
  }

  @Test
  void unusableWhenThrownThenCarriesNoStackTrace() {
    assertThatThrownBy(() -> JwkScreen.screen(new HashMap<>(ec.toJSONObject()), Wording.OIDC))
        .isInstanceOf(JwkScreen.Unusable.class)
        .satisfies(e -> assertThat(e.getStackTrace()).isEmpty());
  }

  @Test
  void screenedWhenPrintedThenMetadataOnly() throws Exception {
    JwkScreen.Screened screened = JwkScreen.screen(publicEc(), Wording.JWT_SVID);

    assertThat(screened.toString()).isEqualTo("Screened[EC, alg=none]")
        .doesNotContain(ec.getX().toString());
  }
}

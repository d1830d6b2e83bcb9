package dev.lanyard.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.fail;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.lanyard.internal.Certificates;
import dev.lanyard.internal.Text;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.jwt.JwtSvidRejectedException;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tests {@link TrustBundle}: reading SPIFFE bundle documents (hostile and malformed first), the per-key skip rules of
 * the SPIFFE bundle spec, and writing bundles back out.
 *
 * <p>Skip rules: each bad key is put between two good keys ({@code good-ec}, a P-256 key, and {@code good-rsa}, a
 * 2048-bit RSA key); the bad key must be absent from {@link TrustBundle#jwtKeys()}, listed once in
 * {@link TrustBundle#skippedKeys()} with its index (1) and {@code kid}, and a token naming its {@code kid} must be
 * rejected as UNKNOWN_KEY, while both good keys load. Only a document that is not a JSON JWK Set is refused as a
 * whole ({@link BundleFormatException}).
 *
 * <p>Wycheproof {@code json_web_key_test.json} (C2SP/wycheproof {@code testvectors_v1}, loaded from the classpath)
 * describes JWK <em>sets</em> for JWS libraries, not SPIFFE bundles, so each test group's {@code private.keys} set is
 * mapped to a bundle document as follows:
 * <ul>
 *   <li>RSA and EC private members ({@code d p q dp dq qi oth}) are dropped, leaving the public key;</li>
 *   <li>{@code oct} keys keep {@code k}: a symmetric key has no public half, and a bundle that publishes one is exactly
 *       the hazard the symmetric-key rule guards against;</li>
 *   <li>{@code "use": "sig"} becomes {@code "use": "jwt-svid"}; any other {@code use} ({@code enc}) is kept, so that
 *       key is judged on its use, as the vector intends;</li>
 *   <li>{@code kid}, {@code kty}, {@code alg}, {@code crv} and the public members are kept unchanged.</li>
 * </ul>
 * Where the vectors expect a whole key set to be rejected (MixedKeySet, DuplicateKid), the SPIFFE bundle spec says to
 * ignore the unusable keys instead, so the expectation is: the flagged keys are never imported, and usable keys of
 * the same set are. The weak or ambiguous keys (duplicate {@code kid}, RSA under 2048 bits, {@code e = 1}, HMAC keys of
 * any length, AES keys, algorithm/curve mismatches, invalid points, wrong {@code kty}) must never be usable JWT keys.
 * One vector is outside the bundle rules: the ROCA-vulnerable RSA key (tcId 7, 2049 bits, {@code e = 65537}) is
 * imported, because Lanyard does not fingerprint ROCA moduli (neither the SPIFFE bundle spec nor DESIGN asks it to).
 */
class TrustBundleTest {
  private static final TrustDomain TD = TrustDomain.of("example.org");
  private static final String AUDIENCE = "spiffe://example.org/service";
  private static final String WYCHEPROOF = "/wycheproof/json_web_key_test.json";
  private static final Set<String> PRIVATE_RSA_EC_MEMBERS = Set.of("d", "p", "q", "dp", "dq", "qi", "oth");

  private static KeyPair p256;
  private static KeyPair p256b;
  private static KeyPair p384;
  private static KeyPair p521;
  private static KeyPair rsa2048;
  private static KeyPair rsa2048b;
  private static KeyPair rsa1024;
  private static KeyPair ed25519;

  @BeforeAll
  static void generateKeys() throws GeneralSecurityException {
    p256 = ec("secp256r1");
    p256b = ec("secp256r1");
    p384 = ec("secp384r1");
    p521 = ec("secp521r1");
    rsa2048 = rsa(2048);
    rsa2048b = rsa(2048);
    rsa1024 = rsa(1024);
    ed25519 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Whole-document refusal: hostile and malformed documents first.

  static Stream<Arguments> notAJwkSet() {
    return Stream.of(
        Arguments.of("not JSON", "this is not json"),
        Arguments.of("empty text", ""),
        Arguments.of("JSON array", "[{\"keys\":[]}]"),
        Arguments.of("JSON string", "\"keys\""),
        Arguments.of("JSON null", "null"),
        Arguments.of("no keys member", "{\"spiffe_sequence\":1}"),
        Arguments.of("keys is an object", "{\"keys\":{\"kty\":\"EC\"}}"),
        Arguments.of("keys is a string", "{\"keys\":\"[]\"}"),
        Arguments.of("keys is null", "{\"keys\":null}"),
        Arguments.of("a keys member is a number", "{\"keys\":[" + json(goodEc()) + ",1]}"),
        Arguments.of("a keys member is a string", "{\"keys\":[\"" + "kty" + "\"," + json(goodEc()) + "]}"),
        Arguments.of("a keys member is an array", "{\"keys\":[[]," + json(goodEc()) + "]}"),
        Arguments.of("a keys member is null", "{\"keys\":[null]}"),
        Arguments.of("over-deep nesting", "{\"keys\":[{\"kty\":\"EC\",\"x\":[[[[[[[[1]]]]]]]]}]}"),
        Arguments.of("over-deep nesting, unbalanced", "{\"keys\":" + "[".repeat(10_000)),
        Arguments.of("trailing text", "{\"keys\":[]} trailing"),
        Arguments.of("two documents", "{\"keys\":[]}{\"keys\":[]}"),
        Arguments.of("duplicate top-level keys member", "{\"keys\":[],\"keys\":[" + json(goodEc()) + "]}"),
        Arguments.of("single quotes", "{'keys':[]}"),
        Arguments.of("truncated", "{\"keys\":[" + json(goodEc())));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("notAJwkSet")
  void parseWhenDocumentIsNotAJwkSetThenRefusedAsAWhole(String name, String document) {
    assertThatThrownBy(() -> TrustBundle.parse(TD, document)).isInstanceOf(BundleFormatException.class);
  }

  @Test
  void parseWhenDocumentLargerThanMaximumThenRefusedAsAWhole() {
    String prefix = "{\"keys\":[" + json(goodEc()) + "]";
    String document = prefix + " ".repeat(TrustBundle.MAX_DOCUMENT_LENGTH - prefix.length()) + "}";
    assertThat(document).hasSize(TrustBundle.MAX_DOCUMENT_LENGTH + 1);

    assertThatThrownBy(() -> TrustBundle.parse(TD, document)).isInstanceOf(BundleFormatException.class);
  }

  @Test
  void parseWhenDocumentExactlyMaximumLengthThenLoads() {
    String prefix = "{\"keys\":[" + json(goodEc()) + "]";
    String document = prefix + " ".repeat(TrustBundle.MAX_DOCUMENT_LENGTH - prefix.length() - 1) + "}";
    assertThat(document).hasSize(TrustBundle.MAX_DOCUMENT_LENGTH);

    assertThat(TrustBundle.parse(TD, document).jwtKey("good-ec")).isPresent();
  }

  @Test
  void parseWhenNestingAtDepthLimitThenLoads() {
    // The document is level 1, keys level 2, a key level 3: five more levels reach the limit of eight.
    Map<String, Object> key = goodEc();
    key.put("x-extension", List.of(List.of(List.of(List.of(List.of(1))))));

    TrustBundle bundle = TrustBundle.parse(TD, document(key));

    assertThat(bundle.jwtKey("good-ec")).isPresent();
  }

  @Test
  void parseWhenNullArgumentsThenNullPointerException() {
    assertThatThrownBy(() -> TrustBundle.parse(null, "{\"keys\":[]}")).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> TrustBundle.parse(TD, null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void parseWhenKeysEmptyThenEmptyBundle() {
    TrustBundle bundle = TrustBundle.parse(TD, "{\"keys\":[]}");

    assertThat(bundle.trustDomain()).isEqualTo(TD);
    assertThat(bundle.jwtKeys()).isEmpty();
    assertThat(bundle.x509Authorities()).isEmpty();
    assertThat(bundle.skippedKeys()).isEmpty();
    assertThat(bundle.sequence()).isEmpty();
    assertThat(bundle.refreshHint()).isEmpty();
  }

  @Test
  void parseWhenEveryKeyUnusableThenBundleStillLoadsWithAllSkipped() {
    Map<String, Object> okp = okp("ed");
    Map<String, Object> sig = goodEc();
    sig.put("use", "sig");

    TrustBundle bundle = TrustBundle.parse(TD, document(okp, sig));

    assertThat(bundle.jwtKeys()).isEmpty();
    assertThat(bundle.skippedKeys()).extracting(SkippedKey::index).containsExactly(0, 1);
  }

  @Test
  void parseWhenUnknownTopLevelAndKeyMembersThenIgnored() {
    Map<String, Object> key = goodEc();
    key.put("x-vendor", "anything");
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("keys", List.of(key));
    document.put("x-other", Map.of("a", 1));

    TrustBundle bundle = TrustBundle.parse(TD, JSONObjectUtils.toJSONString(document));

    assertThat(bundle.jwtKey("good-ec")).isPresent();
    assertThat(bundle.skippedKeys()).isEmpty();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Per-key skip rules.

  static Stream<Arguments> unusableKeys() {
    return Stream.of(
        bad("unknown kty", () -> {
          Map<String, Object> k = new LinkedHashMap<>();
          k.put("kty", "XYZ");
          k.put("kid", "bad");
          k.put("use", "jwt-svid");
          k.put("x", "AAAA");
          return k;
        }),
        bad("no kty", () -> without(ecJwk(p256b, "bad"), "kty")),
        bad("OKP Ed25519 key", () -> okp("bad")),
        bad("oct symmetric key", () -> {
          Map<String, Object> k = new LinkedHashMap<>();
          k.put("kty", "oct");
          k.put("kid", "bad");
          k.put("use", "jwt-svid");
          k.put("alg", "HS256");
          k.put("k", "-ebuDNsVZ2iJtoZ-akfXTSCt4UO2cruLCsbWlBinggE");
          return k;
        }),
        bad("oct key without k", () -> {
          Map<String, Object> k = new LinkedHashMap<>();
          k.put("kty", "oct");
          k.put("kid", "bad");
          k.put("use", "jwt-svid");
          return k;
        }),
        bad("EC key with private d", () -> {
          ECKey key = new ECKey.Builder(Curve.P_256, (ECPublicKey) p256b.getPublic())
              .privateKey((ECPrivateKey) p256b.getPrivate()).keyID("bad").build();
          Map<String, Object> k = new LinkedHashMap<>(key.toJSONObject());
          k.put("use", "jwt-svid");
          assertThat(k).containsKey("d");
          return k;
        }),
        bad("RSA key with private members", () -> {
          RSAKey key = new RSAKey.Builder((RSAPublicKey) rsa2048b.getPublic())
              .privateKey((RSAPrivateKey) rsa2048b.getPrivate()).keyID("bad").build();
          Map<String, Object> k = new LinkedHashMap<>(key.toJSONObject());
          k.put("use", "jwt-svid");
          assertThat(k).containsKey("d");
          return k;
        }),
        bad("RSA key with only d added", () -> with(rsaJwk(rsa2048b, "bad"), "d", "AQAB")),
        bad("use sig", () -> with(ecJwk(p256b, "bad"), "use", "sig")),
        bad("use enc", () -> with(ecJwk(p256b, "bad"), "use", "enc")),
        bad("use JWT-SVID in upper case", () -> with(ecJwk(p256b, "bad"), "use", "JWT-SVID")),
        bad("use not a string", () -> with(ecJwk(p256b, "bad"), "use", List.of("jwt-svid"))),
        bad("missing use", () -> without(ecJwk(p256b, "bad"), "use")),
        bad("EC P-256/ES256 with alg ES384 (alg does not fit the key)",
            () -> with(ecJwk(p256b, "bad"), "alg", "ES384")),
        bad("EC P-384 with alg ES256", () -> with(ecJwk(p384, "bad"), "alg", "ES256")),
        bad("EC key with alg RS256", () -> with(ecJwk(p256b, "bad"), "alg", "RS256")),
        bad("RSA key with alg ES256", () -> with(rsaJwk(rsa2048b, "bad"), "alg", "ES256")),
        bad("alg ES521 (not a JWA name)", () -> with(ecJwk(p521, "bad"), "alg", "ES521")),
        bad("alg HS256", () -> with(ecJwk(p256b, "bad"), "alg", "HS256")),
        bad("alg EdDSA", () -> with(ecJwk(p256b, "bad"), "alg", "EdDSA")),
        bad("alg none", () -> with(ecJwk(p256b, "bad"), "alg", "none")),
        bad("alg in lower case", () -> with(ecJwk(p256b, "bad"), "alg", "es256")),
        bad("alg not a string", () -> with(ecJwk(p256b, "bad"), "alg", 256)),
        bad("key_ops without verify", () -> with(ecJwk(p256b, "bad"), "key_ops", List.of("sign"))),
        bad("key_ops empty", () -> with(ecJwk(p256b, "bad"), "key_ops", List.of())),
        bad("key_ops not an array", () -> with(ecJwk(p256b, "bad"), "key_ops", "verify")),
        bad("RSA 1024 bits", () -> rsaJwk(rsa1024, "bad")),
        bad("RSA e=3", () -> with(rsaJwk(rsa2048b, "bad"), "e", b64(BigInteger.valueOf(3)))),
        bad("RSA e=1", () -> with(rsaJwk(rsa2048b, "bad"), "e", b64(BigInteger.ONE))),
        bad("RSA even e=65538", () -> with(rsaJwk(rsa2048b, "bad"), "e", b64(BigInteger.valueOf(65538)))),
        bad("RSA without n", () -> without(rsaJwk(rsa2048b, "bad"), "n")),
        bad("EC point not on the curve", () -> {
          Map<String, Object> k = ecJwk(p256b, "bad");
          byte[] y = Base64.getUrlDecoder().decode((String) k.get("y"));
          y[y.length - 1] ^= 1;
          k.put("y", Base64.getUrlEncoder().withoutPadding().encodeToString(y));
          return k;
        }),
        bad("EC coordinates of the wrong curve", () -> with(ecJwk(p256b, "bad"), "crv", "P-384")),
        bad("EC curve secp256k1", () -> {
          // The generator of secp256k1: a valid point of a curve that no JWT-SVID algorithm uses.
          Map<String, Object> k = ecJwk(p256b, "bad");
          k.put("crv", "secp256k1");
          k.put("x", b64(new BigInteger("79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798", 16)));
          k.put("y", b64(new BigInteger("483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8", 16)));
          return k;
        }),
        bad("EC key without y", () -> without(ecJwk(p256b, "bad"), "y")),
        bad("EC key with kty RSA", () -> with(ecJwk(p256b, "bad"), "kty", "RSA")),
        badWithoutKid("jwt-svid key without kid", () -> without(ecJwk(p256b, "unused"), "kid")),
        Arguments.of("jwt-svid key with empty kid", (Supplier<Map<String, Object>>) () -> with(ecJwk(p256b, "unused"),
            "kid", ""), Optional.of("")),
        badWithoutKid("jwt-svid key with numeric kid", () -> with(ecJwk(p256b, "unused"), "kid", 7)),
        bad("x509-svid entry without x5c", () -> with(ecJwk(p256b, "bad"), "use", "x509-svid")),
        bad("x509-svid entry with garbage x5c", () -> {
          Map<String, Object> k = with(ecJwk(p256b, "bad"), "use", "x509-svid");
          k.put("x5c", List.of("bm90IGEgY2VydGlmaWNhdGU"));
          return k;
        }));
  }

  private static Arguments bad(String name, Supplier<Map<String, Object>> key) {
    return Arguments.of(name, key, Optional.of("bad"));
  }

  private static Arguments badWithoutKid(String name, Supplier<Map<String, Object>> key) {
    return Arguments.of(name, key, Optional.empty());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unusableKeys")
  void parseWhenKeyUnusableThenOnlyThatKeySkipped(String name, Supplier<Map<String, Object>> badKey,
      Optional<String> reportedKid) throws Exception {
    TrustBundle bundle = TrustBundle.parse(TD, document(goodEc(), badKey.get(), goodRsa()));

    assertThat(bundle.jwtKeys()).extracting(JwtKey::keyId).containsExactly("good-ec", "good-rsa");
    assertThat(bundle.jwtKey("bad")).isEmpty();
    assertThat(bundle.x509Authorities()).isEmpty();
    assertThat(bundle.skippedKeys()).hasSize(1);
    SkippedKey skipped = bundle.skippedKeys().get(0);
    assertThat(skipped.index()).isEqualTo(1);
    assertThat(skipped.keyId()).isEqualTo(reportedKid);
    assertThat(skipped.reason()).isNotBlank();
    if (reportedKid.isPresent()) {
      assertThat(verify(bundle, unsignedToken(reportedKid.get(), "ES256")))
          .isEqualTo(JwtSvidRejectedException.Reason.UNKNOWN_KEY);
    }
  }

  @Test
  void parseWhenKidAppearsTwiceThenBothKeysSkippedAndTheRestLoads() throws Exception {
    Map<String, Object> first = ecJwk(p256b, "dup");
    Map<String, Object> second = rsaJwk(rsa2048b, "dup");

    TrustBundle bundle = TrustBundle.parse(TD, document(first, goodEc(), second, goodRsa()));

    assertThat(bundle.jwtKeys()).extracting(JwtKey::keyId).containsExactly("good-ec", "good-rsa");
    assertThat(bundle.jwtKey("dup")).isEmpty();
    assertThat(bundle.skippedKeys()).extracting(SkippedKey::index).containsExactly(0, 2);
    assertThat(bundle.skippedKeys()).extracting(SkippedKey::keyId)
        .containsExactly(Optional.of("dup"), Optional.of("dup"));
    assertThat(verify(bundle, unsignedToken("dup", "ES256"))).isEqualTo(JwtSvidRejectedException.Reason.UNKNOWN_KEY);
  }

  /**
   * The duplicate-{@code kid} rule compares exact {@code kid}s: not the printable form that {@link SkippedKey} and logs
   * show (64 characters, others as '?'). Each row lists the kids in document order (each with its own P-256 key) and
   * the kids that must be imported; every other key is skipped as a duplicate. Tokens signed with an imported key
   * verify; tokens naming a skipped kid, or the printable form or 64-character prefix of an imported kid, are
   * UNKNOWN_KEY.
   */
  static Stream<Arguments> kidsThatLookAlikeWhenPrinted() {
    String a64 = "a".repeat(64);
    return Stream.of(
        Arguments.of("65+ characters, exact duplicates", List.of("a".repeat(70), "a".repeat(70)), Set.of()),
        Arguments.of("65+ characters sharing a 64-character prefix",
            List.of(a64 + "X", a64 + "Y", a64 + "X"), Set.of(a64 + "Y")),
        Arguments.of("a kid equal to another's printable form", List.of(a64 + "...", a64 + "...", "a".repeat(70)),
            Set.of("a".repeat(70))),
        Arguments.of("control characters, exact duplicates", List.of("k\u0001", "k\u0001", "k\u0002"),
            Set.of("k\u0002")),
        Arguments.of("newline and NUL, exact duplicates", List.of("k\n", "k\u0000", "k\n"), Set.of("k\u0000")),
        Arguments.of("a control character against its printable form", List.of("k?", "k?", "k\u0000"),
            Set.of("k\u0000")),
        Arguments.of("non-ASCII, exact duplicates", List.of("k\u00e9", "k\u00e9", "k\u00e8", "k\u2028"),
            Set.of("k\u00e8", "k\u2028")),
        Arguments.of("non-ASCII against its printable form", List.of("cl\u00e9", "cl?", "cl?"), Set.of("cl\u00e9")),
        // A token cannot name a lone surrogate (its UTF-8 header turns it into '?'), so the kept kid is a whole one.
        Arguments.of("lone surrogates, exact duplicates", List.of("k\ud800", "k\u00e9", "k\ud800"),
            Set.of("k\u00e9")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kidsThatLookAlikeWhenPrinted")
  void parseWhenKidsLookAlikeWhenPrintedThenDuplicateRuleUsesExactKid(String name, List<String> kids,
      Set<String> imported) throws Exception {
    List<KeyPair> pairs = new ArrayList<>();
    List<Map<String, Object>> entries = new ArrayList<>();
    for (String kid : kids) {
      KeyPair pair = ec("secp256r1");
      pairs.add(pair);
      entries.add(ecJwk(pair, kid));
    }

    TrustBundle bundle = TrustBundle.parse(TD, JSONObjectUtils.toJSONString(Map.of("keys", entries)));

    assertThat(bundle.jwtKeys()).extracting(JwtKey::keyId).containsExactlyInAnyOrderElementsOf(imported);
    List<SkippedKey> expectedSkipped = new ArrayList<>();
    for (int i = 0; i < kids.size(); i++) {
      String kid = kids.get(i);
      if (!imported.contains(kid)) {
        expectedSkipped.add(new SkippedKey(i, Optional.of(Text.printable(kid)),
            "kid appears more than once in the bundle"));
      }
      Optional<JwtSvidRejectedException.Reason> outcome = verifySigned(bundle, kid, pairs.get(i));
      if (imported.contains(kid)) {
        assertThat(outcome).as("token naming imported kid %s", Text.printable(kid)).isEmpty();
        assertThat(bundle.jwtKey(kid)).map(JwtKey::publicKey).hasValue(pairs.get(i).getPublic());
        for (String nearMiss : List.of(Text.printable(kid), kid.substring(0, Math.min(kid.length(), 64)))) {
          if (!imported.contains(nearMiss)) {
            assertThat(verifySigned(bundle, nearMiss, pairs.get(i))).as("token naming %s", nearMiss)
                .hasValue(JwtSvidRejectedException.Reason.UNKNOWN_KEY);
          }
        }
      } else {
        assertThat(outcome).as("token naming skipped kid %s", Text.printable(kid))
            .hasValue(JwtSvidRejectedException.Reason.UNKNOWN_KEY);
        assertThat(bundle.jwtKey(kid)).isEmpty();
      }
    }
    assertThat(bundle.skippedKeys()).containsExactlyElementsOf(expectedSkipped);
  }

  @Test
  void parseWhenSameKeyListedTwiceUnderOneKidThenBothSkipped() {
    TrustBundle bundle = TrustBundle.parse(TD, document(ecJwk(p256b, "dup"), ecJwk(p256b, "dup"), goodRsa()));

    assertThat(bundle.jwtKeys()).extracting(JwtKey::keyId).containsExactly("good-rsa");
    assertThat(bundle.skippedKeys()).extracting(SkippedKey::index).containsExactly(0, 1);
  }

  @Test
  void parseWhenDuplicateKidBetweenUsableAndUnusableKeyThenBothSkipped() {
    TrustBundle bundle = TrustBundle.parse(TD, document(ecJwk(p256b, "dup"), rsaJwk(rsa1024, "dup"), goodRsa()));

    assertThat(bundle.jwtKey("dup")).isEmpty();
    assertThat(bundle.skippedKeys()).extracting(SkippedKey::index).containsExactly(0, 1);
  }

  /**
   * A key object with the same member twice is ambiguous: parsers differ on which value wins (RFC 8259 §4), so a
   * bundle whose {@code use} reads {@code sig} to one reader and {@code jwt-svid} to another must not yield a usable
   * key. {@code Json.parseObject} documents that it refuses duplicate member names, and does so at the top level, but
   * nested objects (every JWK of a bundle) go through nimbus' Gson object adapter, which keeps the last value.
   */
  @Test
  void parseWhenKeyHasDuplicateMemberThenKeyNotImported() {
    String key = json(goodEc());
    String ambiguous = key.replaceFirst("\"use\":\"jwt-svid\"", "\"use\":\"sig\",\"use\":\"jwt-svid\"");
    assertThat(ambiguous).isNotEqualTo(key);
    String document = "{\"keys\":[" + ambiguous + "," + json(goodRsa()) + "]}";

    Throwable thrown = catchThrowable(() -> TrustBundle.parse(TD, document));

    if (thrown == null) {
      assertThat(TrustBundle.parse(TD, document).jwtKey("good-ec")).isEmpty();
    } else {
      assertThat(thrown).isInstanceOf(BundleFormatException.class);
    }
  }

  @Test
  void parseWhenX509SvidEntryHoldsOneCertificateThenRootImported() throws Exception {
    X509Certificate root = selfSignedRoot(p256b, "root one");
    String document = TrustBundle.newBuilder(TD).addX509Authority(root).build().toJson();

    TrustBundle bundle = TrustBundle.parse(TD, document);

    assertThat(bundle.x509Authorities()).containsExactly(root);
    assertThat(bundle.jwtKeys()).isEmpty();
    assertThat(bundle.skippedKeys()).isEmpty();
  }

  /**
   * X509-SVID §6.2 (consuming a SPIFFE bundle): "check that the {@code x5c} parameter is set and has at least one
   * value ... If the {@code x5c} parameter contains multiple values, then all but the first MUST be ignored." So an
   * entry with a chain in {@code x5c} contributes its first certificate; Lanyard skips the whole entry instead
   * ("an x509-svid entry needs exactly one certificate"), losing a root that a conforming consumer trusts.
   */
  @Test
  void parseWhenX509SvidEntryHoldsSeveralCertificatesThenFirstImported() throws Exception {
    X509Certificate first = selfSignedRoot(p256b, "root one");
    X509Certificate second = selfSignedRoot(p384, "root two");
    Map<String, Object> document = JSONObjectUtils.parse(TrustBundle.newBuilder(TD).addX509Authority(first).build()
        .toJson());
    @SuppressWarnings("unchecked")
    Map<String, Object> entry = (Map<String, Object>) JSONObjectUtils.getJSONArray(document, "keys").get(0);
    entry.put("x5c", List.of(Base64.getEncoder().encodeToString(first.getEncoded()),
        Base64.getEncoder().encodeToString(second.getEncoded())));

    TrustBundle bundle = TrustBundle.parse(TD, JSONObjectUtils.toJSONString(document));

    assertThat(bundle.x509Authorities()).containsExactly(first);
    assertThat(bundle.skippedKeys()).isEmpty();
  }

  @Test
  void parseWhenX509SvidEntryHasEmptyX5cThenSkipped() throws Exception {
    Map<String, Object> entry = with(ecJwk(p256b, "unused"), "use", "x509-svid");
    entry.remove("kid");
    entry.put("x5c", List.of());

    TrustBundle bundle = TrustBundle.parse(TD, document(entry, goodEc()));

    assertThat(bundle.x509Authorities()).isEmpty();
    assertThat(bundle.skippedKeys()).extracting(SkippedKey::index).containsExactly(0);
    assertThat(bundle.jwtKey("good-ec")).isPresent();
  }

  @Test
  void parseWhenKeyOpsIncludesVerifyThenImported() {
    Map<String, Object> key = with(goodEc(), "key_ops", List.of("verify"));

    assertThat(TrustBundle.parse(TD, document(key)).jwtKey("good-ec")).isPresent();
  }

  @Test
  void parseWhenKeyPinsFittingAlgorithmThenAlgorithmKept() {
    TrustBundle bundle = TrustBundle.parse(TD, document(
        with(ecJwk(p384, "p384"), "alg", "ES384"), with(rsaJwk(rsa2048, "pss"), "alg", "PS256"),
        ecJwk(p521, "p521")));

    assertThat(bundle.jwtKey("p384").orElseThrow().algorithm()).contains(JwtAlgorithm.ES384);
    assertThat(bundle.jwtKey("pss").orElseThrow().algorithm()).contains(JwtAlgorithm.PS256);
    assertThat(bundle.jwtKey("p521").orElseThrow().algorithm()).isEmpty();
    assertThat(bundle.jwtKey("pss").orElseThrow().accepts(JwtAlgorithm.RS256)).isFalse();
    assertThat(bundle.skippedKeys()).isEmpty();
  }

  @Test
  void parseWhenKeyImportedThenPublicKeyMatchesDocument() {
    TrustBundle bundle = TrustBundle.parse(TD, document(goodEc(), goodRsa()));

    assertThat(bundle.jwtKey("good-ec").orElseThrow().publicKey()).isEqualTo(p256.getPublic());
    assertThat(bundle.jwtKey("good-rsa").orElseThrow().publicKey()).isEqualTo(rsa2048.getPublic());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // spiffe_sequence and spiffe_refresh_hint.

  @Test
  void parseWhenSequenceAndRefreshHintPresentThenRead() {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("keys", List.of(goodEc()));
    document.put("spiffe_sequence", 42);
    document.put("spiffe_refresh_hint", 300);

    TrustBundle bundle = TrustBundle.parse(TD, JSONObjectUtils.toJSONString(document));

    assertThat(bundle.sequence()).hasValue(42);
    assertThat(bundle.refreshHint()).contains(Duration.ofMinutes(5));
  }

  @Test
  void parseWhenSequenceZeroThenRead() {
    TrustBundle bundle = TrustBundle.parse(TD, "{\"keys\":[],\"spiffe_sequence\":0}");

    assertThat(bundle.sequence()).hasValue(0);
  }

  @Test
  void parseWhenSequenceIsLargeThenRead() {
    TrustBundle bundle = TrustBundle.parse(TD, "{\"keys\":[],\"spiffe_sequence\":9007199254740991}");

    assertThat(bundle.sequence()).hasValue(9007199254740991L);
  }

  static Stream<String> unusableSequenceOrHint() {
    return Stream.of("-1", "1.5", "\"42\"", "true", "null", "[1]", "1e300");
  }

  @ParameterizedTest
  @MethodSource("unusableSequenceOrHint")
  void parseWhenSequenceOrHintUnusableThenIgnoredAndBundleLoads(String value) {
    TrustBundle bundle = TrustBundle.parse(TD, "{\"keys\":[" + json(goodEc()) + "],\"spiffe_sequence\":" + value
        + ",\"spiffe_refresh_hint\":" + value + "}");

    assertThat(bundle.sequence()).isEmpty();
    assertThat(bundle.refreshHint()).isEmpty();
    assertThat(bundle.jwtKey("good-ec")).isPresent();
  }

  @Test
  void parseWhenRefreshHintZeroThenKeptForTheConsumerToClamp() {
    TrustBundle bundle = TrustBundle.parse(TD, "{\"keys\":[],\"spiffe_refresh_hint\":0}");

    assertThat(bundle.refreshHint()).contains(Duration.ZERO);
    assertThat(TrustBundle.parse(TD, bundle.toJson())).isEqualTo(bundle);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Writing.

  @Test
  void toJsonThenParseGivesAnEqualBundle() {
    TrustBundle original = TrustBundle.newBuilder(TD)
        .addJwtKey(JwtKey.of("ec-p256", p256.getPublic(), Optional.of(JwtAlgorithm.ES256)))
        .addJwtKey(JwtKey.of("ec-p384", p384.getPublic(), Optional.empty()))
        .addJwtKey(JwtKey.of("rsa", rsa2048.getPublic(), Optional.empty()))
        .addJwtKey(JwtKey.of("rsa-pss", rsa2048b.getPublic(), Optional.of(JwtAlgorithm.PS256)))
        .sequence(7)
        .refreshHint(Duration.ofSeconds(300))
        .build();

    TrustBundle parsed = TrustBundle.parse(TD, original.toJson());

    assertThat(parsed).isEqualTo(original);
    assertThat(parsed.hashCode()).isEqualTo(original.hashCode());
    assertThat(parsed.jwtKeys()).isEqualTo(original.jwtKeys());
    assertThat(parsed.sequence()).hasValue(7);
    assertThat(parsed.refreshHint()).contains(Duration.ofSeconds(300));
    assertThat(parsed.skippedKeys()).isEmpty();
  }

  /**
   * Found by {@code TrustBundleFuzzTest}: an x509-svid root whose EC key lies on a curve JOSE has no name for
   * (brainpoolP256r1 here; the JDK reads such certificates) was imported, and {@code toJson()} then threw a
   * NullPointerException from Nimbus. Such a root is written with its {@code x5c} alone, and reads back equal.
   */
  @Test
  void toJsonWhenRootKeyIsOnACurveJoseDoesNotNameThenWrittenAndReadBackEqual() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", new BouncyCastleProvider());
    generator.initialize(new ECGenParameterSpec("brainpoolP256r1"));
    KeyPair pair = generator.generateKeyPair();
    X500Name name = new X500Name("O=Lanyard test,CN=brainpool root");
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.TEN,
        Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))), name, pair.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    byte[] der = builder.build(new JcaContentSignerBuilder("SHA256withECDSA")
        .setProvider(new BouncyCastleProvider()).build(pair.getPrivate())).getEncoded();
    X509Certificate root = Certificates.parse(der);
    String document = "{\"keys\":[{\"kty\":\"EC\",\"use\":\"x509-svid\",\"x5c\":[\""
        + Base64.getEncoder().encodeToString(der) + "\"]}]}";
    TrustBundle bundle = TrustBundle.parse(TD, document);
    assertThat(bundle.x509Authorities()).containsExactly(root);

    TrustBundle again = TrustBundle.parse(TD, bundle.toJson());

    assertThat(again).isEqualTo(bundle);
    assertThat(again.x509Authorities()).containsExactly(root);
    assertThat(again.skippedKeys()).isEmpty();
  }

  /**
   * Found by {@code TrustBundleFuzzTest}: an x509-svid root is imported as the JDK reads it, which does not check that
   * an EC public key is a point of its curve; {@code toJson()} then threw Nimbus' IllegalStateException. Such a root
   * is written with its {@code x5c} alone, and reads back equal.
   */
  @Test
  void toJsonWhenRootKeyIsNotAPointOfItsCurveThenWrittenAndReadBackEqual() throws Exception {
    byte[] der = selfSignedRoot(p256b, "off-curve root").getEncoded();
    byte[] point = ((ECPublicKey) p256b.getPublic()).getEncoded();
    int at = indexOf(der, Arrays.copyOfRange(point, point.length - 65, point.length));
    assertThat(at).isPositive();
    der[at + 64] ^= 0x01; // the last byte of y: the point is no longer on P-256
    X509Certificate root = Certificates.parse(der);
    String document = "{\"keys\":[{\"kty\":\"EC\",\"use\":\"x509-svid\",\"x5c\":[\""
        + Base64.getEncoder().encodeToString(der) + "\"]}]}";
    TrustBundle bundle = TrustBundle.parse(TD, document);
    assertThat(bundle.x509Authorities()).containsExactly(root);

    TrustBundle again = TrustBundle.parse(TD, bundle.toJson());

    assertThat(again).isEqualTo(bundle);
    assertThat(again.skippedKeys()).isEmpty();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void toJsonWritesSpiffeBundleMembers() throws ParseException {
    TrustBundle bundle = TrustBundle.newBuilder(TD)
        .addJwtKey(JwtKey.of("ec", p256.getPublic(), Optional.empty())).sequence(3).build();

    Map<String, Object> document = JSONObjectUtils.parse(bundle.toJson());

    assertThat(document).containsEntry("spiffe_sequence", 3L).doesNotContainKey("spiffe_refresh_hint");
    List<Object> keys = JSONObjectUtils.getJSONArray(document, "keys");
    assertThat(keys).singleElement().satisfies(k -> {
      @SuppressWarnings("unchecked")
      Map<String, Object> key = (Map<String, Object>) k;
      assertThat(key).containsEntry("use", "jwt-svid").containsEntry("kid", "ec").containsEntry("kty", "EC")
          .containsEntry("crv", "P-256").doesNotContainKey("alg").doesNotContainKey("d");
    });
  }

  @Test
  void toJsonWhenEmptyThenParsesToEmptyBundle() {
    TrustBundle empty = TrustBundle.newBuilder(TD).build();

    assertThat(TrustBundle.parse(TD, empty.toJson())).isEqualTo(empty);
  }

  @Test
  void toJwksJsonHasUseSigAndAlgOnEveryKeyAndNoJwtSvid() throws ParseException {
    TrustBundle bundle = TrustBundle.newBuilder(TD)
        .addJwtKey(JwtKey.of("ec-p256", p256.getPublic(), Optional.empty()))
        .addJwtKey(JwtKey.of("ec-p384", p384.getPublic(), Optional.empty()))
        .addJwtKey(JwtKey.of("ec-p521", p521.getPublic(), Optional.empty()))
        .addJwtKey(JwtKey.of("rsa", rsa2048.getPublic(), Optional.empty()))
        .addJwtKey(JwtKey.of("rsa-pss", rsa2048b.getPublic(), Optional.of(JwtAlgorithm.PS384)))
        .sequence(9)
        .build();

    String jwks = bundle.toJwksJson();

    assertThat(jwks).doesNotContain("jwt-svid").doesNotContain("x509-svid");
    JWKSet set = JWKSet.parse(jwks);
    Map<String, String> algs = new TreeMap<>();
    for (JWK key : set.getKeys()) {
      assertThat(key.getKeyUse()).isEqualTo(com.nimbusds.jose.jwk.KeyUse.SIGNATURE);
      assertThat(key.isPrivate()).isFalse();
      assertThat(key.getAlgorithm()).isNotNull();
      algs.put(key.getKeyID(), key.getAlgorithm().getName());
    }
    assertThat(algs).containsExactlyInAnyOrderEntriesOf(Map.of(
        "ec-p256", "ES256", "ec-p384", "ES384", "ec-p521", "ES512", "rsa", "RS256", "rsa-pss", "PS384"));
    // As a SPIFFE bundle, a plain JWKS has no usable key: use "sig" is not jwt-svid.
    TrustBundle reparsed = TrustBundle.parse(TD, jwks);
    assertThat(reparsed.jwtKeys()).isEmpty();
    assertThat(reparsed.skippedKeys()).hasSize(5);
  }

  @Test
  void toStringShowsNoKeyMaterial() {
    JwtKey ec = JwtKey.of("ec-kid", p256.getPublic(), Optional.of(JwtAlgorithm.ES256));
    JwtKey rsa = JwtKey.of("rsa-kid", rsa2048.getPublic(), Optional.empty());
    TrustBundle bundle = TrustBundle.newBuilder(TD).addJwtKey(ec).addJwtKey(rsa).sequence(5).build();
    ECPublicKey ecKey = (ECPublicKey) p256.getPublic();
    RSAPublicKey rsaKey = (RSAPublicKey) rsa2048.getPublic();
    List<String> material = List.of(
        b64(ecKey.getW().getAffineX()), b64(ecKey.getW().getAffineY()),
        b64(rsaKey.getModulus()).substring(0, 40),
        ecKey.getW().getAffineX().toString(), ecKey.getW().getAffineX().toString(16),
        rsaKey.getModulus().toString().substring(0, 40), rsaKey.getModulus().toString(16).substring(0, 40),
        Base64.getEncoder().encodeToString(rsaKey.getEncoded()).substring(0, 60));

    for (String text : List.of(bundle.toString(), ec.toString(), rsa.toString())) {
      for (String m : material) {
        assertThat(text).doesNotContain(m);
      }
    }
    assertThat(bundle.toString()).contains("example.org").contains("ec-kid").contains("rsa-kid");
  }

  @Test
  void toStringWhenKidHasControlOrNonAsciiCharactersThenOnlyItsPrintableFormShown() {
    String kid = "k\n\u2028\u001b[31m\u00e9" + "z".repeat(100);
    JwtKey key = JwtKey.of(kid, p256.getPublic(), Optional.empty());
    TrustBundle bundle = TrustBundle.newBuilder(TD).addJwtKey(key).build();

    for (String text : List.of(key.toString(), bundle.toString(), catchThrowable(
        () -> TrustBundle.newBuilder(TD).addJwtKey(key).addJwtKey(key)).getMessage())) {
      assertThat(text).contains(Text.printable(kid)).doesNotContain("\n", "\u2028", "\u001b", "\u00e9",
          "z".repeat(65));
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Wycheproof json_web_key_test.json.

  /**
   * The kids each Wycheproof group (named by its first tcId) may import after the mapping in the class javadoc.
   * Every group of the file must be listed.
   */
  private static final Map<Integer, Set<String>> WYCHEPROOF_IMPORTED = Map.ofEntries(
      Map.entry(1, Set.of("kid-ec-sign")),        // MixedKeySet: the HS256 oct key skipped, the ES256 key usable
      Map.entry(2, Set.of()),                     // two HS256 oct keys
      Map.entry(4, Set.of()),                     // DuplicateKid
      Map.entry(5, Set.of("kid-rsa-sign")),       // RS256, 2048 bits: usable
      Map.entry(6, Set.of()),                     // RSA1_5, use enc
      Map.entry(7, Set.of("kid-rsa-roca-sign")),  // ROCA key: not detected (see class javadoc)
      Map.entry(8, Set.of()),                     // RSA 1024
      Map.entry(9, Set.of()),                     // e = 1
      Map.entry(10, Set.of()),                    // short HS256
      Map.entry(11, Set.of()),                    // short HS384
      Map.entry(12, Set.of()),                    // short HS512
      Map.entry(13, Set.of()),                    // long HS256: still symmetric
      Map.entry(14, Set.of()),                    // long HS384
      Map.entry(15, Set.of()),                    // long HS512
      Map.entry(16, Set.of()),                    // empty HS256
      Map.entry(17, Set.of()),                    // empty HS384
      Map.entry(18, Set.of()),                    // empty HS512
      Map.entry(19, Set.of()),                    // alg ES521 on P-256
      Map.entry(20, Set.of()),                    // alg ES224 on P-256
      Map.entry(21, Set.of()),                    // use enc
      Map.entry(22, Set.of()),                    // invalid point
      Map.entry(23, Set.of()),                    // P-256 coordinates labelled P-384
      Map.entry(24, Set.of()),                    // EC members labelled kty RSA
      Map.entry(25, Set.of()),                    // AES-GCM key
      Map.entry(26, Set.of()));                   // AES-KW key

  static Stream<Arguments> wycheproofKeySets() throws ParseException {
    Map<String, Object> file = JSONObjectUtils.parse(resource(WYCHEPROOF));
    List<Arguments> groups = new ArrayList<>();
    for (Object g : JSONObjectUtils.getJSONArray(file, "testGroups")) {
      @SuppressWarnings("unchecked")
      Map<String, Object> group = (Map<String, Object>) g;
      List<Object> tests = JSONObjectUtils.getJSONArray(group, "tests");
      @SuppressWarnings("unchecked")
      Map<String, Object> first = (Map<String, Object>) tests.get(0);
      int tcId = ((Number) first.get("tcId")).intValue();
      Set<String> flags = new java.util.TreeSet<>();
      for (Object t : tests) {
        @SuppressWarnings("unchecked")
        List<Object> f = (List<Object>) ((Map<String, Object>) t).get("flags");
        if (f != null) {
          f.forEach(x -> flags.add((String) x));
        }
      }
      Map<String, Object> keySet = JSONObjectUtils.getJSONObject(group, "private");
      groups.add(Arguments.of(tcId, group.get("comment"), flags, JSONObjectUtils.getJSONArray(keySet, "keys")));
    }
    return groups.stream();
  }

  @Test
  void wycheproofTableCoversEveryGroup() throws ParseException {
    Set<Integer> groups = wycheproofKeySets().map(a -> (Integer) a.get()[0]).collect(Collectors.toSet());

    assertThat(WYCHEPROOF_IMPORTED.keySet()).isEqualTo(groups);
  }

  @ParameterizedTest(name = "tcId {0} {1} {2}")
  @MethodSource("wycheproofKeySets")
  void parseWycheproofKeySetThenWeakAndAmbiguousKeysNeverImported(int tcId, String comment, Set<String> flags,
      List<Object> privateKeys) throws Exception {
    List<Map<String, Object>> keys = new ArrayList<>();
    for (Object k : privateKeys) {
      @SuppressWarnings("unchecked")
      Map<String, Object> jwk = (Map<String, Object>) k;
      keys.add(toBundleEntry(jwk));
    }

    TrustBundle bundle = TrustBundle.parse(TD, JSONObjectUtils.toJSONString(Map.of("keys", keys)));

    Set<String> imported = bundle.jwtKeys().stream().map(JwtKey::keyId).collect(Collectors.toSet());
    assertThat(imported).as("imported kids").isEqualTo(WYCHEPROOF_IMPORTED.get(tcId));
    assertThat(bundle.jwtKeys().size() + bundle.skippedKeys().size()).isEqualTo(keys.size());
    Map<String, Long> kidCounts = keys.stream().filter(k -> k.get("kid") instanceof String)
        .collect(Collectors.groupingBy(k -> (String) k.get("kid"), Collectors.counting()));
    for (int i = 0; i < keys.size(); i++) {
      Map<String, Object> key = keys.get(i);
      String kid = (String) key.get("kid");
      boolean weak = "oct".equals(key.get("kty"))
          || kidCounts.getOrDefault(kid, 0L) > 1
          || rsaModulusBits(key) < 2048
          || rsaExponent(key).compareTo(BigInteger.valueOf(65537)) < 0
          || (key.get("alg") instanceof String && JwtAlgorithm.fromJwaName((String) key.get("alg")).isEmpty());
      if (weak) {
        assertThat(imported).as("weak or ambiguous key %s (index %d)", kid, i).doesNotContain(kid);
        int index = i;
        assertThat(bundle.skippedKeys()).as("skipped keys").anySatisfy(s -> {
          assertThat(s.index()).isEqualTo(index);
          assertThat(s.keyId()).contains(kid);
        });
      }
    }
    if (flags.contains("DuplicateKid") || flags.contains("MixedKeySet")) {
      assertThat(bundle.jwtKeys()).noneMatch(k -> kidCounts.get(k.keyId()) > 1);
      assertThat(bundle.skippedKeys()).isNotEmpty();
    }
    for (SkippedKey skipped : bundle.skippedKeys()) {
      if (skipped.keyId().isPresent() && !imported.contains(skipped.keyId().get())) {
        assertThat(verify(bundle, unsignedToken(skipped.keyId().get(), "ES256")))
            .isEqualTo(JwtSvidRejectedException.Reason.UNKNOWN_KEY);
      }
    }
  }

  /** The mapping described in the class javadoc. */
  private static Map<String, Object> toBundleEntry(Map<String, Object> jwk) {
    Map<String, Object> entry = new LinkedHashMap<>();
    boolean symmetric = "oct".equals(jwk.get("kty"));
    for (Map.Entry<String, Object> member : jwk.entrySet()) {
      if (!symmetric && PRIVATE_RSA_EC_MEMBERS.contains(member.getKey())) {
        continue;
      }
      entry.put(member.getKey(), member.getValue());
    }
    if (jwk.get("use") == null || "sig".equals(jwk.get("use"))) {
      entry.put("use", "jwt-svid");
    }
    return entry;
  }

  private static int rsaModulusBits(Map<String, Object> key) {
    if (!"RSA".equals(key.get("kty")) || !(key.get("n") instanceof String)) {
      return Integer.MAX_VALUE;
    }
    return new BigInteger(1, Base64.getUrlDecoder().decode((String) key.get("n"))).bitLength();
  }

  private static BigInteger rsaExponent(Map<String, Object> key) {
    if (!"RSA".equals(key.get("kty")) || !(key.get("e") instanceof String)) {
      return BigInteger.valueOf(65537);
    }
    return new BigInteger(1, Base64.getUrlDecoder().decode((String) key.get("e")));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Helpers.

  private static X509Certificate selfSignedRoot(KeyPair pair, String cn) throws Exception {
    X500Name name = new X500Name("O=Lanyard test,CN=" + cn);
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
        Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))), name, pair.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    String algorithm = ((ECPublicKey) pair.getPublic()).getParams().getOrder().bitLength() > 256
        ? "SHA384withECDSA" : "SHA256withECDSA";
    return new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder(algorithm).build(pair.getPrivate())));
  }

  private static KeyPair ec(String curve) throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec(curve));
    return generator.generateKeyPair();
  }

  private static KeyPair rsa(int bits) throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(bits);
    return generator.generateKeyPair();
  }

  private static Map<String, Object> goodEc() {
    return ecJwk(p256, "good-ec");
  }

  private static Map<String, Object> goodRsa() {
    return rsaJwk(rsa2048, "good-rsa");
  }

  private static Map<String, Object> ecJwk(KeyPair pair, String kid) {
    ECPublicKey key = (ECPublicKey) pair.getPublic();
    Map<String, Object> jwk = new LinkedHashMap<>(
        new ECKey.Builder(Curve.forECParameterSpec(key.getParams()), key).keyID(kid).build().toJSONObject());
    jwk.put("use", "jwt-svid");
    return jwk;
  }

  private static Map<String, Object> rsaJwk(KeyPair pair, String kid) {
    Map<String, Object> jwk = new LinkedHashMap<>(
        new RSAKey.Builder((RSAPublicKey) pair.getPublic()).keyID(kid).build().toJSONObject());
    jwk.put("use", "jwt-svid");
    return jwk;
  }

  private static Map<String, Object> okp(String kid) {
    byte[] encoded = ed25519.getPublic().getEncoded();
    Map<String, Object> jwk = new LinkedHashMap<>();
    jwk.put("kty", "OKP");
    jwk.put("crv", "Ed25519");
    jwk.put("x", Base64.getUrlEncoder().withoutPadding()
        .encodeToString(Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length)));
    jwk.put("kid", kid);
    jwk.put("use", "jwt-svid");
    return jwk;
  }

  private static Map<String, Object> with(Map<String, Object> jwk, String member, Object value) {
    jwk.put(member, value);
    return jwk;
  }

  private static Map<String, Object> without(Map<String, Object> jwk, String member) {
    jwk.remove(member);
    return jwk;
  }

  /** Unsigned big-endian base64url, as JWK members are written. */
  private static String b64(BigInteger value) {
    byte[] bytes = value.toByteArray();
    if (bytes.length > 1 && bytes[0] == 0) {
      bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  @SafeVarargs
  private static String document(Map<String, Object>... keys) {
    return JSONObjectUtils.toJSONString(Map.of("keys", List.of(keys)));
  }

  private static String json(Map<String, Object> jwk) {
    return JSONObjectUtils.toJSONString(jwk);
  }

  /** A token naming {@code kid} with a zero signature: the key lookup decides before the signature is checked. */
  private static String unsignedToken(String kid, String alg) {
    Map<String, Object> header = new HashMap<>();
    header.put("alg", alg);
    header.put("kid", kid);
    header.put("typ", "JWT");
    long now = Instant.now().getEpochSecond();
    Map<String, Object> claims = new HashMap<>();
    claims.put("sub", "spiffe://example.org/workload");
    claims.put("aud", List.of(AUDIENCE));
    claims.put("iat", now);
    claims.put("exp", now + 60);
    Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
    return encoder.encodeToString(JSONObjectUtils.toJSONString(header).getBytes(StandardCharsets.UTF_8)) + "."
        + encoder.encodeToString(JSONObjectUtils.toJSONString(claims).getBytes(StandardCharsets.UTF_8)) + "."
        + encoder.encodeToString(new byte[64]);
  }

  /** The rejection reason of a real ES256 token naming {@code kid} signed with {@code pair}, or empty if accepted. */
  private static Optional<JwtSvidRejectedException.Reason> verifySigned(TrustBundle bundle, String kid, KeyPair pair) {
    Instant now = Instant.now();
    String token = JwtSvid.newBuilder().subject(SpiffeId.parse("spiffe://example.org/workload"))
        .audience(List.of(AUDIENCE)).validity(now, now.plusSeconds(60))
        .sign(JwtAlgorithm.ES256, kid, pair.getPrivate()).token();
    JwtSvidVerifier verifier = JwtSvidVerifier.newBuilder()
        .bundleSource(BundleSource.of(bundle)).audience(AUDIENCE).disableCache().build();
    try {
      assertThat(verifier.verify(token).keyId()).isEqualTo(kid);
      return Optional.empty();
    } catch (JwtSvidRejectedException e) {
      return Optional.of(e.reason());
    }
  }

  private static JwtSvidRejectedException.Reason verify(TrustBundle bundle, String token) {
    JwtSvidVerifier verifier = JwtSvidVerifier.newBuilder()
        .bundleSource(BundleSource.of(bundle)).audience(AUDIENCE).disableCache().build();
    try {
      verifier.verify(token);
      return fail("token naming a skipped key was accepted");
    } catch (JwtSvidRejectedException e) {
      return e.reason();
    }
  }

  private static String resource(String name) {
    try (InputStream in = TrustBundleTest.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

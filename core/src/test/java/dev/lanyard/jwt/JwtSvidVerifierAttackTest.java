package dev.lanyard.jwt;

import static dev.lanyard.jwt.HandmadeJws.ES256;
import static dev.lanyard.jwt.HandmadeJws.ES384;
import static dev.lanyard.jwt.HandmadeJws.PS256;
import static dev.lanyard.jwt.HandmadeJws.RS256;
import static dev.lanyard.jwt.HandmadeJws.b64;
import static dev.lanyard.jwt.HandmadeJws.sign;
import static dev.lanyard.jwt.HandmadeJws.signed;
import static dev.lanyard.jwt.HandmadeJws.signingInput;
import static dev.lanyard.jwt.HandmadeJws.str;
import static dev.lanyard.jwt.HandmadeJws.withSignature;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.KeyUse;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.jwt.HandmadeJws.Obj;
import dev.lanyard.jwt.JwtSvidRejectedException.Reason;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.JwtKey;
import dev.lanyard.trust.RevocationList;
import dev.lanyard.trust.TrustBundle;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The attack catalogue of {@link JwtSvidVerifier}: every case is a hand-made compact JWS (header and claims written
 * as raw JSON, base64url-encoded by the JDK, signed with real keys by the JDK) that the verifier must reject with
 * exactly one {@link Reason}. Hostile cases come first (algorithm confusion, forged and malformed signatures, key
 * injection, parser attacks), then claim rules. A positive table at the end shows the same fixture accepts what it
 * should, so the rejections are not an artefact of a broken fixture.
 *
 * <p>Fixture: trust domain {@code example.org} whose bundle holds an EC P-256 key {@code k1} (no pinned algorithm)
 * and an RSA-2048 key {@code rsa-rs256} pinned to RS256; a fixed clock; audience
 * {@code spiffe://example.org/payments}; default skew (30 s) and maximum lifetime (1 h).
 */
class JwtSvidVerifierAttackTest {
  static final TrustDomain TD = TrustDomain.of("example.org");
  static final String AUDIENCE = "spiffe://example.org/payments";
  static final String SUBJECT = "spiffe://example.org/orders";
  static final Instant NOW = Instant.ofEpochSecond(1_900_000_000L);
  static final long T = NOW.getEpochSecond();
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  static final Duration SKEW = JwtSvidVerifier.Builder.DEFAULT_CLOCK_SKEW;

  static final KeyPair K1 = HandmadeJws.ecKeyPair("secp256r1");
  static final KeyPair ATTACKER_P256 = HandmadeJws.ecKeyPair("secp256r1");
  static final KeyPair P384 = HandmadeJws.ecKeyPair("secp384r1");
  static final KeyPair RSA = HandmadeJws.rsaKeyPair();
  static final KeyPair ED25519 = HandmadeJws.ed25519KeyPair();

  /** The order n of P-256. */
  static final BigInteger P256_N =
      new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

  static final TrustBundle BUNDLE = TrustBundle.newBuilder(TD)
      .addJwtKey(JwtKey.of("k1", K1.getPublic(), Optional.empty()))
      .addJwtKey(JwtKey.of("rsa-rs256", RSA.getPublic(), Optional.of(JwtAlgorithm.RS256)))
      .build();

  static final Obj HEADER = Obj.of().str("alg", "ES256").str("kid", "k1").str("typ", "JWT");
  static final Obj CLAIMS = Obj.of()
      .str("sub", SUBJECT)
      .raw("aud", "[" + str(AUDIENCE) + "]")
      .num("exp", T + 300)
      .num("iat", T - 10)
      .str("jti", "tok-1");

  private static final String B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  static JwtSvidVerifier.Builder builder() {
    return JwtSvidVerifier.newBuilder().bundleSource(BundleSource.of(BUNDLE)).audience(AUDIENCE).clock(CLOCK);
  }

  static JwtSvidVerifier verifier() {
    return builder().build();
  }

  /** A token of {@code header} and {@code claims} correctly signed with k1 (ES256). */
  static String es256(Obj header, Obj claims) {
    return signed(ES256, K1.getPrivate(), header.json(), claims.json());
  }

  static String valid() {
    return es256(HEADER, CLAIMS);
  }

  /** A token whose header and payload parts are given as text, correctly signed with k1 over that text. */
  static String es256Parts(String headerPart, String payloadPart) {
    String input = headerPart + "." + payloadPart;
    return input + "." + b64(sign(ES256, K1.getPrivate(), input));
  }

  static String[] parts(String token) {
    return token.split("\\.", -1);
  }

  static String replaceAt(String s, int index, String replacement) {
    return s.substring(0, index) + replacement + s.substring(index + 1);
  }

  /** Sets the lowest bit of the last character of an unpadded base64url text whose length is not a multiple of 4. */
  static String withNonZeroTrailingBits(String part) {
    if (part.length() % 4 == 0) {
      throw new IllegalArgumentException("no unused bits in a text of length " + part.length());
    }
    int last = B64URL.indexOf(part.charAt(part.length() - 1));
    return part.substring(0, part.length() - 1) + B64URL.charAt(last | 1);
  }

  /** r||s of P-256 as 64 bytes. */
  static byte[] p1363(BigInteger r, BigInteger s) {
    byte[] out = new byte[64];
    copyUnsigned(r, out, 0);
    copyUnsigned(s, out, 32);
    return out;
  }

  private static void copyUnsigned(BigInteger value, byte[] out, int offset) {
    byte[] bytes = value.toByteArray();
    int start = bytes.length > 32 ? bytes.length - 32 : 0;
    int length = bytes.length - start;
    System.arraycopy(bytes, start, out, offset + 32 - length, length);
  }

  static byte[] hmacSha256(byte[] key, String input) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(input.getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static String jwkJson(ECPublicKey key, String kid, KeyUse use) {
    return new ECKey.Builder(Curve.P_256, key).keyID(kid).keyUse(use).build().toJSONString();
  }

  static Arguments attack(String name, String token, Reason reason) {
    return Arguments.of(name, token, reason, (Supplier<JwtSvidVerifier>) JwtSvidVerifierAttackTest::verifier);
  }

  static Arguments attack(String name, String token, Reason reason, Supplier<JwtSvidVerifier> verifier) {
    return Arguments.of(name, token, reason, verifier);
  }

  @BeforeAll
  static void warmUp() throws JwtSvidRejectedException {
    // Load and JIT the verification path once, so that the per-case time limit measures the case alone.
    verifier().verify(valid());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("attacks")
  void verifyWhenAttackedThenRejectedWithExactReason(String name, String token, Reason reason,
      Supplier<JwtSvidVerifier> verifierSupplier) {
    JwtSvidVerifier verifier = verifierSupplier.get();
    Reason actual = assertTimeoutPreemptively(Duration.ofSeconds(1), () -> rejectionOf(verifier, token));
    assertThat(actual).as(name).isEqualTo(reason);
  }

  /** The reason {@code token} is rejected for; fails the test if it is accepted. */
  static Reason rejectionOf(JwtSvidVerifier verifier, String token) {
    try {
      VerifiedJwtSvid accepted = verifier.verify(token);
      return fail("accepted: " + accepted);
    } catch (JwtSvidRejectedException e) {
      return e.reason();
    }
  }

  static Stream<Arguments> attacks() {
    List<Arguments> cases = new ArrayList<>();
    String valid = valid();
    String[] validParts = parts(valid);
    String claims = CLAIMS.json();
    byte[] goodSignature = java.util.Base64.getUrlDecoder().decode(validParts[2]);

    // --- Algorithm confusion -------------------------------------------------------------------------------------
    Obj none = HEADER.str("alg", "none");
    cases.add(attack("alg none, empty signature", signingInput(none.json(), claims) + ".",
        Reason.ALGORITHM_NOT_ALLOWED));
    cases.add(attack("alg none, signature of k1 over the none input",
        es256(none, CLAIMS), Reason.ALGORITHM_NOT_ALLOWED));
    cases.add(attack("alg None", signingInput(HEADER.str("alg", "None").json(), claims) + ".",
        Reason.ALGORITHM_NOT_ALLOWED));
    cases.add(attack("alg NONE, no kid", signingInput(Obj.of().str("alg", "NONE").json(), claims) + ".",
        Reason.ALGORITHM_NOT_ALLOWED));
    Obj hs256 = HEADER.str("alg", "HS256");
    String hsInput = signingInput(hs256.json(), claims);
    cases.add(attack("HS256 keyed with k1's encoded public key (SPKI DER)",
        hsInput + "." + b64(hmacSha256(K1.getPublic().getEncoded(), hsInput)), Reason.ALGORITHM_NOT_ALLOWED));
    cases.add(attack("HS256 keyed with k1's public JWK",
        hsInput + "." + b64(hmacSha256(jwkJson((ECPublicKey) K1.getPublic(), "k1", new KeyUse("jwt-svid"))
            .getBytes(StandardCharsets.UTF_8), hsInput)), Reason.ALGORITHM_NOT_ALLOWED));
    cases.add(attack("HS512 keyed with k1's encoded public key",
        signingInput(HEADER.str("alg", "HS512").json(), claims) + "."
            + b64(hmacSha256(K1.getPublic().getEncoded(), hsInput)), Reason.ALGORITHM_NOT_ALLOWED));
    cases.add(attack("EdDSA signed with an Ed25519 key",
        signed("Ed25519", ED25519.getPrivate(), HEADER.str("alg", "EdDSA").json(), claims),
        Reason.ALGORITHM_NOT_ALLOWED));
    cases.add(attack("alg es256 (lower case)", es256(HEADER.str("alg", "es256"), CLAIMS),
        Reason.ALGORITHM_NOT_ALLOWED));
    cases.add(attack("alg 'ES256 ' (trailing space)", es256(HEADER.str("alg", "ES256 "), CLAIMS),
        Reason.ALGORITHM_NOT_ALLOWED));
    cases.add(attack("alg ES256 with a NUL appended", es256(HEADER.raw("alg", "\"ES256\\u0000\""), CLAIMS),
        Reason.ALGORITHM_NOT_ALLOWED));
    cases.add(attack("alg missing", es256(HEADER.without("alg"), CLAIMS), Reason.ALGORITHM_NOT_ALLOWED));
    cases.add(attack("alg null", es256(HEADER.raw("alg", "null"), CLAIMS), Reason.ALGORITHM_NOT_ALLOWED));
    cases.add(attack("alg as array [\"ES256\"]", es256(HEADER.raw("alg", "[\"ES256\"]"), CLAIMS),
        Reason.ALGORITHM_NOT_ALLOWED));
    cases.add(attack("alg ES256 not in the verifier's algorithms (RS256 only)", valid, Reason.ALGORITHM_NOT_ALLOWED,
        () -> builder().algorithms(JwtAlgorithm.RS256).build()));

    // --- Forged, tampered and malformed signatures ---------------------------------------------------------------
    String tamperedPayload = b64(CLAIMS.str("sub", "spiffe://example.org/admin").json());
    cases.add(attack("tampered payload (sub changed, signature kept)",
        validParts[0] + "." + tamperedPayload + "." + validParts[2], Reason.BAD_SIGNATURE));
    cases.add(attack("tampered header (typ removed, signature kept)",
        b64(HEADER.without("typ").json()) + "." + validParts[1] + "." + validParts[2], Reason.BAD_SIGNATURE));
    cases.add(attack("signature by an attacker's P-256 key under kid k1",
        signed(ES256, ATTACKER_P256.getPrivate(), HEADER.json(), claims), Reason.BAD_SIGNATURE));
    cases.add(attack("all-zero 64-byte signature", withSignature(HEADER.json(), claims, new byte[64]),
        Reason.BAD_SIGNATURE));
    BigInteger r = new BigInteger(1, Arrays.copyOfRange(goodSignature, 0, 32));
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(goodSignature, 32, 64));
    cases.add(attack("signature r = n, s = n", withSignature(HEADER.json(), claims, p1363(P256_N, P256_N)),
        Reason.BAD_SIGNATURE));
    cases.add(attack("signature r = n, s of a valid signature", withSignature(HEADER.json(), claims, p1363(P256_N, s)),
        Reason.BAD_SIGNATURE));
    cases.add(attack("signature r of a valid signature, s = n", withSignature(HEADER.json(), claims, p1363(r, P256_N)),
        Reason.BAD_SIGNATURE));
    cases.add(attack("signature r = 1, s = 1", withSignature(HEADER.json(), claims,
        p1363(BigInteger.ONE, BigInteger.ONE)), Reason.BAD_SIGNATURE));
    cases.add(attack("signature r and s swapped", withSignature(HEADER.json(), claims, p1363(s, r)),
        Reason.BAD_SIGNATURE));
    cases.add(attack("stripped signature (empty third part)", validParts[0] + "." + validParts[1] + ".",
        Reason.BAD_SIGNATURE));
    cases.add(attack("signature truncated to 63 bytes",
        withSignature(HEADER.json(), claims, Arrays.copyOf(goodSignature, 63)), Reason.BAD_SIGNATURE));
    cases.add(attack("signature with a zero byte appended (65 bytes)",
        withSignature(HEADER.json(), claims, Arrays.copyOf(goodSignature, 65)), Reason.BAD_SIGNATURE));
    cases.add(attack("valid signature in DER (ASN.1) instead of r||s",
        signed("SHA256withECDSA", K1.getPrivate(), HEADER.json(), claims), Reason.BAD_SIGNATURE));
    cases.add(attack("signature of one zero byte", withSignature(HEADER.json(), claims, new byte[1]),
        Reason.BAD_SIGNATURE));

    // --- Key injection and key search headers ---------------------------------------------------------------------
    String attackerJwk = jwkJson((ECPublicKey) ATTACKER_P256.getPublic(), "k1", KeyUse.SIGNATURE);
    cases.add(attack("embedded jwk (attacker's key, token signed by it)",
        signed(ES256, ATTACKER_P256.getPrivate(), HEADER.raw("jwk", attackerJwk).json(), claims),
        Reason.HEADER_NOT_ALLOWED));
    cases.add(attack("embedded jwk without kid",
        signed(ES256, ATTACKER_P256.getPrivate(), HEADER.without("kid").raw("jwk", attackerJwk).json(), claims),
        Reason.HEADER_NOT_ALLOWED));
    cases.add(attack("jku", es256(HEADER.str("jku", "https://attacker.example/jwks.json"), CLAIMS),
        Reason.HEADER_NOT_ALLOWED));
    cases.add(attack("x5u", es256(HEADER.str("x5u", "https://attacker.example/cert.pem"), CLAIMS),
        Reason.HEADER_NOT_ALLOWED));
    cases.add(attack("x5c", es256(HEADER.raw("x5c", "[" + str(java.util.Base64.getEncoder()
        .encodeToString(ATTACKER_P256.getPublic().getEncoded())) + "]"), CLAIMS), Reason.HEADER_NOT_ALLOWED));
    cases.add(attack("x5t#S256", es256(HEADER.str("x5t#S256", b64(new byte[32])), CLAIMS),
        Reason.HEADER_NOT_ALLOWED));
    cases.add(attack("crit [\"exp\"]", es256(HEADER.raw("crit", "[\"exp\"]"), CLAIMS), Reason.HEADER_NOT_ALLOWED));
    cases.add(attack("crit []", es256(HEADER.raw("crit", "[]"), CLAIMS), Reason.HEADER_NOT_ALLOWED));
    cases.add(attack("b64 false (RFC 7797 unencoded payload)", es256(HEADER.raw("b64", "false"), CLAIMS),
        Reason.HEADER_NOT_ALLOWED));
    cases.add(attack("cty JWT (nested token)", es256(HEADER.str("cty", "JWT"), CLAIMS), Reason.HEADER_NOT_ALLOWED));
    cases.add(attack("zip DEF", es256(HEADER.str("zip", "DEF"), CLAIMS), Reason.HEADER_NOT_ALLOWED));

    // --- Key and algorithm mismatch --------------------------------------------------------------------------------
    cases.add(attack("ES384 header (signed with a P-384 key) naming the P-256 key k1",
        signed(ES384, P384.getPrivate(), HEADER.str("alg", "ES384").json(), claims), Reason.KEY_MISMATCH));
    cases.add(attack("ES512 header naming the P-256 key k1", es256(HEADER.str("alg", "ES512"), CLAIMS),
        Reason.KEY_MISMATCH));
    cases.add(attack("RS256 header (signed with an RSA key) naming the P-256 key k1",
        signed(RS256, RSA.getPrivate(), HEADER.str("alg", "RS256").json(), claims), Reason.KEY_MISMATCH));
    cases.add(attack("PS256 header naming the P-256 key k1",
        signed(PS256, RSA.getPrivate(), HEADER.str("alg", "PS256").json(), claims), Reason.KEY_MISMATCH));
    cases.add(attack("PS256 header (valid PSS signature) naming an RSA key pinned to RS256",
        signed(PS256, RSA.getPrivate(), HEADER.str("alg", "PS256").str("kid", "rsa-rs256").json(), claims),
        Reason.KEY_MISMATCH));
    cases.add(attack("ES256 header naming an RSA key pinned to RS256",
        es256(HEADER.str("kid", "rsa-rs256"), CLAIMS), Reason.KEY_MISMATCH));

    // --- Key lookup ------------------------------------------------------------------------------------------------
    cases.add(attack("unknown kid", es256(HEADER.str("kid", "k2"), CLAIMS), Reason.UNKNOWN_KEY));
    cases.add(attack("kid differing in case", es256(HEADER.str("kid", "K1"), CLAIMS), Reason.UNKNOWN_KEY));
    cases.add(attack("missing kid", es256(HEADER.without("kid"), CLAIMS), Reason.UNKNOWN_KEY));
    cases.add(attack("empty kid", es256(HEADER.str("kid", ""), CLAIMS), Reason.UNKNOWN_KEY));
    cases.add(attack("kid as number", es256(HEADER.raw("kid", "1"), CLAIMS), Reason.UNKNOWN_KEY));
    cases.add(attack("kid of a bundle key with use 'sig' (not jwt-svid)",
        es256(HEADER.str("kid", "k-sig"), CLAIMS), Reason.UNKNOWN_KEY, () -> {
          TrustBundle parsed = TrustBundle.parse(TD, "{\"keys\":["
              + jwkJson((ECPublicKey) K1.getPublic(), "k-sig", KeyUse.SIGNATURE) + "]}");
          assertThat(parsed.skippedKeys()).as("the 'sig' key is skipped by the bundle").hasSize(1);
          return JwtSvidVerifier.newBuilder().bundleSource(BundleSource.of(parsed)).audience(AUDIENCE)
              .clock(CLOCK).build();
        }));

    // --- Type ------------------------------------------------------------------------------------------------------
    cases.add(attack("typ at+jwt", es256(HEADER.str("typ", "at+jwt"), CLAIMS), Reason.TYPE_NOT_ALLOWED));
    cases.add(attack("typ jwt (lower case)", es256(HEADER.str("typ", "jwt"), CLAIMS), Reason.TYPE_NOT_ALLOWED));
    cases.add(attack("typ application/jwt", es256(HEADER.str("typ", "application/jwt"), CLAIMS),
        Reason.TYPE_NOT_ALLOWED));
    cases.add(attack("typ JWS", es256(HEADER.str("typ", "JWS"), CLAIMS), Reason.TYPE_NOT_ALLOWED));
    cases.add(attack("typ empty", es256(HEADER.str("typ", ""), CLAIMS), Reason.TYPE_NOT_ALLOWED));
    cases.add(attack("typ as number", es256(HEADER.raw("typ", "1"), CLAIMS), Reason.TYPE_NOT_ALLOWED));

    // --- Compact serialization and base64url -----------------------------------------------------------------------
    cases.add(attack("empty string", "", Reason.MALFORMED));
    cases.add(attack("not-a-token", "not-a-token", Reason.MALFORMED));
    cases.add(attack("two parts", validParts[0] + "." + validParts[1], Reason.MALFORMED));
    cases.add(attack("four parts", valid + "." + validParts[2], Reason.MALFORMED));
    cases.add(attack("four parts, last empty", valid + ".", Reason.MALFORMED));
    cases.add(attack("only dots", "..", Reason.MALFORMED));
    cases.add(attack("empty header part", "." + validParts[1] + "." + validParts[2], Reason.MALFORMED));
    cases.add(attack("empty payload part", es256Parts(validParts[0], ""), Reason.MALFORMED));
    cases.add(attack("JWS JSON serialization instead of compact", "{\"payload\":\"" + validParts[1]
        + "\",\"protected\":\"" + validParts[0] + "\",\"signature\":\"" + validParts[2] + "\"}", Reason.MALFORMED));
    for (String bad : new String[] {"+", "/", "=", " ", "\n", "?", "\t", "%", "\u00e9", "\u0000"}) {
      String label = bad.replace("\n", "\\n").replace("\t", "\\t").replace("\u0000", "\\0");
      cases.add(attack("'" + label + "' in the header part (signed over it)",
          es256Parts(replaceAt(validParts[0], 4, bad), validParts[1]), Reason.MALFORMED));
    }
    cases.add(attack("'+' in the payload part (signed over it)",
        es256Parts(validParts[0], replaceAt(validParts[1], 4, "+")), Reason.MALFORMED));
    cases.add(attack("'/' in the signature part",
        validParts[0] + "." + validParts[1] + "." + replaceAt(validParts[2], 0, "/"), Reason.MALFORMED));
    cases.add(attack("space in the signature part",
        validParts[0] + "." + validParts[1] + "." + replaceAt(validParts[2], 10, " "), Reason.MALFORMED));
    cases.add(attack("'?' in the payload part (signed over it)",
        es256Parts(validParts[0], replaceAt(validParts[1], 6, "?")), Reason.MALFORMED));
    String paddedHeader = validParts[0] + "=".repeat((4 - validParts[0].length() % 4) % 4);
    cases.add(attack("'=' padding on the header part (signed over it)",
        es256Parts(paddedHeader, validParts[1]), Reason.MALFORMED));
    cases.add(attack("'==' padding on the signature part", valid + "==", Reason.MALFORMED));
    cases.add(attack("trailing newline after the token", valid + "\n", Reason.MALFORMED));
    cases.add(attack("trailing CRLF after the token", valid + "\r\n", Reason.MALFORMED));
    cases.add(attack("leading space before the token", " " + valid, Reason.MALFORMED));
    cases.add(attack("'Bearer ' prefix left on the token", "Bearer " + valid, Reason.MALFORMED));
    cases.add(attack("non-zero trailing bits in the signature part (same bytes to a lenient decoder)",
        validParts[0] + "." + validParts[1] + "." + withNonZeroTrailingBits(validParts[2]), Reason.MALFORMED));
    cases.add(attack("non-zero trailing bits in the header part (signed over it)",
        es256Parts(withNonZeroTrailingBits(validParts[0]), validParts[1]), Reason.MALFORMED));
    String claimsWithRemainder = claims.length() % 3 == 0 ? claims.substring(0, claims.length() - 1) + " }" : claims;
    cases.add(attack("non-zero trailing bits in the payload part (signed over it)",
        es256Parts(validParts[0], withNonZeroTrailingBits(b64(claimsWithRemainder))), Reason.MALFORMED));
    cases.add(attack("header part of 1 mod 4 characters", es256Parts(validParts[0] + "A".repeat(
        (5 - validParts[0].length() % 4) % 4), validParts[1]), Reason.MALFORMED));

    // --- JSON ------------------------------------------------------------------------------------------------------
    cases.add(attack("header not JSON", es256Parts(b64("alg=ES256&kid=k1"), validParts[1]), Reason.MALFORMED));
    cases.add(attack("header a JSON array", es256Parts(b64("[" + HEADER.json() + "]"), validParts[1]),
        Reason.MALFORMED));
    cases.add(attack("header a JSON string", es256Parts(b64("\"ES256\""), validParts[1]), Reason.MALFORMED));
    cases.add(attack("header JSON null", es256Parts(b64("null"), validParts[1]), Reason.MALFORMED));
    cases.add(attack("header with trailing text after the object",
        es256Parts(b64(HEADER.json() + "x"), validParts[1]), Reason.MALFORMED));
    cases.add(attack("header with two concatenated objects",
        es256Parts(b64(HEADER.json() + HEADER.json()), validParts[1]), Reason.MALFORMED));
    cases.add(attack("header with single-quoted names",
        es256Parts(b64("{'alg':'ES256','kid':'k1'}"), validParts[1]), Reason.MALFORMED));
    cases.add(attack("header with a comment",
        es256Parts(b64("{\"alg\":\"ES256\",/*x*/\"kid\":\"k1\"}"), validParts[1]), Reason.MALFORMED));
    cases.add(attack("header with a trailing comma",
        es256Parts(b64("{\"alg\":\"ES256\",\"kid\":\"k1\",}"), validParts[1]), Reason.MALFORMED));
    byte[] badUtf8 = "{\"alg\":\"ES256\",\"kid\":\"k1\",\"typ\":\"JWT\u00C3(\"}".getBytes(StandardCharsets.ISO_8859_1);
    cases.add(attack("header with invalid UTF-8 (C3 28)", es256Parts(b64(badUtf8), validParts[1]), Reason.MALFORMED));
    byte[] overlong = "{\"alg\":\"ES256\",\"kid\":\"k\u00C0\u00B1\"}".getBytes(StandardCharsets.ISO_8859_1);
    cases.add(attack("header with an overlong UTF-8 encoding (C0 B1 for '1')", es256Parts(b64(overlong),
        validParts[1]), Reason.MALFORMED));
    cases.add(attack("payload not JSON", es256Parts(validParts[0], b64("sub=spiffe://example.org/orders")),
        Reason.MALFORMED));
    cases.add(attack("payload a JSON array", es256Parts(validParts[0], b64("[" + claims + "]")), Reason.MALFORMED));
    byte[] badPayloadUtf8 = CLAIMS.str("jti", "tok-\u00ff").json().getBytes(StandardCharsets.ISO_8859_1);
    cases.add(attack("payload with invalid UTF-8 (lone FF byte)", es256Parts(validParts[0], b64(badPayloadUtf8)),
        Reason.MALFORMED));
    cases.add(attack("duplicate claim names (sub twice)",
        es256(HEADER, CLAIMS.duplicate("sub", str("spiffe://example.org/admin"))), Reason.MALFORMED));
    cases.add(attack("duplicate claim names with equal values (exp twice)",
        es256(HEADER, CLAIMS.duplicate("exp", Long.toString(T + 300))), Reason.MALFORMED));
    cases.add(attack("duplicate header names (alg twice)", es256(HEADER.duplicate("alg", str("none")), CLAIMS),
        Reason.MALFORMED));
    cases.add(attack("duplicate header names (kid twice)", es256(HEADER.duplicate("kid", str("k2")), CLAIMS),
        Reason.MALFORMED));
    cases.add(attack("10 000 nested '[' in a claim", es256(HEADER, CLAIMS.raw("x", "[".repeat(10_000))),
        Reason.MALFORMED));
    cases.add(attack("10 000 nested arrays (balanced) in a claim",
        es256(HEADER, CLAIMS.raw("x", "[".repeat(5_000) + "]".repeat(5_000))), Reason.MALFORMED));
    cases.add(attack("nested objects in the header",
        es256(HEADER.raw("x", "{\"a\":{\"b\":{\"c\":{\"d\":1}}}}"), CLAIMS), Reason.MALFORMED));
    cases.add(attack("exp 1e400 (overflows a double)", es256(HEADER, CLAIMS.raw("exp", "1e400")), Reason.MALFORMED));

    // --- Size ------------------------------------------------------------------------------------------------------
    cases.add(attack("1 MB of base64url characters", "A".repeat(1_000_000), Reason.MALFORMED));
    cases.add(attack("1 MB token with two dots", "A".repeat(500_000) + "." + "A".repeat(499_998) + ".A",
        Reason.MALFORMED));
    cases.add(attack("1 MB token with two dots, verifier allows 1 MiB tokens",
        "A".repeat(500_000) + "." + "A".repeat(499_998) + ".A", Reason.MALFORMED,
        () -> builder().maxTokenLength(JwtSvidVerifier.Builder.MAX_TOKEN_LENGTH_LIMIT).build()));
    cases.add(attack("1 MB of dots", ".".repeat(1_000_000), Reason.MALFORMED));
    cases.add(attack("1 MB of '[' in a claim, verifier allows 1 MiB tokens",
        es256Parts(validParts[0], b64("{\"x\":" + "[".repeat(740_000) + "}")), Reason.MALFORMED,
        () -> builder().maxTokenLength(JwtSvidVerifier.Builder.MAX_TOKEN_LENGTH_LIMIT).build()));

    // --- Subject and trust domain ----------------------------------------------------------------------------------
    cases.add(attack("missing sub", es256(HEADER, CLAIMS.without("sub")), Reason.MISSING_CLAIM));
    for (String sub : new String[] {"orders", "https://example.org/x", "spiffe://EXAMPLE.org/x",
        "SPIFFE://example.org/x", "spiffe://example.org/x/", "spiffe://example.org/../x", "spiffe://example.org:443/x",
        "spiffe://u@example.org/x", "spiffe://example.org/x?y", "spiffe://example.org/x%2Fy", "spiffe:///x", ""}) {
      cases.add(attack("sub '" + sub + "'", es256(HEADER, CLAIMS.str("sub", sub)), Reason.INVALID_SUBJECT));
    }
    cases.add(attack("sub as number", es256(HEADER, CLAIMS.raw("sub", "42")), Reason.INVALID_SUBJECT));
    cases.add(attack("sub as array", es256(HEADER, CLAIMS.raw("sub", "[" + str(SUBJECT) + "]")),
        Reason.INVALID_SUBJECT));
    cases.add(attack("sub of another trust domain, signed with k1",
        es256(HEADER, CLAIMS.str("sub", "spiffe://evil.example/orders")), Reason.UNTRUSTED_TRUST_DOMAIN));
    cases.add(attack("sub of example.org, verifier accepts only other.org", valid, Reason.UNTRUSTED_TRUST_DOMAIN,
        () -> builder().trustDomains(TrustDomain.of("other.org")).build()));

    // --- Time ------------------------------------------------------------------------------------------------------
    cases.add(attack("expired (exp = now - skew - 1s)",
        es256(HEADER, CLAIMS.num("exp", T - SKEW.toSeconds() - 1).num("iat", T - 100)), Reason.EXPIRED));
    cases.add(attack("expired exactly (exp + skew = now)",
        es256(HEADER, CLAIMS.num("exp", T - SKEW.toSeconds()).num("iat", T - 100)), Reason.EXPIRED));
    cases.add(attack("exp 0", es256(HEADER, CLAIMS.num("exp", 0).without("iat")), Reason.EXPIRED));
    cases.add(attack("not yet valid (nbf = now + skew + 1s)",
        es256(HEADER, CLAIMS.num("nbf", T + SKEW.toSeconds() + 1)), Reason.NOT_YET_VALID));
    cases.add(attack("issued in the future (iat = now + skew + 1s)",
        es256(HEADER, CLAIMS.num("iat", T + SKEW.toSeconds() + 1)), Reason.NOT_YET_VALID));
    cases.add(attack("missing exp", es256(HEADER, CLAIMS.without("exp")), Reason.MISSING_CLAIM));
    cases.add(attack("exp null", es256(HEADER, CLAIMS.raw("exp", "null")), Reason.INVALID_CLAIM));
    cases.add(attack("exp as string \"" + (T + 300) + "\"", es256(HEADER, CLAIMS.str("exp", Long.toString(T + 300))),
        Reason.INVALID_CLAIM));
    cases.add(attack("exp as string \"1700000000\"", es256(HEADER, CLAIMS.str("exp", "1700000000")),
        Reason.INVALID_CLAIM));
    cases.add(attack("exp true", es256(HEADER, CLAIMS.raw("exp", "true")), Reason.INVALID_CLAIM));
    cases.add(attack("exp as array", es256(HEADER, CLAIMS.raw("exp", "[" + (T + 300) + "]")), Reason.INVALID_CLAIM));
    cases.add(attack("exp negative", es256(HEADER, CLAIMS.num("exp", -1)), Reason.INVALID_CLAIM));
    cases.add(attack("exp after the year 9999", es256(HEADER, CLAIMS.num("exp", 253_402_300_800L)),
        Reason.INVALID_CLAIM));
    cases.add(attack("exp 1e300", es256(HEADER, CLAIMS.raw("exp", "1e300")), Reason.INVALID_CLAIM));
    cases.add(attack("exp Long.MAX_VALUE", es256(HEADER, CLAIMS.num("exp", Long.MAX_VALUE)), Reason.INVALID_CLAIM));
    cases.add(attack("nbf as string", es256(HEADER, CLAIMS.str("nbf", Long.toString(T))), Reason.INVALID_CLAIM));
    cases.add(attack("iat as string", es256(HEADER, CLAIMS.str("iat", Long.toString(T))), Reason.INVALID_CLAIM));
    cases.add(attack("lifetime over the maximum (exp - iat = 1h + 1s)",
        es256(HEADER, CLAIMS.num("iat", T - 10).num("exp", T - 10 + 3601)), Reason.LIFETIME_TOO_LONG));
    cases.add(attack("no iat and exp - now over the maximum (1h + 1s)",
        es256(HEADER, CLAIMS.without("iat").num("exp", T + 3601)), Reason.LIFETIME_TOO_LONG));
    cases.add(attack("exp in the year 9999", es256(HEADER, CLAIMS.num("exp", 253_402_300_799L)),
        Reason.LIFETIME_TOO_LONG));

    // --- Audience --------------------------------------------------------------------------------------------------
    cases.add(attack("wrong audience", es256(HEADER, CLAIMS.str("aud", "spiffe://example.org/other")),
        Reason.AUDIENCE_MISMATCH));
    cases.add(attack("audience array without ours", es256(HEADER, CLAIMS.raw("aud",
        "[\"spiffe://example.org/other\",\"spiffe://example.org/payments/x\"]")), Reason.AUDIENCE_MISMATCH));
    cases.add(attack("audience with a trailing slash", es256(HEADER, CLAIMS.str("aud", AUDIENCE + "/")),
        Reason.AUDIENCE_MISMATCH));
    cases.add(attack("audience differing in case", es256(HEADER, CLAIMS.str("aud", "spiffe://example.org/Payments")),
        Reason.AUDIENCE_MISMATCH));
    cases.add(attack("audience empty string", es256(HEADER, CLAIMS.str("aud", "")), Reason.AUDIENCE_MISMATCH));
    cases.add(attack("missing aud", es256(HEADER, CLAIMS.without("aud")), Reason.MISSING_CLAIM));
    cases.add(attack("aud as number", es256(HEADER, CLAIMS.raw("aud", "42")), Reason.INVALID_CLAIM));
    cases.add(attack("aud empty array", es256(HEADER, CLAIMS.raw("aud", "[]")), Reason.INVALID_CLAIM));
    cases.add(attack("aud array holding a number next to ours",
        es256(HEADER, CLAIMS.raw("aud", "[" + str(AUDIENCE) + ",42]")), Reason.INVALID_CLAIM));
    cases.add(attack("aud as object", es256(HEADER, CLAIMS.raw("aud", "{\"aud\":" + str(AUDIENCE) + "}")),
        Reason.INVALID_CLAIM));

    // --- Other claims ----------------------------------------------------------------------------------------------
    cases.add(attack("scope with a '\"'", es256(HEADER, CLAIMS.str("scope", "read \"write")), Reason.INVALID_CLAIM));
    cases.add(attack("scope with a '\\'", es256(HEADER, CLAIMS.str("scope", "read\\write")), Reason.INVALID_CLAIM));
    cases.add(attack("scope with two spaces", es256(HEADER, CLAIMS.str("scope", "read  write")), Reason.INVALID_CLAIM));
    cases.add(attack("scope with a leading space", es256(HEADER, CLAIMS.str("scope", " read")), Reason.INVALID_CLAIM));
    cases.add(attack("scope with a trailing space", es256(HEADER, CLAIMS.str("scope", "read ")), Reason.INVALID_CLAIM));
    cases.add(attack("scope with a tab", es256(HEADER, CLAIMS.raw("scope", "\"read\\twrite\"")), Reason.INVALID_CLAIM));
    cases.add(attack("scope with a non-ASCII character", es256(HEADER, CLAIMS.raw("scope", "\"r\\u00e9ad\"")),
        Reason.INVALID_CLAIM));
    cases.add(attack("scope as array", es256(HEADER, CLAIMS.raw("scope", "[\"read\"]")), Reason.INVALID_CLAIM));
    cases.add(attack("jti as number", es256(HEADER, CLAIMS.raw("jti", "7")), Reason.INVALID_CLAIM));
    cases.add(attack("iss as number", es256(HEADER, CLAIMS.raw("iss", "7")), Reason.INVALID_CLAIM));

    // --- Revocation ------------------------------------------------------------------------------------------------
    cases.add(attack("revoked by token id", valid, Reason.REVOKED, () -> {
      RevocationList revocations = new RevocationList(CLOCK, Duration.ofHours(1));
      revocations.revokeToken("tok-1");
      return builder().revocations(revocations).build();
    }));
    cases.add(attack("revoked by subject (issued before the revocation)", valid, Reason.REVOKED, () -> {
      RevocationList revocations = new RevocationList(CLOCK, Duration.ofHours(1));
      revocations.revokeSubject(SpiffeId.parse(SUBJECT), NOW);
      return builder().revocations(revocations).build();
    }));
    cases.add(attack("revoked by subject, token without iat", es256(HEADER, CLAIMS.without("iat")), Reason.REVOKED,
        () -> {
          RevocationList revocations = new RevocationList(CLOCK, Duration.ofHours(1));
          revocations.revokeSubject(SpiffeId.parse(SUBJECT), NOW.minusSeconds(3600));
          return builder().revocations(revocations).build();
        }));
    cases.add(attack("revoked by key", valid, Reason.REVOKED, () -> {
      RevocationList revocations = new RevocationList(CLOCK, Duration.ofHours(1));
      revocations.revokeKey("k1");
      return builder().revocations(revocations).build();
    }));
    return cases.stream();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Accepted tokens
  // ---------------------------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("acceptedTokens")
  void verifyWhenTokenIsValidThenAccepted(String name, String token, Consumer<VerifiedJwtSvid> check)
      throws JwtSvidRejectedException {
    VerifiedJwtSvid verified = verifier().verify(token);
    assertThat(verified.subject()).isEqualTo(SpiffeId.parse(SUBJECT));
    check.accept(verified);
  }

  static Arguments accepted(String name, String token, Consumer<VerifiedJwtSvid> check) {
    return Arguments.of(name, token, check);
  }

  static Stream<Arguments> acceptedTokens() {
    long lastAcceptedExp = T - SKEW.toSeconds() + 1;
    return Stream.of(
        accepted("typ JWT", valid(), v -> {
          assertThat(v.keyId()).isEqualTo("k1");
          assertThat(v.algorithm()).isEqualTo(JwtAlgorithm.ES256);
          assertThat(v.audience()).containsExactly(AUDIENCE);
          assertThat(v.expiresAt()).isEqualTo(Instant.ofEpochSecond(T + 300));
          assertThat(v.issuedAt()).contains(Instant.ofEpochSecond(T - 10));
          assertThat(v.tokenId()).contains("tok-1");
          assertThat(v.issuer()).isEmpty();
          assertThat(v.scopes()).isEmpty();
        }),
        accepted("typ JOSE", es256(HEADER.str("typ", "JOSE"), CLAIMS), v -> { }),
        accepted("typ absent", es256(HEADER.without("typ"), CLAIMS), v -> { }),
        accepted("header members in another order, with JSON white space",
            es256Parts(b64("{ \"typ\" : \"JWT\",\n \"kid\" : \"k1\", \"alg\" : \"ES256\" }"), b64(CLAIMS.json())),
            v -> assertThat(v.keyId()).isEqualTo("k1")),
        accepted("aud as string", es256(HEADER, CLAIMS.str("aud", AUDIENCE)),
            v -> assertThat(v.audience()).containsExactly(AUDIENCE)),
        accepted("aud as array containing ours among others", es256(HEADER, CLAIMS.raw("aud",
            "[\"spiffe://example.org/other\"," + str(AUDIENCE) + "]")),
            v -> assertThat(v.audience()).containsExactly("spiffe://example.org/other", AUDIENCE)),
        accepted("scope parsed into scopes()", es256(HEADER, CLAIMS.str("scope", "read write payments:refund")),
            v -> {
              assertThat(v.scopes()).containsExactly("read", "write", "payments:refund");
              assertThat(v.hasScopes(Set.of("read", "payments:refund"))).isTrue();
              assertThat(v.hasScopes(Set.of("admin"))).isFalse();
            }),
        accepted("scope empty string", es256(HEADER, CLAIMS.str("scope", "")), v -> assertThat(v.scopes()).isEmpty()),
        accepted("iss kept", es256(HEADER, CLAIMS.str("iss", "https://issuer.example.org")),
            v -> assertThat(v.issuer()).contains("https://issuer.example.org")),
        accepted("no jti", es256(HEADER, CLAIMS.without("jti")), v -> assertThat(v.tokenId()).isEmpty()),
        accepted("no iat", es256(HEADER, CLAIMS.without("iat")), v -> assertThat(v.issuedAt()).isEmpty()),
        accepted("last accepted exp (now = exp + skew - 1s)",
            es256(HEADER, CLAIMS.num("exp", lastAcceptedExp).num("iat", T - 100)),
            v -> assertThat(v.expiresAt()).isEqualTo(Instant.ofEpochSecond(lastAcceptedExp))),
        accepted("nbf = now + skew", es256(HEADER, CLAIMS.num("nbf", T + SKEW.toSeconds())), v -> { }),
        accepted("iat = now + skew", es256(HEADER, CLAIMS.num("iat", T + SKEW.toSeconds())), v -> { }),
        accepted("lifetime exactly the maximum (1 h)", es256(HEADER, CLAIMS.num("iat", T - 10).num("exp", T + 3590)),
            v -> { }),
        accepted("fractional exp", es256(HEADER, CLAIMS.raw("exp", (T + 300) + ".5")),
            v -> assertThat(v.expiresAt()).isEqualTo(Instant.ofEpochSecond(T + 300, 500_000_000))),
        accepted("unknown extra claim", es256(HEADER, CLAIMS.raw("x-ctx", "{\"tenant\":\"a\"}")), v -> { }),
        accepted("RS256 with the RSA key pinned to RS256",
            signed(RS256, RSA.getPrivate(), HEADER.str("alg", "RS256").str("kid", "rsa-rs256").json(), CLAIMS.json()),
            v -> {
              assertThat(v.algorithm()).isEqualTo(JwtAlgorithm.RS256);
              assertThat(v.keyId()).isEqualTo("rsa-rs256");
            }));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Bugs found (disabled until fixed in main code)
  // ---------------------------------------------------------------------------------------------------------------

  /**
   * RFC 7519 §4.1: when present, {@code nbf}/{@code iat} MUST be a NumericDate and {@code jti}/{@code iss} a string;
   * JSON {@code null} is neither. The verifier reads a null member as "absent" ({@code claims.get(name) == null}) and
   * accepts the token.
   */
  @ParameterizedTest(name = "{0} null")
  @ValueSource(strings = {"nbf", "iat", "jti", "iss", "scope"})
  void verifyWhenOptionalClaimIsJsonNullThenRejectedWithInvalidClaim(String claim) {
    assertThat(rejectionOf(verifier(), es256(HEADER, CLAIMS.raw(claim, "null")))).isEqualTo(Reason.INVALID_CLAIM);
  }

  /** The {@link Reason#TYPE_NOT_ALLOWED} contract: "typ is present and neither JWT nor JOSE". */
  @Test
  void verifyWhenTypIsJsonNullThenRejectedWithTypeNotAllowed() {
    assertThat(rejectionOf(verifier(), es256(HEADER.raw("typ", "null"), CLAIMS))).isEqualTo(Reason.TYPE_NOT_ALLOWED);
  }

  /**
   * {@code dev.lanyard.internal.Json} promises to refuse duplicate member names; nimbus' Gson refuses them only at
   * the top level, so a claim holding an object with duplicate names is parsed (last value wins) and the token
   * accepted, a parser differential with strict JSON parsers.
   */
  @Test
  void verifyWhenNestedClaimObjectHasDuplicateNamesThenRejectedWithMalformed() {
    String ctx = "{\"tenant\":\"a\",\"tenant\":\"b\"}";
    assertThat(rejectionOf(verifier(), es256(HEADER, CLAIMS.raw("ctx", ctx)))).isEqualTo(Reason.MALFORMED);
  }
}

package dev.lanyard.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.abort;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.lanyard.internal.Base64Url;
import dev.lanyard.internal.Json;
import dev.lanyard.internal.Utf8;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.jwt.JwtSvidRejectedException.Reason;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.JwtKey;
import dev.lanyard.trust.TrustBundle;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs Wycheproof's JWS vectors ({@code json_web_signature_test.json}, C2SP/wycheproof {@code testvectors_v1}, copied
 * unmodified to {@code src/test/resources/wycheproof/}) through the verifier.
 *
 * <p><b>Key.</b> Per test group the key is {@code public}, else {@code private}. An EC or RSA key becomes a one-key
 * bundle parsed with {@link TrustBundle#parse}: private members ({@code d p q dp dq qi oth}) are dropped, the
 * {@code kid} is set to the vector's header {@code kid} (or {@code "wycheproof"} when the header has none or cannot be
 * read), and a JWK {@code use} of {@code "sig"} or none becomes {@code "jwt-svid"}. Any other {@code use} (e.g.
 * {@code enc}), {@code key_ops} and the key's {@code alg} are kept as they are, so the bundle's import rules apply: a
 * key meant for encryption, a key whose {@code key_ops} lack {@code verify}, or a key whose {@code alg} is not a
 * JWT-SVID algorithm ({@code "ES521"}) is skipped, and a pinned {@code alg} must match the header. (Forcing
 * {@code jwt-svid} onto those keys would be wrong: tcId 353-356 carry genuine signatures and are invalid only because
 * the key is for encryption.) Symmetric ({@code oct}) keys give an empty bundle: JWT-SVIDs have no symmetric keys.
 *
 * <p><b>Two layers are checked per vector.</b> The <em>verifier</em>: {@link JwtSvidVerifier#verify} with that bundle
 * for every trust domain. The <em>signature layer</em>: the verifier's structural and key checks followed by the
 * signature check itself, applied directly so that vectors whose payload is not a JWT-SVID (all of this file's
 * payloads: {@code foo}, empty, binary, RFC 7520 prose) still exercise {@code key.verifies(alg,
 * signingInput, signature)}: exactly three parts, each canonical base64url; a header that is a JSON object with only
 * {@code alg}, {@code kid}, {@code typ}; a JWT-SVID {@code alg}; {@code typ} absent, {@code JWT} or {@code JOSE}; a
 * bundle key for the {@code kid} that {@linkplain JwtKey#accepts accepts} the algorithm; the signature verifies.
 *
 * <p><b>Mapping of vectors to expectations</b> ({@link Category}):
 * <ul>
 *   <li>{@code invalid}: rejected by the verifier (any reason) <em>and</em> by the signature layer. No invalid vector
 *       may pass either.</li>
 *   <li>{@code valid} with a header member other than {@code alg}/{@code kid}/{@code typ}: verifier rejects with
 *       {@link Reason#HEADER_NOT_ALLOWED}. (This file has none today; the count is asserted as 0.)</li>
 *   <li>{@code valid} with an {@code alg} that is not a JWT-SVID algorithm (HS*, EdDSA): verifier rejects with
 *       {@link Reason#ALGORITHM_NOT_ALLOWED}.</li>
 *   <li>{@code valid} whose payload is a JWT-SVID: accepted by the verifier. (None in this file; asserted as 0. Real
 *       JWT-SVID acceptance is covered by {@link JwtSvidVerifierAttackTest} and {@link JwtSvidVerifierTest}.)</li>
 *   <li>{@code valid} otherwise (payload not a JWT-SVID): the signature layer accepts, and the verifier rejects with
 *       {@link Reason#MALFORMED} because the payload is not a JSON object.</li>
 *   <li>Known defects of the file (see the README there), treated as expected rejections by both layers: tcId 346/350
 *       (key pinned to PS256, header PS384: {@code KEY_MISMATCH}), 347/351 (key {@code alg} "ES521", not a JWA name:
 *       the key is skipped), 372/373 ({@code '?'} inside base64url). Skipped: tcId 367/370, labelled invalid but
 *       byte-identical to the valid tcId 357.</li>
 *   <li>{@code acceptable}: either outcome (none in this file; asserted as 0).</li>
 * </ul>
 * {@link #everyCategoryHoldsItsExpectedNumberOfVectors()} pins the number of vectors per category, so an empty or
 * changed file cannot pass silently.
 */
class WycheproofJwsTest {
  private static final String FILE = "json_web_signature_test.json";
  private static final TrustDomain TD = TrustDomain.of("example.org");
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_900_000_000L), ZoneOffset.UTC);
  private static final String DEFAULT_KID = "wycheproof";
  private static final Set<String> PRIVATE_MEMBERS = Set.of("d", "p", "q", "dp", "dq", "qi", "oth");
  private static final Set<String> JWT_SVID_HEADERS = Set.of("alg", "kid", "typ");

  /** Labelled valid but rejected by a verifier that pins the key's alg (346, 347, 350, 351) or strict base64url. */
  private static final Set<Integer> VALID_EXPECTED_REJECT = Set.of(346, 347, 350, 351, 372, 373);
  /** Labelled invalid but byte-identical to the valid tcId 357 (both the jws and the key): cannot be honoured. */
  private static final Set<Integer> SKIPPED = Set.of(367, 370);

  /** How a vector is judged; decided from the vector alone, before anything is verified. */
  enum Category {
    SKIPPED_KNOWN_DEFECT,
    INVALID,
    ACCEPTABLE,
    VALID_EXPECTED_REJECT,
    VALID_HEADER_NOT_ALLOWED,
    VALID_ALGORITHM_NOT_ALLOWED,
    VALID_JWT_SVID,
    VALID_SIGNATURE_ONLY
  }

  /** One test vector with its group's key. */
  record Vector(int tcId, String comment, String result, String jws, Map<String, Object> key, Category category) {
    @Override
    public String toString() {
      return "tcId " + tcId + " " + comment + " (" + result + ", " + category + ")";
    }
  }

  static List<Vector> vectors() {
    Map<String, Object> root = load();
    assertThat(root.get("numberOfTests")).isEqualTo(401L);
    List<Vector> vectors = new ArrayList<>();
    for (Object g : (List<?>) root.get("testGroups")) {
      Map<String, Object> group = object(g);
      Map<String, Object> key = group.containsKey("public") ? object(group.get("public")) : object(group.get("private"));
      for (Object t : (List<?>) group.get("tests")) {
        Map<String, Object> test = object(t);
        int tcId = ((Number) test.get("tcId")).intValue();
        String result = (String) test.get("result");
        String jws = (String) test.get("jws");
        vectors.add(new Vector(tcId, (String) test.get("comment"), result, jws, key,
            categorize(tcId, result, jws)));
      }
    }
    return vectors;
  }

  private static Map<String, Object> load() {
    InputStream in = WycheproofJwsTest.class.getResourceAsStream("/wycheproof/" + FILE);
    assertThat(in).as("classpath resource /wycheproof/" + FILE).isNotNull();
    try (in) {
      return Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8), 16);
    } catch (ParseException e) {
      throw new IllegalStateException(FILE + " is not a JSON object: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(Object element) {
    return (Map<String, Object>) element;
  }

  private static Category categorize(int tcId, String result, String jws) {
    if (SKIPPED.contains(tcId)) {
      assertThat(result).as("tcId %d", tcId).isEqualTo("invalid");
      return Category.SKIPPED_KNOWN_DEFECT;
    }
    if (VALID_EXPECTED_REJECT.contains(tcId)) {
      assertThat(result).as("tcId %d", tcId).isEqualTo("valid");
      return Category.VALID_EXPECTED_REJECT;
    }
    switch (result) {
      case "invalid":
        return Category.INVALID;
      case "acceptable":
        return Category.ACCEPTABLE;
      case "valid":
        break;
      default:
        throw new AssertionError("unknown result " + result + " of tcId " + tcId);
    }
    String[] parts = jws.split("\\.", -1);
    Map<String, Object> header = jsonObjectOrNull(parts[0]);
    if (parts.length != 3 || header == null) {
      throw new AssertionError("valid tcId " + tcId + " is not a compact JWS with a JSON header");
    }
    if (!JWT_SVID_HEADERS.containsAll(header.keySet())) {
      return Category.VALID_HEADER_NOT_ALLOWED;
    }
    Object alg = header.get("alg");
    if (!(alg instanceof String) || JwtAlgorithm.fromJwaName((String) alg).isEmpty()) {
      return Category.VALID_ALGORITHM_NOT_ALLOWED;
    }
    Map<String, Object> payload = jsonObjectOrNull(parts[1]);
    if (payload != null && payload.get("sub") instanceof String && payload.containsKey("aud")
        && payload.containsKey("exp")) {
      return Category.VALID_JWT_SVID;
    }
    return Category.VALID_SIGNATURE_ONLY;
  }

  private static Map<String, Object> jsonObjectOrNull(String part) {
    byte[] bytes = Base64Url.decode(part);
    String text = bytes == null ? null : Utf8.decodeOrNull(bytes);
    if (text == null) {
      return null;
    }
    try {
      return Json.parseObject(text, 8);
    } catch (ParseException e) {
      return null;
    }
  }

  @Test
  void everyCategoryHoldsItsExpectedNumberOfVectors() {
    Map<Category, Integer> counts = new EnumMap<>(Category.class);
    for (Category c : Category.values()) {
      counts.put(c, 0);
    }
    for (Vector v : vectors()) {
      counts.merge(v.category(), 1, Integer::sum);
    }

    assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of(
        Category.SKIPPED_KNOWN_DEFECT, 2,
        Category.INVALID, 353,
        Category.ACCEPTABLE, 0,
        Category.VALID_EXPECTED_REJECT, 6,
        Category.VALID_HEADER_NOT_ALLOWED, 0,
        Category.VALID_ALGORITHM_NOT_ALLOWED, 8,
        Category.VALID_JWT_SVID, 0,
        Category.VALID_SIGNATURE_ONLY, 32));
  }

  @Test
  void everyEcAndRsaKeyOfTheFileIsUsableForJwtSvidsUnlessItsJwkForbidsIt() {
    int imported = 0;
    for (Vector v : vectors()) {
      String kty = (String) v.key().get("kty");
      if (!kty.equals("EC") && !kty.equals("RSA")) {
        continue;
      }
      TrustBundle bundle = bundleFor(v);
      boolean forbidden = v.key().containsKey("use") && !"sig".equals(v.key().get("use"))
          || v.key().containsKey("key_ops") && !((List<?>) v.key().get("key_ops")).contains("verify")
          || v.key().containsKey("alg") && JwtAlgorithm.fromJwaName((String) v.key().get("alg")).isEmpty();
      if (forbidden) {
        assertThat(bundle.jwtKeys()).as("%s", v).isEmpty();
      } else {
        assertThat(bundle.skippedKeys()).as("%s", v).isEmpty();
        assertThat(bundle.jwtKeys()).as("%s", v).hasSize(1);
        imported++;
      }
    }
    assertThat(imported).isGreaterThan(300);
  }

  /**
   * Where the signature layer refuses the invalid vectors: most of them (the RSA PKCS#1 DER tampering, PSS, ES256
   * r/s edge cases, modified parts) at the signature check itself, which shows that check is really exercised.
   */
  @Test
  void invalidVectorsAreRefusedMostlyByTheSignatureCheckItself() {
    Map<String, Integer> refusals = new java.util.TreeMap<>();
    for (Vector v : vectors()) {
      if (v.category() == Category.INVALID) {
        refusals.merge(String.valueOf(signatureLayerRejection(v, bundleFor(v))), 1, Integer::sum);
      }
    }

    assertThat(refusals).containsExactlyInAnyOrderEntriesOf(Map.of(
        "bad signature", 296,
        "not a JWT-SVID algorithm", 21,
        "not three parts", 18,
        "header is not canonical base64url of a JSON object", 8,
        "no usable key", 4,
        "key does not accept the algorithm", 5,
        "header member other than alg, kid, typ", 1));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void verifyVector(Vector v) {
    if (v.category() == Category.SKIPPED_KNOWN_DEFECT) {
      abort("tcId " + v.tcId() + " is labelled invalid but byte-identical to the valid tcId 357 (see the README)");
    }
    TrustBundle bundle = bundleFor(v);
    Optional<Reason> verifier = verifierRejection(v, bundle);
    String layer = signatureLayerRejection(v, bundle);

    switch (v.category()) {
      case INVALID:
      case VALID_EXPECTED_REJECT:
        assertThat(verifier).as("verifier on %s", v).isPresent();
        assertThat(layer).as("signature layer on %s", v).isNotNull();
        break;
      case ACCEPTABLE:
        break;
      case VALID_HEADER_NOT_ALLOWED:
        assertThat(verifier).as("verifier on %s", v).contains(Reason.HEADER_NOT_ALLOWED);
        break;
      case VALID_ALGORITHM_NOT_ALLOWED:
        assertThat(verifier).as("verifier on %s", v).contains(Reason.ALGORITHM_NOT_ALLOWED);
        break;
      case VALID_JWT_SVID:
        assertThat(verifier).as("verifier on %s", v).isEmpty();
        assertThat(layer).as("signature layer on %s", v).isNull();
        break;
      case VALID_SIGNATURE_ONLY:
        assertThat(layer).as("signature layer on %s", v).isNull();
        assertThat(verifier).as("verifier on %s (payload is not a JWT-SVID)", v).contains(Reason.MALFORMED);
        break;
      default:
        throw new AssertionError(v.category());
    }
  }

  /** The group key as a one-key JWT-SVID bundle (empty for symmetric keys); see the class comment. */
  static TrustBundle bundleFor(Vector v) {
    String kty = (String) v.key().get("kty");
    if (!kty.equals("EC") && !kty.equals("RSA")) {
      return TrustBundle.newBuilder(TD).build();
    }
    Map<String, Object> jwk = new LinkedHashMap<>(v.key());
    PRIVATE_MEMBERS.forEach(jwk::remove);
    jwk.put("kid", headerKid(v.jws()).orElse(DEFAULT_KID));
    if (!jwk.containsKey("use") || "sig".equals(jwk.get("use"))) {
      jwk.put("use", "jwt-svid");
    }
    return TrustBundle.parse(TD, "{\"keys\":[" + JSONObjectUtils.toJSONString(jwk) + "]}");
  }

  private static Optional<String> headerKid(String jws) {
    int dot = jws.indexOf('.');
    Map<String, Object> header = jsonObjectOrNull(dot < 0 ? jws : jws.substring(0, dot));
    if (header != null && header.get("kid") instanceof String && !((String) header.get("kid")).isEmpty()) {
      return Optional.of((String) header.get("kid"));
    }
    return Optional.empty();
  }

  /** The verifier's reason, or empty when it accepts. */
  private static Optional<Reason> verifierRejection(Vector v, TrustBundle bundle) {
    JwtSvidVerifier verifier = JwtSvidVerifier.newBuilder()
        .bundleSource(td -> Optional.of(bundle))
        .audience("spiffe://example.org/wycheproof")
        .clock(CLOCK)
        .disableCache()
        .build();
    try {
      verifier.verify(v.jws());
      return Optional.empty();
    } catch (JwtSvidRejectedException e) {
      return Optional.of(e.reason());
    }
  }

  /** Why the signature layer refuses the vector, or null when the signature verifies; see the class comment. */
  static String signatureLayerRejection(Vector v, TrustBundle bundle) {
    String[] parts = v.jws().split("\\.", -1);
    if (parts.length != 3) {
      return "not three parts";
    }
    Map<String, Object> header = jsonObjectOrNull(parts[0]);
    if (header == null) {
      return "header is not canonical base64url of a JSON object";
    }
    if (!JWT_SVID_HEADERS.containsAll(header.keySet())) {
      return "header member other than alg, kid, typ";
    }
    Object alg = header.get("alg");
    Optional<JwtAlgorithm> algorithm =
        alg instanceof String ? JwtAlgorithm.fromJwaName((String) alg) : Optional.empty();
    if (algorithm.isEmpty()) {
      return "not a JWT-SVID algorithm";
    }
    Object typ = header.get("typ");
    if (typ != null && !typ.equals("JWT") && !typ.equals("JOSE")) {
      return "typ not allowed";
    }
    Object kid = header.get("kid");
    JwtKey key = kid instanceof String ? bundle.jwtKey((String) kid).orElse(null) : null;
    if (key == null) {
      return "no usable key";
    }
    if (!key.accepts(algorithm.get())) {
      return "key does not accept the algorithm";
    }
    if (Base64Url.decode(parts[1]) == null) {
      return "payload is not canonical base64url";
    }
    byte[] signature = Base64Url.decode(parts[2]);
    if (signature == null) {
      return "signature is not canonical base64url";
    }
    byte[] signingInput = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
    return key.verifies(algorithm.get(), signingInput, signature) ? null : "bad signature";
  }


}

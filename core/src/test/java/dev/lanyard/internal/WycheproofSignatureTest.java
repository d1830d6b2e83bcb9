package dev.lanyard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.abort;

import dev.lanyard.jose.JwtAlgorithm;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs Wycheproof raw-signature vectors (C2SP/wycheproof {@code testvectors_v1}, copied unmodified into
 * {@code src/test/resources/wycheproof/}, see the README there) through {@link VerificationKey}, the signature check
 * every JWT-SVID verification ends in.
 *
 * <p>Per vector: the public key is decoded from {@code publicKeyDer} with the JDK's {@link KeyFactory} (BouncyCastle is
 * not registered as a provider) and handed to {@link VerificationKey#of}. An RSA key that Lanyard's key policy refuses
 * (modulus under {@value VerificationKey#MIN_RSA_BITS} bits, public exponent below 65537 or even) must be refused with
 * that reason, whatever the vector's result: such vectors are expected rejections. Any other refused key is allowed
 * only for an {@code invalid} or {@code acceptable} vector. For an accepted key, {@code valid} must verify,
 * {@code invalid} must not, and {@code acceptable} may do either; its outcome is published as a report entry and
 * tallied in the summary printed after the class. Groups whose parameters are not those of the file's JWS algorithm
 * are skipped explicitly (aborted, so they show as skipped) and counted.
 */
class WycheproofSignatureTest {
  private static final String P256_FILE = "ecdsa_secp256r1_sha256_p1363_test.json";
  private static final String P384_FILE = "ecdsa_secp384r1_sha384_p1363_test.json";
  private static final String RSA_PKCS1_FILE = "rsa_signature_2048_sha256_test.json";
  private static final String RSA_PSS_FILE = "rsa_pss_2048_sha256_mgf1_32_test.json";

  private static final BigInteger MIN_RSA_EXPONENT = BigInteger.valueOf(65537);
  private static final HexFormat HEX = HexFormat.of();

  /** Outcome tallies per file, printed after the class has run (surefire writes them to the test's output file). */
  private static final Map<String, Map<Outcome, AtomicInteger>> TALLY = new ConcurrentHashMap<>();

  /** How a vector was settled. */
  enum Outcome {
    /** {@code valid} vector, signature verified. */
    VALID_VERIFIED,
    /** {@code invalid} vector, signature refused. */
    INVALID_REFUSED,
    /** {@code invalid} or {@code acceptable} vector whose key {@link VerificationKey#of} refused. */
    KEY_REFUSED,
    /** RSA key outside Lanyard's key policy, refused for that documented reason (expected rejection). */
    KEY_REFUSED_BY_POLICY,
    /** {@code acceptable} vector, signature verified. */
    ACCEPTABLE_VERIFIED,
    /** {@code acceptable} vector, signature refused. */
    ACCEPTABLE_REFUSED,
    /** Group parameters are not those of the JWS algorithm under test. */
    SKIPPED
  }

  /** One Wycheproof test with what it needs from its group. {@code toString()} is the display name. */
  record Vector(
      String file,
      JwtAlgorithm algorithm,
      int tcId,
      String comment,
      List<String> flags,
      String result,
      String keyAlgorithm,
      byte[] publicKeyDer,
      byte[] msg,
      byte[] sig,
      String skipReason) {

    /** Why this vector's group is skipped, if it is. */
    Optional<String> skip() {
      return Optional.ofNullable(skipReason);
    }

    String describe() {
      return file + " tcId " + tcId + " (comment: \"" + comment + "\", flags: " + flags + ", expected: " + result + ")";
    }

    @Override
    public String toString() {
      return algorithm + " tcId " + tcId + (comment.isEmpty() ? "" : " (" + comment + ")");
    }
  }

  static Stream<Vector> es256Vectors() {
    return vectors(P256_FILE, JwtAlgorithm.ES256, "EcdsaP1363Verify", "EC", WycheproofSignatureTest::ecdsaMismatch);
  }

  static Stream<Vector> es384Vectors() {
    return vectors(P384_FILE, JwtAlgorithm.ES384, "EcdsaP1363Verify", "EC", WycheproofSignatureTest::ecdsaMismatch);
  }

  static Stream<Vector> rs256Vectors() {
    return vectors(RSA_PKCS1_FILE, JwtAlgorithm.RS256, "RsassaPkcs1Verify", "RSA",
        WycheproofSignatureTest::pkcs1Mismatch);
  }

  static Stream<Vector> ps256Vectors() {
    return vectors(RSA_PSS_FILE, JwtAlgorithm.PS256, "RsassaPssVerify", "RSA", WycheproofSignatureTest::pssMismatch);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("es256Vectors")
  void es256VectorWhenCheckedThenOutcomeMatchesResult(Vector vector, TestReporter reporter) throws Exception {
    check(vector, reporter);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("es384Vectors")
  void es384VectorWhenCheckedThenOutcomeMatchesResult(Vector vector, TestReporter reporter) throws Exception {
    check(vector, reporter);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rs256Vectors")
  void rs256VectorWhenCheckedThenOutcomeMatchesResult(Vector vector, TestReporter reporter) throws Exception {
    check(vector, reporter);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ps256Vectors")
  void ps256VectorWhenCheckedThenOutcomeMatchesResult(Vector vector, TestReporter reporter) throws Exception {
    check(vector, reporter);
  }

  @Test
  void es256SourceWhenLoadedThenHasEveryVectorOfTheFile() {
    assertSourceComplete(P256_FILE, es256Vectors(), 262, 0);
  }

  @Test
  void es384SourceWhenLoadedThenHasEveryVectorOfTheFile() {
    assertSourceComplete(P384_FILE, es384Vectors(), 280, 0);
  }

  @Test
  void rs256SourceWhenLoadedThenHasEveryVectorOfTheFile() {
    assertSourceComplete(RSA_PKCS1_FILE, rs256Vectors(), 259, 0);
  }

  @Test
  void ps256SourceWhenLoadedThenHasEveryVectorOfTheFile() {
    assertSourceComplete(RSA_PSS_FILE, ps256Vectors(), 108, 0);
  }

  @AfterAll
  static void printTally() {
    new TreeMap<>(TALLY).forEach((file, counts) -> System.out.println("wycheproof " + file + ": " + new EnumMap<>(counts)));
  }

  private static void check(Vector vector, TestReporter reporter) throws GeneralSecurityException {
    if (vector.skip().isPresent()) {
      tally(vector, Outcome.SKIPPED);
      abort("skipped " + vector.describe() + ": " + vector.skip().get());
    }
    PublicKey publicKey = KeyFactory.getInstance(vector.keyAlgorithm())
        .generatePublic(new X509EncodedKeySpec(vector.publicKeyDer()));

    Optional<String> policyViolation = rsaPolicyViolation(publicKey);
    if (policyViolation.isPresent()) {
      assertThatThrownBy(() -> VerificationKey.of(publicKey))
          .as("key outside Lanyard's RSA policy (%s) must be refused: %s", policyViolation.get(), vector.describe())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(policyViolation.get().startsWith("modulus") ? "too small" : "public exponent");
      tally(vector, Outcome.KEY_REFUSED_BY_POLICY);
      return;
    }

    VerificationKey key;
    try {
      key = VerificationKey.of(publicKey);
    } catch (IllegalArgumentException e) {
      assertThat(vector.result())
          .as("VerificationKey.of refused the key (%s) of %s", e.getMessage(), vector.describe())
          .isIn("invalid", "acceptable");
      tally(vector, Outcome.KEY_REFUSED);
      return;
    }

    boolean verified = key.verify(vector.algorithm(), vector.msg(), vector.sig());
    switch (vector.result()) {
      case "valid":
        assertThat(verified).as("expected valid, actual: refused; %s", vector.describe()).isTrue();
        tally(vector, Outcome.VALID_VERIFIED);
        break;
      case "invalid":
        assertThat(verified).as("expected invalid, actual: verified; %s", vector.describe()).isFalse();
        tally(vector, Outcome.INVALID_REFUSED);
        break;
      case "acceptable":
        String note = vector + ": " + (verified ? "verified" : "refused") + " " + vector.flags();
        reporter.publishEntry("acceptable", note);
        System.out.println("wycheproof acceptable " + note);
        tally(vector, verified ? Outcome.ACCEPTABLE_VERIFIED : Outcome.ACCEPTABLE_REFUSED);
        break;
      default:
        throw new AssertionError("unknown result \"" + vector.result() + "\" in " + vector.describe());
    }
  }

  /** Why Lanyard's key policy refuses this key, for RSA keys under 2048 bits or with a small or even exponent. */
  private static Optional<String> rsaPolicyViolation(PublicKey key) {
    if (!(key instanceof RSAPublicKey)) {
      return Optional.empty();
    }
    RSAPublicKey rsa = (RSAPublicKey) key;
    int bits = rsa.getModulus().bitLength();
    if (bits < VerificationKey.MIN_RSA_BITS) {
      return Optional.of("modulus of " + bits + " bits < " + VerificationKey.MIN_RSA_BITS);
    }
    BigInteger e = rsa.getPublicExponent();
    if (e.compareTo(MIN_RSA_EXPONENT) < 0 || !e.testBit(0)) {
      return Optional.of("public exponent " + e + " is below 65537 or even");
    }
    return Optional.empty();
  }

  private static void assertSourceComplete(String file, Stream<Vector> source, int expected, int expectedSkipped) {
    Map<String, Object> root = load(file);
    List<Vector> vectors = source.toList();
    Set<Integer> tcIds = new HashSet<>();
    vectors.forEach(v -> tcIds.add(v.tcId()));

    assertThat(((Number) root.get("numberOfTests")).intValue()).as("numberOfTests in %s", file).isEqualTo(expected);
    assertThat(vectors).as("vectors produced from %s", file).hasSize(expected);
    assertThat(tcIds).as("distinct tcIds in %s", file).hasSize(expected);
    assertThat(vectors.stream().filter(v -> v.skip().isPresent()).count())
        .as("vectors of %s in groups skipped for their parameters", file)
        .isEqualTo(expectedSkipped);
  }

  /** Reads a vector file from the test classpath; the vectors are never read from outside the module. */
  private static Map<String, Object> load(String file) {
    String resource = "/wycheproof/" + file;
    try (InputStream in = WycheproofSignatureTest.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is not on the test classpath");
      }
      return Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8), 16);
    } catch (ParseException e) {
      throw new IllegalStateException(resource + " is not a JSON object: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }

  /** Returns why a group does not match the algorithm under test, or empty when it does. */
  private interface GroupCheck {
    Optional<String> mismatch(Map<String, Object> group, JwtAlgorithm algorithm);
  }

  private static Stream<Vector> vectors(
      String file, JwtAlgorithm algorithm, String groupType, String keyAlgorithm, GroupCheck groupCheck) {
    Map<String, Object> root = load(file);
    List<Vector> vectors = new ArrayList<>();
    for (Object groupElement : array(root, "testGroups")) {
      Map<String, Object> group = object(groupElement);
      String type = string(group, "type");
      String skipReason = groupType.equals(type)
          ? groupCheck.mismatch(group, algorithm).orElse(null)
          : "group type " + type + ", not " + groupType;
      byte[] publicKeyDer = HEX.parseHex(string(group, "publicKeyDer"));
      for (Object testElement : array(group, "tests")) {
        Map<String, Object> test = object(testElement);
        List<String> flags = new ArrayList<>();
        List<Object> flagArray = array(test, "flags");
        if (flagArray != null) {
          flagArray.forEach(flag -> flags.add((String) flag));
        }
        vectors.add(new Vector(
            file,
            algorithm,
            ((Number) test.get("tcId")).intValue(),
            string(test, "comment"),
            List.copyOf(flags),
            string(test, "result"),
            keyAlgorithm,
            publicKeyDer,
            HEX.parseHex(string(test, "msg")),
            HEX.parseHex(string(test, "sig")),
            skipReason));
      }
    }
    return vectors.stream();
  }

  private static Optional<String> ecdsaMismatch(Map<String, Object> group, JwtAlgorithm algorithm) {
    String curve = string(object(group.get("publicKey")), "curve");
    String expectedCurve = JwsSigning.jcaCurve(algorithm.curve().orElseThrow());
    if (!expectedCurve.equals(curve)) {
      return Optional.of("curve " + curve + ", not " + expectedCurve);
    }
    return hashMismatch(group, algorithm);
  }

  private static Optional<String> pkcs1Mismatch(Map<String, Object> group, JwtAlgorithm algorithm) {
    return hashMismatch(group, algorithm);
  }

  private static Optional<String> pssMismatch(Map<String, Object> group, JwtAlgorithm algorithm) {
    Map<String, String> expected = Map.of(
        "sha", algorithm.digest(),
        "mgf", "MGF1",
        "mgfSha", algorithm.digest(),
        "sLen", Integer.toString(VerificationKey.pssParameters(algorithm).getSaltLength()));
    for (Map.Entry<String, String> entry : new TreeMap<>(expected).entrySet()) {
      String actual = string(group, entry.getKey());
      if (!entry.getValue().equals(actual)) {
        return Optional.of(entry.getKey() + " " + actual + ", not " + entry.getValue());
      }
    }
    return Optional.empty();
  }

  private static Optional<String> hashMismatch(Map<String, Object> group, JwtAlgorithm algorithm) {
    String sha = string(group, "sha");
    return algorithm.digest().equals(sha) ? Optional.empty() : Optional.of("sha " + sha + ", not " + algorithm.digest());
  }

  private static String string(Map<String, Object> object, String member) {
    Object element = object.get(member);
    return element == null ? null : String.valueOf(element);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(Object element) {
    return (Map<String, Object>) element;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> array(Map<String, Object> object, String member) {
    return (List<Object>) object.get(member);
  }

  private static void tally(Vector vector, Outcome outcome) {
    TALLY.computeIfAbsent(vector.file(), file -> new ConcurrentHashMap<>())
        .computeIfAbsent(outcome, o -> new AtomicInteger())
        .incrementAndGet();
  }
}

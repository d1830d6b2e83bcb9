package dev.lanyard.internal;

import dev.lanyard.internal.TokenRejection.Fault;
import dev.lanyard.jose.JwtAlgorithm;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Map;
import java.util.Set;

/**
 * A JWT (a JWT-SVID, or an OIDC token such as a Kubernetes service-account token) in compact JWS form, split at its dots with its header checked (steps 1 and 2 of the verification
 * order): at most {@code maxTokenLength} characters, exactly three canonical base64url parts, a strict JSON header
 * of only {@code alg}, {@code kid} and {@code typ}, a JWT-SVID algorithm the verifier allows, {@code typ} absent,
 * {@code JWT} or {@code JOSE}, and a {@code kid}. The claims and the signature are decoded on request, so the
 * verifier keeps deciding in its order which failure wins. Knows nothing of keys, bundles or time. Shared by the
 * JWT-SVID and the OIDC verifiers, which turn a {@link TokenRejection} into their public rejection.
 *
 * <p>Thread-safe: immutable.
 */
public final class CompactJws {
  public static final int MAX_HEADER_DEPTH = 4;
  public static final int MAX_CLAIMS_DEPTH = 8;

  private final String token;
  private final int dot1;
  private final int dot2;
  private final JwtAlgorithm algorithm;
  private final String keyId;

  private CompactJws(String token, int dot1, int dot2, JwtAlgorithm algorithm, String keyId) {
    this.token = token;
    this.dot1 = dot1;
    this.dot2 = dot2;
    this.algorithm = algorithm;
    this.keyId = keyId;
  }

  /**
   * Splits {@code token} and checks its header.
   *
   * @throws TokenRejection MALFORMED, HEADER_NOT_ALLOWED, ALGORITHM_NOT_ALLOWED, TYPE_NOT_ALLOWED or
   *     UNKNOWN_KEY (no {@code kid}), the first that applies
   */
  public static CompactJws parse(String token, int maxTokenLength, Set<JwtAlgorithm> allowed)
      throws TokenRejection {
    if (token.length() > maxTokenLength) {
      throw reject(Fault.MALFORMED, "token is longer than " + maxTokenLength + " characters");
    }
    int dot1 = token.indexOf('.');
    int dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) {
      throw reject(Fault.MALFORMED, "not a compact JWS of exactly three parts");
    }
    Map<String, Object> header = decodeObject(token, 0, dot1, MAX_HEADER_DEPTH, "header");

    // Only alg, kid and typ (JWT-SVID §2); no key search by jwk, jku, x5u or x5c; no crit.
    Object alg = null;
    Object kid = null;
    Object typ = null;
    boolean hasTyp = false;
    for (Map.Entry<String, Object> member : header.entrySet()) {
      switch (member.getKey()) {
        case "alg":
          alg = member.getValue();
          break;
        case "kid":
          kid = member.getValue();
          break;
        case "typ":
          typ = member.getValue();
          hasTyp = true;
          break;
        default:
          throw reject(Fault.HEADER_NOT_ALLOWED, "header '" + Text.printable(member.getKey())
              + "' is not allowed (a JWT header here has only alg, kid and typ)");
      }
    }
    if (!(alg instanceof String)) {
      throw reject(Fault.ALGORITHM_NOT_ALLOWED, "no alg header");
    }
    JwtAlgorithm algorithm = JwtAlgorithm.fromJwaName((String) alg).orElse(null);
    if (algorithm == null) {
      throw reject(Fault.ALGORITHM_NOT_ALLOWED,
          "alg '" + Text.printable((String) alg) + "' is not a JWT-SVID algorithm (RS/ES/PS 256/384/512)");
    }
    if (!allowed.contains(algorithm)) {
      throw reject(Fault.ALGORITHM_NOT_ALLOWED, "alg " + algorithm + " is not allowed by this verifier");
    }
    if (hasTyp && !"JWT".equals(typ) && !"JOSE".equals(typ)) {
      throw reject(Fault.TYPE_NOT_ALLOWED, "typ must be JWT or JOSE when present");
    }
    if (!(kid instanceof String) || ((String) kid).isEmpty()) {
      throw reject(Fault.UNKNOWN_KEY, "no kid header");
    }
    return new CompactJws(token, dot1, dot2, algorithm, (String) kid);
  }

  /** The header's algorithm, one the verifier allows. */
  public JwtAlgorithm algorithm() {
    return algorithm;
  }

  /** The header's key id, not empty. */
  public String keyId() {
    return keyId;
  }

  /**
   * The claims: a strict JSON object nested at most {@value #MAX_CLAIMS_DEPTH} levels.
   *
   * @throws TokenRejection MALFORMED when the payload is not one
   */
  public Map<String, Object> claims() throws TokenRejection {
    return decodeObject(token, dot1 + 1, dot2, MAX_CLAIMS_DEPTH, "payload");
  }

  /**
   * The signature bytes.
   *
   * @throws TokenRejection MALFORMED when the third part is not canonical base64url
   */
  public byte[] signature() throws TokenRejection {
    byte[] signature = Base64Url.decode(token, dot2 + 1, token.length());
    if (signature == null) {
      throw reject(Fault.MALFORMED, "signature is not canonical base64url");
    }
    return signature;
  }

  /** The JWS signing input: the ASCII bytes of {@code header.payload}. */
  public byte[] signingInput() {
    return token.substring(0, dot2).getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * The JSON object that {@code token} holds base64url-encoded from {@code from} to {@code to}, nested at most
   * {@code depth} levels; {@code part} names it in the message.
   *
   * @throws TokenRejection MALFORMED when it is not canonical base64url of a UTF-8 strict JSON object
   */
  public static Map<String, Object> decodeObject(String token, int from, int to, int depth, String part)
      throws TokenRejection {
    byte[] bytes = Base64Url.decode(token, from, to);
    if (bytes == null || bytes.length == 0) {
      throw reject(Fault.MALFORMED, part + " is not canonical base64url");
    }
    String json = Utf8.decodeOrNull(bytes);
    if (json == null) {
      throw reject(Fault.MALFORMED, part + " is not UTF-8");
    }
    try {
      return Json.parseObject(json, depth);
    } catch (ParseException e) {
      throw reject(Fault.MALFORMED, part + " is not a strict JSON object: " + e.getMessage());
    }
  }

  private static TokenRejection reject(Fault fault, String message) {
    return new TokenRejection(fault, message);
  }

  /** Metadata only, never the token. */
  @Override
  public String toString() {
    return "CompactJws[alg=" + algorithm + ", kid=" + Text.printable(keyId) + "]";
  }
}

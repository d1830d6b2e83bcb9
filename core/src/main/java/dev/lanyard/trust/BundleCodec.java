package dev.lanyard.trust;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.lanyard.internal.Certificates;
import dev.lanyard.internal.Json;
import dev.lanyard.internal.JwkScreen;
import dev.lanyard.internal.Text;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.spiffe.TrustDomain;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The SPIFFE bundle codec: reads a bundle document into a {@link TrustBundle} under the import rules (every unusable
 * key skipped with its reason, only a document that is not a JWK Set refused) and writes a bundle back as a SPIFFE
 * bundle or a plain JWK Set. The one class of {@code trust} that touches JSON and the JOSE library; the value type
 * knows neither.
 *
 * <p>Thread-safe: stateless.
 */
final class BundleCodec {
  private static final int MAX_DEPTH = 8;
  private static final String USE_JWT = "jwt-svid";
  private static final String USE_X509 = "x509-svid";

  private BundleCodec() {}

  /**
   * Parses a SPIFFE bundle document of {@code trustDomain} (at most {@link TrustBundle#MAX_DOCUMENT_LENGTH}
   * characters).
   *
   * @throws BundleFormatException when the document is not a JSON JWK Set (a {@code keys} array of objects)
   */
  static TrustBundle parse(TrustDomain trustDomain, String json) {
    if (json.length() > TrustBundle.MAX_DOCUMENT_LENGTH) {
      throw new BundleFormatException("bundle document is larger than " + TrustBundle.MAX_DOCUMENT_LENGTH
          + " characters");
    }
    Map<String, Object> document;
    try {
      document = Json.parseObject(json.strip(), MAX_DEPTH);
    } catch (ParseException e) {
      throw new BundleFormatException("bundle is not a JSON object: " + e.getMessage());
    }
    Object keys = document.get("keys");
    if (!(keys instanceof List)) {
      throw new BundleFormatException("bundle has no \"keys\" array, so it is not a JWK Set");
    }
    List<?> entries = (List<?>) keys;
    for (Object entry : entries) {
      if (!(entry instanceof Map)) {
        throw new BundleFormatException("bundle \"keys\" holds a member that is not a JSON object");
      }
    }
    List<SkippedKey> skipped = new ArrayList<>();
    Map<String, Integer> kidCount = new HashMap<>();
    for (Object entry : entries) {
      Object kid = ((Map<?, ?>) entry).get("kid");
      if (kid instanceof String && USE_JWT.equals(((Map<?, ?>) entry).get("use"))) {
        kidCount.merge((String) kid, 1, Integer::sum);
      }
    }
    TrustBundle.Builder builder = TrustBundle.newBuilder(trustDomain);
    for (int i = 0; i < entries.size(); i++) {
      @SuppressWarnings("unchecked")
      Map<String, Object> jwk = (Map<String, Object>) entries.get(i);
      // The duplicate rule and the key map use the exact kid; only SkippedKey (which logs print) gets the
      // printable form, which may equal the printable form of a different kid.
      Object kid = jwk.get("kid");
      @Nullable String problem;
      Object use = jwk.get("use");
      if (USE_JWT.equals(use)) {
        problem = kid instanceof String && kidCount.getOrDefault(kid, 0) > 1
            ? "kid appears more than once in the bundle" : importJwtKey(jwk, builder);
      } else if (USE_X509.equals(use)) {
        problem = importX509Authority(jwk, builder);
      } else {
        problem = use == null ? "no \"use\" (a SPIFFE bundle key needs jwt-svid or x509-svid)"
            : "\"use\" is not jwt-svid or x509-svid";
      }
      if (problem != null) {
        skipped.add(new SkippedKey(i,
            kid instanceof String ? Optional.of(Text.printable((String) kid)) : Optional.empty(), problem));
      }
    }
    Object sequence = document.get("spiffe_sequence");
    if (sequence instanceof Number && isWholeNonNegative((Number) sequence)) {
      builder.sequence(((Number) sequence).longValue());
    }
    Object hint = document.get("spiffe_refresh_hint");
    if (hint instanceof Number && isWholeNonNegative((Number) hint)) {
      builder.refreshHint(Duration.ofSeconds(((Number) hint).longValue()));
    }
    builder.addSkipped(skipped);
    return builder.build();
  }

  private static boolean isWholeNonNegative(Number n) {
    double d = n.doubleValue();
    return d >= 0 && d <= 9.007199254740991E15 && d == Math.rint(d);
  }

  /** Imports one jwt-svid entry into the builder, or says why not. */
  private static @Nullable String importJwtKey(Map<String, Object> jwk, TrustBundle.Builder builder) {
    Object kid = jwk.get("kid");
    if (!(kid instanceof String) || ((String) kid).isEmpty()) {
      return "a jwt-svid key needs a non-empty \"kid\"";
    }
    JwkScreen.Screened screened;
    try {
      screened = JwkScreen.screen(jwk, JwkScreen.Wording.JWT_SVID);
    } catch (JwkScreen.Unusable e) {
      return e.reason();
    }
    try {
      builder.addJwtKey(JwtKey.of((String) kid, screened.publicKey(), screened.algorithm()));
    } catch (IllegalArgumentException e) {
      return Objects.requireNonNullElse(e.getMessage(), "not a usable key");
    }
    return null;
  }

  private static @Nullable String importX509Authority(Map<String, Object> jwk, TrustBundle.Builder builder) {
    // X509-SVID §6.2: an entry without x5c, or with an empty one, is ignored; of several values only the first
    // counts (publishers put exactly one there).
    Object x5c = jwk.get("x5c");
    if (!(x5c instanceof List) || ((List<?>) x5c).isEmpty() || !(((List<?>) x5c).get(0) instanceof String)) {
      return "an x509-svid entry needs a certificate in \"x5c\"";
    }
    try {
      byte[] der = java.util.Base64.getDecoder().decode((String) ((List<?>) x5c).get(0));
      builder.addX509Authority(Certificates.parse(der));
      return null;
    } catch (CertificateException | RuntimeException e) {
      return "\"x5c\" does not hold a valid X.509 certificate";
    }
  }

  /** {@code bundle} as a SPIFFE bundle document (JWK Set with {@code use}, {@code spiffe_sequence}, refresh hint). */
  static String toJson(TrustBundle bundle) {
    List<Object> keys = new ArrayList<>();
    for (X509Certificate root : bundle.x509Authorities()) {
      keys.add(x509Jwk(root));
    }
    for (JwtKey key : bundle.jwtKeys()) {
      keys.add(jwk(key, new KeyUse(USE_JWT), key.algorithm().orElse(null)).toJSONObject());
    }
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("keys", keys);
    bundle.sequence().ifPresent(sequence -> document.put("spiffe_sequence", sequence));
    bundle.refreshHint().ifPresent(hint -> document.put("spiffe_refresh_hint", hint.toSeconds()));
    return JSONObjectUtils.toJSONString(document);
  }

  /** The JWT keys of {@code bundle} as a plain JWK Set: {@code use: "sig"} and an {@code alg} on every key. */
  static String toJwksJson(TrustBundle bundle) {
    List<Object> keys = new ArrayList<>();
    for (JwtKey key : bundle.jwtKeys()) {
      JwtAlgorithm alg = key.algorithm().orElseGet(() -> naturalAlgorithm(key));
      keys.add(jwk(key, KeyUse.SIGNATURE, alg).toJSONObject());
    }
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("keys", keys);
    return JSONObjectUtils.toJSONString(document);
  }

  private static JwtAlgorithm naturalAlgorithm(JwtKey key) {
    switch (key.verificationKey().curve().orElse("")) {
      case "P-256":
        return JwtAlgorithm.ES256;
      case "P-384":
        return JwtAlgorithm.ES384;
      case "P-521":
        return JwtAlgorithm.ES512;
      default:
        return JwtAlgorithm.RS256;
    }
  }

  private static JWK jwk(JwtKey key, KeyUse use, @Nullable JwtAlgorithm alg) {
    Algorithm algorithm = alg == null ? null : new Algorithm(alg.name());
    if (key.publicKey() instanceof ECPublicKey) {
      ECPublicKey ec = (ECPublicKey) key.publicKey();
      return new ECKey.Builder(Curve.forECParameterSpec(ec.getParams()), ec)
          .keyID(key.keyId()).keyUse(use).algorithm(algorithm).build();
    }
    return new RSAKey.Builder((RSAPublicKey) key.publicKey())
        .keyID(key.keyId()).keyUse(use).algorithm(algorithm).build();
  }

  private static Map<String, Object> x509Jwk(X509Certificate root) {
    PublicKey publicKey = root.getPublicKey();
    List<Base64> chain = List.of(Base64.encode(encoded(root)));
    try {
      Curve curve = publicKey instanceof ECPublicKey ? Curve.forECParameterSpec(((ECPublicKey) publicKey).getParams())
          : null;
      if (curve != null) {
        return new ECKey.Builder(curve, (ECPublicKey) publicKey)
            .keyUse(new KeyUse(USE_X509)).x509CertChain(chain).build().toJSONObject();
      }
      if (publicKey instanceof RSAPublicKey) {
        return new RSAKey.Builder((RSAPublicKey) publicKey).keyUse(new KeyUse(USE_X509)).x509CertChain(chain).build()
            .toJSONObject();
      }
    } catch (RuntimeException e) {
      // Nimbus refuses keys it cannot describe (a point off its curve, say); the certificate in x5c says it all.
    }
    // Other key types, and EC keys on curves JOSE has no name for (the JDK reads brainpool keys): x5c alone.
    Map<String, Object> raw = new LinkedHashMap<>();
    raw.put("kty", publicKey.getAlgorithm());
    raw.put("use", USE_X509);
    raw.put("x5c", List.of(chain.get(0).toString()));
    return raw;
  }

  private static byte[] encoded(X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException("certificate cannot be encoded", e);
    }
  }
}

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
import dev.lanyard.internal.Text;
import dev.lanyard.jwt.JwtAlgorithm;
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
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The trust bundle of one trust domain: its JWT-SVID signing keys and X.509-SVID roots, with the SPIFFE bundle's
 * sequence number and refresh hint. Immutable; a changed bundle is a new instance.
 *
 * <p>{@link #parse(TrustDomain, String)} reads a SPIFFE bundle (or any JWK Set whose entries carry
 * {@code use: "jwt-svid"} / {@code "x509-svid"}). Keys that cannot be used are skipped and listed in
 * {@link #skippedKeys()}: an unknown {@code kty}, a key type or curve outside the JWT-SVID algorithms (an Ed25519 OKP
 * key, say), a symmetric key, private key material, a {@code use} other than {@code jwt-svid}/{@code x509-svid}, a JWT
 * key without {@code kid}, RSA under 2048 bits or with an exponent below 65537, an {@code alg} that is not a JWT-SVID
 * algorithm or does not fit the key, {@code key_ops} without {@code verify}, and every key whose {@code kid} appears
 * twice (compared exactly, character for character; {@link SkippedKey#keyId()} shows only a printable form). Only a
 * document that is not a JSON JWK Set is refused as a whole ({@link BundleFormatException}).
 */
public final class TrustBundle {
  /** Largest bundle document accepted, in characters. */
  public static final int MAX_DOCUMENT_LENGTH = 4 * 1024 * 1024;

  private static final int MAX_DEPTH = 8;
  private static final String USE_JWT = "jwt-svid";
  private static final String USE_X509 = "x509-svid";
  private static final Set<String> PRIVATE_MEMBERS = Set.of("d", "p", "q", "dp", "dq", "qi", "oth", "k");

  private final TrustDomain trustDomain;
  private final Map<String, JwtKey> jwtKeys;
  private final List<X509Certificate> x509Authorities;
  private final long sequence;
  private final Duration refreshHint;
  private final List<SkippedKey> skippedKeys;

  private TrustBundle(TrustDomain trustDomain, Map<String, JwtKey> jwtKeys, List<X509Certificate> x509Authorities,
      long sequence, Duration refreshHint, List<SkippedKey> skippedKeys) {
    this.trustDomain = trustDomain;
    this.jwtKeys = jwtKeys;
    this.x509Authorities = List.copyOf(x509Authorities);
    this.sequence = sequence;
    this.refreshHint = refreshHint;
    this.skippedKeys = List.copyOf(skippedKeys);
  }

  /** A builder for a bundle of {@code trustDomain}. */
  public static Builder newBuilder(TrustDomain trustDomain) {
    return new Builder(Objects.requireNonNull(trustDomain, "trustDomain"));
  }

  /** The trust domain whose bundle this is. */
  public TrustDomain trustDomain() {
    return trustDomain;
  }

  /** The JWT-SVID signing key whose id is exactly {@code keyId} (no normalisation), if the bundle has it. */
  public Optional<JwtKey> jwtKey(String keyId) {
    return Optional.ofNullable(jwtKeys.get(keyId));
  }

  /** The JWT key or {@code null}, for the verifier's hot path. Internal. */
  public JwtKey jwtKeyOrNull(String keyId) {
    return jwtKeys.get(keyId);
  }

  /** All JWT-SVID signing keys, in document order. */
  public List<JwtKey> jwtKeys() {
    return List.copyOf(jwtKeys.values());
  }

  /** The X.509-SVID roots (trust anchors). */
  public List<X509Certificate> x509Authorities() {
    return x509Authorities;
  }

  /** The SPIFFE bundle sequence number ({@code spiffe_sequence}), if present. */
  public OptionalLong sequence() {
    return sequence < 0 ? OptionalLong.empty() : OptionalLong.of(sequence);
  }

  /** How often consumers should refresh the bundle ({@code spiffe_refresh_hint}), if present. */
  public Optional<Duration> refreshHint() {
    return Optional.ofNullable(refreshHint);
  }

  /** Keys of the parsed document that were not imported, with the reason for each. Empty for built bundles. */
  public List<SkippedKey> skippedKeys() {
    return skippedKeys;
  }

  /**
   * Parses a SPIFFE bundle document of {@code trustDomain}.
   *
   * @throws BundleFormatException when the document is not a JSON JWK Set (a {@code keys} array of objects)
   */
  public static TrustBundle parse(TrustDomain trustDomain, String json) {
    Objects.requireNonNull(trustDomain, "trustDomain");
    Objects.requireNonNull(json, "json");
    if (json.length() > MAX_DOCUMENT_LENGTH) {
      throw new BundleFormatException("bundle document is larger than " + MAX_DOCUMENT_LENGTH + " characters");
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
    Builder builder = newBuilder(trustDomain);
    for (int i = 0; i < entries.size(); i++) {
      @SuppressWarnings("unchecked")
      Map<String, Object> jwk = (Map<String, Object>) entries.get(i);
      // The duplicate rule and the key map use the exact kid; only SkippedKey (which logs print) gets the
      // printable form, which may equal the printable form of a different kid.
      Object kid = jwk.get("kid");
      String problem;
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
    if (hint instanceof Number && isWholeNonNegative((Number) hint) && ((Number) hint).longValue() > 0) {
      builder.refreshHint(Duration.ofSeconds(((Number) hint).longValue()));
    }
    builder.skipped.addAll(skipped);
    return builder.build();
  }

  private static boolean isWholeNonNegative(Number n) {
    double d = n.doubleValue();
    return d >= 0 && d <= 9.007199254740991E15 && d == Math.rint(d);
  }

  /** Imports one jwt-svid entry into the builder, or says why not. */
  private static String importJwtKey(Map<String, Object> jwk, Builder builder) {
    Object kid = jwk.get("kid");
    if (!(kid instanceof String) || ((String) kid).isEmpty()) {
      return "a jwt-svid key needs a non-empty \"kid\"";
    }
    for (String member : PRIVATE_MEMBERS) {
      if (jwk.containsKey(member)) {
        return "holds private or symmetric key material (\"" + member + "\")";
      }
    }
    Object kty = jwk.get("kty");
    if (!"EC".equals(kty) && !"RSA".equals(kty)) {
      return "key type " + (kty instanceof String ? "\"" + Text.printable((String) kty) + "\"" : "(none)")
          + " is not usable for JWT-SVIDs (EC or RSA only)";
    }
    Object ops = jwk.get("key_ops");
    if (ops != null && !(ops instanceof List && ((List<?>) ops).contains("verify"))) {
      return "\"key_ops\" does not allow verify";
    }
    Optional<JwtAlgorithm> algorithm = Optional.empty();
    Object alg = jwk.get("alg");
    if (alg != null) {
      algorithm = alg instanceof String ? JwtAlgorithm.fromJwaName((String) alg) : Optional.empty();
      if (algorithm.isEmpty()) {
        return "\"alg\" is not a JWT-SVID algorithm";
      }
    }
    PublicKey publicKey;
    try {
      JWK parsed = JWK.parse(jwk);
      publicKey = parsed instanceof ECKey ? ((ECKey) parsed).toECPublicKey() : ((RSAKey) parsed).toRSAPublicKey();
    } catch (ParseException | com.nimbusds.jose.JOSEException | RuntimeException e) {
      return "not a valid " + kty + " public key";
    }
    try {
      builder.addJwtKey(JwtKey.of((String) kid, publicKey, algorithm));
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    return null;
  }

  private static String importX509Authority(Map<String, Object> jwk, Builder builder) {
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

  /** This bundle as a SPIFFE bundle document (JWK Set with {@code use}, {@code spiffe_sequence}, refresh hint). */
  public String toJson() {
    List<Object> keys = new ArrayList<>();
    for (X509Certificate root : x509Authorities) {
      keys.add(x509Jwk(root));
    }
    for (JwtKey key : jwtKeys.values()) {
      keys.add(jwk(key, new KeyUse(USE_JWT), key.algorithm().orElse(null)).toJSONObject());
    }
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("keys", keys);
    if (sequence >= 0) {
      document.put("spiffe_sequence", sequence);
    }
    if (refreshHint != null) {
      document.put("spiffe_refresh_hint", refreshHint.toSeconds());
    }
    return JSONObjectUtils.toJSONString(document);
  }

  /**
   * The JWT keys as a plain JWK Set for OIDC-style consumers: {@code use: "sig"} and an {@code alg} on every key (the
   * pinned one, else the natural one for the key: ES256/ES384/ES512 by curve, RS256 for RSA).
   */
  public String toJwksJson() {
    List<Object> keys = new ArrayList<>();
    for (JwtKey key : jwtKeys.values()) {
      JwtAlgorithm alg = key.algorithm().orElseGet(() -> naturalAlgorithm(key));
      keys.add(jwk(key, KeyUse.SIGNATURE, alg).toJSONObject());
    }
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("keys", keys);
    return JSONObjectUtils.toJSONString(document);
  }

  /** The X.509 roots as concatenated PEM certificates. */
  public String toPem() {
    return Certificates.pem(x509Authorities);
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

  private static JWK jwk(JwtKey key, KeyUse use, JwtAlgorithm alg) {
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

  @Override
  public boolean equals(Object o) {
    if (o == this) {
      return true;
    }
    if (!(o instanceof TrustBundle)) {
      return false;
    }
    TrustBundle other = (TrustBundle) o;
    return trustDomain.equals(other.trustDomain) && jwtKeys.equals(other.jwtKeys)
        && x509Authorities.equals(other.x509Authorities) && sequence == other.sequence
        && Objects.equals(refreshHint, other.refreshHint);
  }

  @Override
  public int hashCode() {
    return Objects.hash(trustDomain, jwtKeys.keySet(), sequence);
  }

  /** Metadata only: trust domain, key ids (printable form), number of roots, sequence. */
  @Override
  public String toString() {
    List<String> kids = new ArrayList<>(jwtKeys.size());
    for (String kid : jwtKeys.keySet()) {
      kids.add(Text.printable(kid));
    }
    return "TrustBundle[" + trustDomain + ", jwtKeys=" + kids + ", x509Authorities="
        + x509Authorities.size() + (sequence >= 0 ? ", sequence=" + sequence : "") + "]";
  }

  /** Builds a {@link TrustBundle}. Reusable after {@link #build()}. */
  public static final class Builder {
    private final TrustDomain trustDomain;
    private final Map<String, JwtKey> jwtKeys = new LinkedHashMap<>();
    private final List<X509Certificate> x509Authorities = new ArrayList<>();
    private final List<SkippedKey> skipped = new ArrayList<>();
    private final Set<X509Certificate> seenAuthorities = new HashSet<>();
    private long sequence = -1;
    private Duration refreshHint;

    private Builder(TrustDomain trustDomain) {
      this.trustDomain = trustDomain;
    }

    /**
     * Adds a JWT signing key.
     *
     * @throws IllegalArgumentException when a key with the same id is already in the bundle
     */
    public Builder addJwtKey(JwtKey key) {
      Objects.requireNonNull(key, "key");
      if (jwtKeys.putIfAbsent(key.keyId(), key) != null) {
        throw new IllegalArgumentException("key id " + Text.printable(key.keyId()) + " is already in the bundle");
      }
      return this;
    }

    /** Adds JWT signing keys. */
    public Builder addJwtKeys(Collection<JwtKey> keys) {
      keys.forEach(this::addJwtKey);
      return this;
    }

    /** Adds an X.509 root; adding the same certificate twice keeps one. */
    public Builder addX509Authority(X509Certificate root) {
      Objects.requireNonNull(root, "root");
      if (seenAuthorities.add(root)) {
        x509Authorities.add(root);
      }
      return this;
    }

    /** Sets the SPIFFE bundle sequence number (0 or more). */
    public Builder sequence(long sequence) {
      if (sequence < 0) {
        throw new IllegalArgumentException("sequence must not be negative");
      }
      this.sequence = sequence;
      return this;
    }

    /** Sets the refresh hint (positive). */
    public Builder refreshHint(Duration refreshHint) {
      Objects.requireNonNull(refreshHint, "refreshHint");
      if (refreshHint.isNegative() || refreshHint.isZero()) {
        throw new IllegalArgumentException("refresh hint must be positive");
      }
      this.refreshHint = refreshHint;
      return this;
    }

    /** The bundle. */
    public TrustBundle build() {
      return new TrustBundle(trustDomain, copyOrdered(jwtKeys),
          x509Authorities, sequence, refreshHint, skipped);
    }

    private static Map<String, JwtKey> copyOrdered(Map<String, JwtKey> keys) {
      return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(keys));
    }
  }
}

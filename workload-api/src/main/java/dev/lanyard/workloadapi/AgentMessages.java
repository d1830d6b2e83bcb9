package dev.lanyard.workloadapi;

import com.google.protobuf.ByteString;
import dev.lanyard.internal.Json;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleFormatException;
import dev.lanyard.trust.TrustBundle;
import dev.lanyard.x509.X509Svid;
import dev.lanyard.x509.X509SvidRejectedException;
import io.spiffe.workloadapi.grpc.Workload;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads what the Workload API sends into Lanyard's values, at the edge: X.509-SVIDs (ASN.1 DER chains and PKCS#8
 * keys), X.509 bundles (concatenated DER certificates) and JWT bundles (JWK Sets). Every refusal is a
 * {@link WorkloadApiException} saying why, never showing a key.
 *
 * <p>JWT bundles are read by {@link TrustBundle}'s import rules, not java-spiffe's parser (which refuses a whole set
 * for one key it cannot use). The Workload API sends them as standard JWK Sets: a key without {@code use} (or with
 * {@code use: "sig"}) is a JWT-SVID key there, and X.509 entries are ignored, since the X.509 roots come from the
 * X.509 stream.
 *
 * <p>Thread-safe: stateless.
 */
final class AgentMessages {
  private static final int MAX_JSON_DEPTH = 8;
  private static final byte[] PROBE = "lanyard workload api key check".getBytes(StandardCharsets.US_ASCII);

  private AgentMessages() {}

  /**
   * The X.509-SVID of one message entry: its chain meets the X509-SVID profile, names {@code spiffe_id}, and the key
   * is the leaf's.
   */
  static X509Svid x509Svid(Workload.X509SVID entry) {
    List<X509Certificate> chain = certificates(entry.getX509Svid(), "the X.509-SVID chain");
    if (chain.isEmpty()) {
      throw new WorkloadApiException("the X.509-SVID for " + entry.getSpiffeId() + " holds no certificate");
    }
    PrivateKey key = privateKey(entry.getX509SvidKey(), entry.getSpiffeId());
    X509Svid svid;
    try {
      svid = X509Svid.of(chain, key);
    } catch (X509SvidRejectedException e) {
      throw new WorkloadApiException("the X.509-SVID for " + entry.getSpiffeId() + " does not meet the X509-SVID "
          + "profile (" + e.reason() + "): " + e.getMessage(), e);
    }
    if (!svid.spiffeId().toString().equals(entry.getSpiffeId())) {
      throw new WorkloadApiException("the X.509-SVID sent for " + entry.getSpiffeId() + " names " + svid.spiffeId());
    }
    checkKeyPair(svid);
    return svid;
  }

  /** Certificates in ASN.1 DER, one after the other (as the Workload API sends chains and bundles). */
  static List<X509Certificate> certificates(ByteString der, String what) {
    if (der.isEmpty()) {
      return List.of();
    }
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      Collection<? extends java.security.cert.Certificate> parsed =
          factory.generateCertificates(new ByteArrayInputStream(der.toByteArray()));
      List<X509Certificate> certificates = new ArrayList<>(parsed.size());
      for (java.security.cert.Certificate certificate : parsed) {
        certificates.add((X509Certificate) certificate);
      }
      return List.copyOf(certificates);
    } catch (CertificateException | ClassCastException e) {
      throw new WorkloadApiException(what + " is not a sequence of DER X.509 certificates: " + e.getMessage(), e);
    }
  }

  private static PrivateKey privateKey(ByteString der, String spiffeId) {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der.toByteArray());
    for (String algorithm : new String[] {"EC", "RSA"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException e) {
        // try the next key type
      }
    }
    throw new WorkloadApiException("the private key of the X.509-SVID for " + spiffeId
        + " is not an EC or RSA PKCS#8 key");
  }

  /** A signature by the SVID's private key that its leaf's public key verifies, else the two do not belong together. */
  private static void checkKeyPair(X509Svid svid) {
    PrivateKey key = svid.privateKey();
    String algorithm = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
    boolean matches;
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(PROBE);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(svid.leaf().getPublicKey());
      verifier.update(PROBE);
      matches = verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      matches = false;
    }
    if (!matches) {
      throw new WorkloadApiException("the private key sent with the X.509-SVID for " + svid.spiffeId()
          + " (serial " + svid.serial() + ") is not the key of its certificate");
    }
  }

  /** A trust domain as the Workload API names it in bundle maps: its SPIFFE ID ({@code spiffe://td}) or bare name. */
  static TrustDomain trustDomain(String name) {
    try {
      return name.startsWith("spiffe://") ? SpiffeId.parse(name).trustDomain() : TrustDomain.of(name);
    } catch (IllegalArgumentException e) {
      throw new WorkloadApiException("a bundle is sent for '" + name + "', which is not a trust domain: "
          + e.getMessage(), e);
    }
  }

  /** The JWT-SVID keys of a JWT bundle (a JWK Set) of {@code trustDomain}; unusable keys are skipped. */
  static TrustBundle jwtBundle(TrustDomain trustDomain, ByteString jwks) {
    String json = jwks.toStringUtf8();
    if (json.length() > TrustBundle.MAX_DOCUMENT_LENGTH) {
      throw new WorkloadApiException("the JWT bundle of " + trustDomain + " is larger than "
          + TrustBundle.MAX_DOCUMENT_LENGTH + " characters");
    }
    Map<String, Object> document;
    try {
      document = Json.parseObject(json.strip(), MAX_JSON_DEPTH);
    } catch (ParseException e) {
      throw new WorkloadApiException("the JWT bundle of " + trustDomain + " is not a JSON object: " + e.getMessage(),
          e);
    }
    Object keys = document.get("keys");
    if (!(keys instanceof List)) {
      throw new WorkloadApiException("the JWT bundle of " + trustDomain + " has no \"keys\" array");
    }
    List<Object> jwtKeys = new ArrayList<>();
    for (Object key : (List<?>) keys) {
      if (!(key instanceof Map)) {
        throw new WorkloadApiException("the JWT bundle of " + trustDomain + " holds a key that is not an object");
      }
      Map<String, Object> jwk = new LinkedHashMap<>();
      for (Map.Entry<?, ?> member : ((Map<?, ?>) key).entrySet()) {
        jwk.put(String.valueOf(member.getKey()), member.getValue());
      }
      Object use = jwk.get("use");
      if ("x509-svid".equals(use)) {
        continue;
      }
      if (use == null || "sig".equals(use)) {
        jwk.put("use", "jwt-svid");
      }
      jwtKeys.add(jwk);
    }
    StringBuilder normalized = new StringBuilder(json.length() + 64).append("{\"keys\":");
    write(normalized, jwtKeys);
    normalized.append('}');
    try {
      return TrustBundle.parse(trustDomain, normalized.toString());
    } catch (BundleFormatException e) {
      throw new WorkloadApiException("the JWT bundle of " + trustDomain + " is not a JWK Set: " + e.getMessage(), e);
    }
  }

  /** {@code jwt}'s JWT keys (when there is one) and {@code roots} as one bundle of {@code trustDomain}. */
  static TrustBundle merge(TrustDomain trustDomain, @Nullable TrustBundle jwt, List<X509Certificate> roots) {
    TrustBundle.Builder builder = TrustBundle.newBuilder(trustDomain);
    if (jwt != null) {
      builder.addJwtKeys(jwt.jwtKeys());
    }
    for (X509Certificate root : roots) {
      builder.addX509Authority(root);
    }
    return builder.build();
  }

  /** JSON text of a value read by {@link Json#parseObject}. */
  private static void write(StringBuilder out, @Nullable Object value) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof String) {
      Json.appendString(out, (String) value);
    } else if (value instanceof Map) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> member : ((Map<?, ?>) value).entrySet()) {
        if (!first) {
          out.append(',');
        }
        first = false;
        Json.appendString(out, String.valueOf(member.getKey())).append(':');
        write(out, member.getValue());
      }
      out.append('}');
    } else if (value instanceof List) {
      out.append('[');
      boolean first = true;
      for (Object element : (List<?>) value) {
        if (!first) {
          out.append(',');
        }
        first = false;
        write(out, element);
      }
      out.append(']');
    } else {
      out.append(value);
    }
  }
}

package dev.lanyard.jwt;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Hand-made compact JWS for verifier tests: JSON is written as raw text (so a test controls every byte, including
 * duplicate member names and wrong types), encoded with the JDK's base64url encoder and signed with the JDK's
 * {@link Signature}, independently of the code under test.
 */
final class HandmadeJws {
  /** JWS ES256 signature encoding (IEEE P1363 {@code r||s}). */
  static final String ES256 = "SHA256withECDSAinP1363Format";
  /** JWS ES384 signature encoding. */
  static final String ES384 = "SHA384withECDSAinP1363Format";
  /** RSASSA-PKCS1-v1_5 with SHA-256. */
  static final String RS256 = "SHA256withRSA";
  /** RSASSA-PSS with SHA-256, MGF1-SHA-256, 32-byte salt (JWS PS256). */
  static final String PS256 = "PS256";

  private HandmadeJws() {}

  static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static String b64(String text) {
    return b64(text.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code b64(header).b64(claims)}. */
  static String signingInput(String headerJson, String claimsJson) {
    return b64(headerJson) + "." + b64(claimsJson);
  }

  /** A compact JWS of the given JSON texts signed with {@code jcaAlgorithm} ({@link #ES256} etc.). */
  static String signed(String jcaAlgorithm, PrivateKey key, String headerJson, String claimsJson) {
    String input = signingInput(headerJson, claimsJson);
    return input + "." + b64(sign(jcaAlgorithm, key, input));
  }

  /** A compact JWS of the given JSON texts with an arbitrary signature. */
  static String withSignature(String headerJson, String claimsJson, byte[] signature) {
    return signingInput(headerJson, claimsJson) + "." + b64(signature);
  }

  /** Signs the ASCII bytes of {@code signingInput}. */
  static byte[] sign(String jcaAlgorithm, PrivateKey key, String signingInput) {
    try {
      Signature signer;
      if (PS256.equals(jcaAlgorithm)) {
        signer = Signature.getInstance("RSASSA-PSS");
        AlgorithmParameterSpec pss = new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1);
        signer.setParameter(pss);
      } else {
        signer = Signature.getInstance(jcaAlgorithm);
      }
      signer.initSign(key);
      signer.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signer.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static KeyPair ecKeyPair(String jcaCurve) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec(jcaCurve));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static KeyPair rsaKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(new RSAKeyGenParameterSpec(2048, RSAKeyGenParameterSpec.F4));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static KeyPair ed25519KeyPair() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A JSON string literal (escapes {@code "} and {@code \} only: tests pass plain ASCII). */
  static String str(String value) {
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** An immutable JSON object written member by member as raw JSON values, in order; may hold duplicate names. */
  static final class Obj {
    private final List<Map.Entry<String, String>> members;

    private Obj(List<Map.Entry<String, String>> members) {
      this.members = List.copyOf(members);
    }

    static Obj of() {
      return new Obj(List.of());
    }

    /** A copy with member {@code name} set to the raw JSON {@code rawValue} (replacing it in place if present). */
    Obj raw(String name, String rawValue) {
      List<Map.Entry<String, String>> copy = new ArrayList<>(members);
      for (int i = 0; i < copy.size(); i++) {
        if (copy.get(i).getKey().equals(name)) {
          copy.set(i, Map.entry(name, rawValue));
          return new Obj(copy);
        }
      }
      copy.add(Map.entry(name, rawValue));
      return new Obj(copy);
    }

    /** A copy with member {@code name} set to the string {@code value}. */
    Obj str(String name, String value) {
      return raw(name, HandmadeJws.str(value));
    }

    /** A copy with member {@code name} set to the number {@code value}. */
    Obj num(String name, long value) {
      return raw(name, Long.toString(value));
    }

    /** A copy with one more member {@code name}, even if the object already has one (a duplicate name). */
    Obj duplicate(String name, String rawValue) {
      List<Map.Entry<String, String>> copy = new ArrayList<>(members);
      copy.add(Map.entry(name, rawValue));
      return new Obj(copy);
    }

    /** A copy without member {@code name}. */
    Obj without(String name) {
      List<Map.Entry<String, String>> copy = new ArrayList<>(members);
      copy.removeIf(e -> e.getKey().equals(name));
      return new Obj(copy);
    }

    String json() {
      StringBuilder sb = new StringBuilder("{");
      for (Map.Entry<String, String> member : members) {
        if (sb.length() > 1) {
          sb.append(',');
        }
        sb.append(HandmadeJws.str(member.getKey())).append(':').append(member.getValue());
      }
      return sb.append('}').toString();
    }

    @Override
    public String toString() {
      return json();
    }
  }
}

package dev.lanyard.internal;

import dev.lanyard.jose.JwtAlgorithm;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;

/**
 * JWS signing and key generation on the JDK provider (constant-time ECDSA in SunEC; ECDSA signatures in the JWS
 * {@code r||s} encoding via the {@code inP1363Format} algorithms).
 */
public final class JwsSigning {
  private JwsSigning() {}

  /** A fresh key pair fit for {@code algorithm}: the algorithm's curve for ECDSA, RSA-2048 (e = 65537) otherwise. */
  public static KeyPair generateKeyPair(JwtAlgorithm algorithm) {
    try {
      if (algorithm.keyFamily() == JwtAlgorithm.KeyFamily.EC) {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec(jcaCurve(algorithm.curve().orElseThrow())));
        return generator.generateKeyPair();
      }
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(new RSAKeyGenParameterSpec(2048, RSAKeyGenParameterSpec.F4));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate a key for " + algorithm, e);
    }
  }

  /** Signs {@code input} with {@code key}; ECDSA signatures come out as JWS {@code r||s}. */
  public static byte[] sign(JwtAlgorithm algorithm, PrivateKey key, byte[] input) {
    try {
      Signature signer = newSignature(algorithm);
      signer.initSign(key);
      signer.update(input);
      return signer.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with " + algorithm, e);
    }
  }

  static Signature newSignature(JwtAlgorithm algorithm) throws GeneralSecurityException {
    switch (algorithm) {
      case ES256:
        return Signature.getInstance("SHA256withECDSAinP1363Format");
      case ES384:
        return Signature.getInstance("SHA384withECDSAinP1363Format");
      case ES512:
        return Signature.getInstance("SHA512withECDSAinP1363Format");
      case RS256:
        return Signature.getInstance("SHA256withRSA");
      case RS384:
        return Signature.getInstance("SHA384withRSA");
      case RS512:
        return Signature.getInstance("SHA512withRSA");
      default:
        Signature pss = Signature.getInstance("RSASSA-PSS");
        pss.setParameter(VerificationKey.pssParameters(algorithm));
        return pss;
    }
  }

  /** The JDK's standard name of a JWA curve. */
  public static String jcaCurve(String jwaCurve) {
    switch (jwaCurve) {
      case "P-256":
        return "secp256r1";
      case "P-384":
        return "secp384r1";
      case "P-521":
        return "secp521r1";
      default:
        throw new IllegalArgumentException("unsupported curve " + jwaCurve);
    }
  }
}

package dev.lanyard.internal;

import dev.lanyard.jose.JwtAlgorithm;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Optional;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.math.ec.ECPoint;

/**
 * A public key made ready for JWS signature checks, parsed once and reused for every token it verifies.
 *
 * <p>ECDSA is checked with BouncyCastle's lightweight verifier over its optimised curve implementations: on JDK 17 it
 * is an order of magnitude faster than SunEC and, unlike SunEC, accepts every valid Wycheproof P1363 vector (see
 * BASELINES). Reusing the point lets BouncyCastle keep its precomputation. The point is validated (on the curve, in
 * the prime-order group) when the key is made. RSASSA-PKCS1-v1_5 ({@code RS*}) is checked by {@link Pkcs1}: the
 * public-key operation and the encode-and-compare of RFC 8017, without the JCA's per-call provider lookup, key
 * translation and ASN.1 encoding. RSA-PSS uses the JDK provider. Signing is elsewhere ({@link JwsSigning}) and stays
 * on the JDK's constant-time implementation.
 *
 * <p>Thread-safe: immutable; {@link #verify} may run on many threads at once.
 */
public abstract class VerificationKey {
  /** Smallest RSA modulus accepted, in bits. */
  public static final int MIN_RSA_BITS = 2048;

  private static final BigInteger MIN_RSA_EXPONENT = BigInteger.valueOf(65537);

  private VerificationKey() {}

  /**
   * Prepares {@code key} for verification.
   *
   * @throws IllegalArgumentException when the key is not usable for JWT-SVIDs: not EC or RSA, an EC curve other than
   *     P-256/P-384/P-521, an invalid point, RSA under 2048 bits or with an exponent below 65537 or even
   */
  public static VerificationKey of(PublicKey key) {
    if (key instanceof ECPublicKey) {
      return new Ec((ECPublicKey) key);
    }
    if (key instanceof RSAPublicKey) {
      return new Rsa((RSAPublicKey) key);
    }
    throw new IllegalArgumentException("unsupported key type " + key.getAlgorithm() + " (only EC and RSA)");
  }

  /** The JWA curve name of an EC key, if this is one. */
  public abstract Optional<String> curve();

  /** The key family. */
  public abstract JwtAlgorithm.KeyFamily family();

  /** True when this key can check signatures of {@code algorithm} (key type and, for EC, curve match). */
  public abstract boolean fits(JwtAlgorithm algorithm);

  /**
   * Checks {@code signature} (JWS encoding: {@code r||s} for ECDSA) over {@code input}. Returns false for a wrong or
   * malformed signature, and for an algorithm that does not fit the key.
   */
  public abstract boolean verify(JwtAlgorithm algorithm, byte[] input, byte[] signature);

  /** The JWA curve name of a JDK EC parameter spec, if it is one of P-256, P-384, P-521. */
  public static Optional<String> curveName(ECParameterSpec spec) {
    for (String name : new String[] {"P-256", "P-384", "P-521"}) {
      X9ECParameters p = CustomNamedCurves.getByName(name);
      if (p.getN().equals(spec.getOrder())
          && p.getCurve().getA().toBigInteger().equals(spec.getCurve().getA())
          && p.getCurve().getB().toBigInteger().equals(spec.getCurve().getB())
          && p.getG().getAffineXCoord().toBigInteger().equals(spec.getGenerator().getAffineX())
          && p.getG().getAffineYCoord().toBigInteger().equals(spec.getGenerator().getAffineY())) {
        return Optional.of(name);
      }
    }
    return Optional.empty();
  }

  private static final class Ec extends VerificationKey {
    private final String curve;
    private final int size;
    private final ECPublicKeyParameters parameters;
    private final MessageDigest digest;

    Ec(ECPublicKey key) {
      this.curve = curveName(key.getParams()).orElseThrow(
          () -> new IllegalArgumentException("unsupported EC curve (only P-256, P-384, P-521)"));
      X9ECParameters x9 = CustomNamedCurves.getByName(curve);
      ECDomainParameters domain = new ECDomainParameters(x9.getCurve(), x9.getG(), x9.getN(), x9.getH());
      ECPoint q;
      try {
        q = x9.getCurve().createPoint(key.getW().getAffineX(), key.getW().getAffineY());
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("EC public key is not a point of " + curve);
      }
      if (!q.isValid()) {
        throw new IllegalArgumentException("EC public key is not a valid point of " + curve);
      }
      this.parameters = new ECPublicKeyParameters(q, domain);
      this.size = (x9.getN().bitLength() + 7) / 8;
      this.digest = newDigest(curve.equals("P-256") ? "SHA-256" : curve.equals("P-384") ? "SHA-384" : "SHA-512");
    }

    @Override
    public Optional<String> curve() {
      return Optional.of(curve);
    }

    @Override
    public JwtAlgorithm.KeyFamily family() {
      return JwtAlgorithm.KeyFamily.EC;
    }

    @Override
    public boolean fits(JwtAlgorithm algorithm) {
      return algorithm.keyFamily() == JwtAlgorithm.KeyFamily.EC && curve.equals(algorithm.curve().orElse(null));
    }

    @Override
    public boolean verify(JwtAlgorithm algorithm, byte[] input, byte[] signature) {
      if (!fits(algorithm) || signature.length != 2 * size) {
        return false;
      }
      BigInteger r = new BigInteger(1, signature, 0, size);
      BigInteger s = new BigInteger(1, signature, size, size);
      byte[] hash = cloneDigest(digest).digest(input);
      ECDSASigner signer = new ECDSASigner();
      signer.init(false, parameters);
      return signer.verifySignature(hash, r, s);
    }
  }

  private static final class Rsa extends VerificationKey {
    private final RSAPublicKey key;
    private final BigInteger modulus;
    private final BigInteger exponent;
    /** The modulus length in bytes: every signature has exactly this length. */
    private final int size;

    Rsa(RSAPublicKey key) {
      if (key.getModulus().bitLength() < MIN_RSA_BITS) {
        throw new IllegalArgumentException("RSA key of " + key.getModulus().bitLength()
            + " bits is too small (at least " + MIN_RSA_BITS + ")");
      }
      BigInteger e = key.getPublicExponent();
      if (e.compareTo(MIN_RSA_EXPONENT) < 0 || !e.testBit(0)) {
        throw new IllegalArgumentException("RSA public exponent must be odd and at least 65537");
      }
      this.key = key;
      this.modulus = key.getModulus();
      this.exponent = e;
      this.size = (modulus.bitLength() + 7) / 8;
    }

    @Override
    public Optional<String> curve() {
      return Optional.empty();
    }

    @Override
    public JwtAlgorithm.KeyFamily family() {
      return JwtAlgorithm.KeyFamily.RSA;
    }

    @Override
    public boolean fits(JwtAlgorithm algorithm) {
      return algorithm.keyFamily() == JwtAlgorithm.KeyFamily.RSA;
    }

    @Override
    public boolean verify(JwtAlgorithm algorithm, byte[] input, byte[] signature) {
      if (!fits(algorithm) || signature.length != size) {
        return false;
      }
      switch (algorithm) {
        case RS256:
        case RS384:
        case RS512:
          return Pkcs1.verify(algorithm, modulus, exponent, size, input, signature);
        default:
          try {
            Signature verifier = JwsSigning.newSignature(algorithm);
            verifier.initVerify(key);
            verifier.update(input);
            return verifier.verify(signature);
          } catch (GeneralSecurityException | RuntimeException e) {
            return false;
          }
      }
    }
  }

  static MessageDigest newDigest(String name) {
    try {
      return MessageDigest.getInstance(name);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(name + " is not available", e);
    }
  }

  static MessageDigest cloneDigest(MessageDigest prototype) {
    try {
      return (MessageDigest) prototype.clone();
    } catch (CloneNotSupportedException e) {
      return newDigest(prototype.getAlgorithm());
    }
  }

  static PSSParameterSpec pssParameters(JwtAlgorithm algorithm) {
    switch (algorithm) {
      case PS256:
        return new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1);
      case PS384:
        return new PSSParameterSpec("SHA-384", "MGF1", MGF1ParameterSpec.SHA384, 48, 1);
      case PS512:
        return new PSSParameterSpec("SHA-512", "MGF1", MGF1ParameterSpec.SHA512, 64, 1);
      default:
        throw new IllegalArgumentException(algorithm + " is not RSA-PSS");
    }
  }
}

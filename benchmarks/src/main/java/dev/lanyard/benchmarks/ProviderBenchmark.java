package dev.lanyard.benchmarks;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The provider choice: the JDK's provider against BouncyCastle's JCA provider, for each JWT-SVID algorithm Lanyard
 * mints (ES256, ES384, RS256, PS256) and Ed25519 for reference, verify and sign, over a token-sized input (400
 * bytes).
 *
 * <p>Each operation re-initialises one {@link Signature} of the provider with a key object of that provider, made
 * once (BouncyCastle keeps per-key precomputation in its key objects; converting a JDK key on every call would lose
 * it). ECDSA signatures use the P1363 ({@code r||s}) encoding JWS uses. Lanyard itself verifies ECDSA with
 * BouncyCastle's lightweight API rather than its JCA provider: that figure is {@code VerifyBenchmark.floorSignatureOnly}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(2)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Thread)
public class ProviderBenchmark {
  private static final Provider BOUNCY_CASTLE = new BouncyCastleProvider();

  @Param({"ES256", "ES384", "RS256", "PS256", "Ed25519"})
  public String alg;

  @Param({"JDK", "BC"})
  public String provider;

  Signature verifier;
  Signature signer;
  PublicKey publicKey;
  PrivateKey privateKey;
  byte[] input;
  byte[] signature;

  @Setup
  public void setUp() throws Exception {
    KeyPair keys = generate(alg);
    Provider p = provider.equals("BC") ? BOUNCY_CASTLE : null;
    String keyAlgorithm = keys.getPublic().getAlgorithm();
    if (p != null) {
      KeyFactory factory = KeyFactory.getInstance(keyAlgorithm.equals("EdDSA") ? "Ed25519" : keyAlgorithm, p);
      publicKey = factory.generatePublic(new X509EncodedKeySpec(keys.getPublic().getEncoded()));
      privateKey = factory.generatePrivate(new PKCS8EncodedKeySpec(keys.getPrivate().getEncoded()));
    } else {
      publicKey = keys.getPublic();
      privateKey = keys.getPrivate();
    }
    verifier = signature(alg, p);
    signer = signature(alg, p);
    input = new byte[400];
    for (int i = 0; i < input.length; i++) {
      input[i] = (byte) ('A' + i % 26);
    }
    signature = sign();
    Fixture.check(verify(), "own signature");
    // The other provider agrees, so both compute the same algorithm.
    Signature other = signature(alg, p == null ? BOUNCY_CASTLE : null);
    other.initVerify(keys.getPublic());
    other.update(input);
    Fixture.check(other.verify(signature), "cross-provider check");
  }

  private static KeyPair generate(String alg) throws GeneralSecurityException {
    KeyPairGenerator generator;
    switch (alg) {
      case "ES256":
      case "ES384":
        generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec(alg.equals("ES256") ? "secp256r1" : "secp384r1"));
        break;
      case "Ed25519":
        generator = KeyPairGenerator.getInstance("Ed25519");
        break;
      default:
        generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(new RSAKeyGenParameterSpec(2048, RSAKeyGenParameterSpec.F4));
    }
    return generator.generateKeyPair();
  }

  private static Signature signature(String alg, Provider p) throws GeneralSecurityException {
    boolean bc = p != null;
    switch (alg) {
      case "ES256":
        return get(bc ? "SHA256withPLAIN-ECDSA" : "SHA256withECDSAinP1363Format", p);
      case "ES384":
        return get(bc ? "SHA384withPLAIN-ECDSA" : "SHA384withECDSAinP1363Format", p);
      case "RS256":
        return get("SHA256withRSA", p);
      case "PS256":
        if (bc) {
          return get("SHA256withRSAandMGF1", p);
        }
        Signature pss = get("RSASSA-PSS", null);
        pss.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        return pss;
      case "Ed25519":
        return get("Ed25519", p);
      default:
        throw new IllegalArgumentException(alg);
    }
  }

  private static Signature get(String name, Provider p) throws GeneralSecurityException {
    return p == null ? Signature.getInstance(name) : Signature.getInstance(name, p);
  }

  @Benchmark
  public boolean verify() throws GeneralSecurityException {
    verifier.initVerify(publicKey);
    verifier.update(input);
    return verifier.verify(signature);
  }

  @Benchmark
  public byte[] sign() throws GeneralSecurityException {
    signer.initSign(privateKey);
    signer.update(input);
    return signer.sign();
  }
}

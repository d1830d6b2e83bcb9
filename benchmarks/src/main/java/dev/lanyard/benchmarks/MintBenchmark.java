package dev.lanyard.benchmarks;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.credentials.CachingJwtSvidSource;
import dev.lanyard.internal.Base64Url;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.jwt.JwtSvid;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.TimeUnit;
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
 * Minting one JWT-SVID of the shared shape ({@link Fixture}), per algorithm.
 * <ul>
 *   <li>{@code floorSign}: the bare JDK signature (the provider Lanyard signs with) over a prebuilt signing input of
 *       the same shape, one {@link Signature} initialised once.</li>
 *   <li>{@code lanyardFresh}: {@link EmbeddedAuthority#mint}: claims, header, encoding, a fresh {@code jti} and the
 *       signature.</li>
 *   <li>{@code lanyardCached}: {@link CachingJwtSvidSource#fetch} for an audience and scopes it already holds a
 *       token for (compare with {@code VerifyBenchmark.mapHitFloor}).</li>
 *   <li>{@code nimbusSign}: nimbus-jose-jwt: a claims set of the same shape with a fresh {@code jti}, a
 *       {@code SignedJWT} signed by an {@code ECDSASigner}/{@code RSASSASigner} built once, serialised.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(2)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Thread)
public class MintBenchmark {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String SCOPE = String.join(" ", Fixture.SCOPES);
  private static final String[] SCOPE_ARRAY = Fixture.SCOPES.toArray(new String[0]);

  @Param({"ES256", "ES384", "RS256", "PS256"})
  public String alg;

  JwtAlgorithm algorithm;
  Signature jdkSigner;
  byte[] signingInput;
  EmbeddedAuthority authority;
  CachingJwtSvidSource source;
  JWSSigner nimbusSigner;
  JWSHeader nimbusHeader;

  @Setup
  public void setUp() throws Exception {
    algorithm = JwtAlgorithm.valueOf(alg);
    KeyPair keys = Fixture.keyPair(algorithm);
    String keyId = Fixture.newKeyId();
    signingInput = Fixture.signingInput(Fixture.tokens(algorithm, keyId, keys, 1)[0]);
    jdkSigner = jdkSignature(algorithm);
    jdkSigner.initSign(keys.getPrivate());

    authority = EmbeddedAuthority.newBuilder(Fixture.TRUST_DOMAIN).jwtAlgorithm(algorithm).build();
    source = CachingJwtSvidSource.newBuilder(authority, Fixture.SUBJECT).ttl(Duration.ofHours(1)).build();
    JwtSvid held = source.fetch(Fixture.AUDIENCE, SCOPE_ARRAY);
    Fixture.check(source.fetch(Fixture.AUDIENCE, SCOPE_ARRAY) == held, "cached source");

    nimbusSigner = algorithm.keyFamily() == JwtAlgorithm.KeyFamily.EC
        ? new ECDSASigner((ECPrivateKey) keys.getPrivate())
        : new RSASSASigner(keys.getPrivate());
    nimbusHeader = new JWSHeader.Builder(JWSAlgorithm.parse(alg)).keyID(keyId).type(JOSEObjectType.JWT).build();
  }

  static Signature jdkSignature(JwtAlgorithm algorithm) throws GeneralSecurityException {
    switch (algorithm) {
      case ES256:
        return Signature.getInstance("SHA256withECDSAinP1363Format");
      case ES384:
        return Signature.getInstance("SHA384withECDSAinP1363Format");
      case RS256:
        return Signature.getInstance("SHA256withRSA");
      case PS256:
        Signature pss = Signature.getInstance("RSASSA-PSS");
        pss.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        return pss;
      default:
        throw new IllegalArgumentException(algorithm.name());
    }
  }

  @Benchmark
  public byte[] floorSign() throws GeneralSecurityException {
    jdkSigner.update(signingInput);
    return jdkSigner.sign();
  }

  @Benchmark
  public JwtSvid lanyardFresh() {
    return authority.mint(Fixture.SUBJECT, Fixture.AUDIENCES, Fixture.SCOPES, null);
  }

  @Benchmark
  public JwtSvid lanyardCached() {
    return source.fetch(Fixture.AUDIENCE, SCOPE_ARRAY);
  }

  @Benchmark
  public String nimbusSign() throws JOSEException {
    Instant now = Instant.now();
    byte[] id = new byte[16];
    RANDOM.nextBytes(id);
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .subject(Fixture.SUBJECT.toString())
        .audience(Fixture.AUDIENCES)
        .expirationTime(Date.from(now.plus(Duration.ofMinutes(5))))
        .issueTime(Date.from(now))
        .jwtID(Base64Url.encode(id))
        .claim("scope", SCOPE)
        .build();
    SignedJWT jwt = new SignedJWT(nimbusHeader, claims);
    jwt.sign(nimbusSigner);
    return jwt.serialize();
  }
}
